"""The e-mail outbox's companions: the development mailbox backend that keeps messages under
var/mail/ (`mailbox`) and the outbox model (`models.OutgoingEmail`)."""
