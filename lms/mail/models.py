"""The e-mail outbox: one row per recipient and reason, sent once."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OutgoingEmail(models.Model):
    """One e-mail per (recipient, reason): claimed as "sending" (committed) before the SMTP call,
    skipped once final; a send whose outcome was lost becomes "unknown", never a second send."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("e-mail status", "Pending")
        SENDING = "sending", pgettext_lazy("e-mail status", "Sending")
        SENT = "sent", pgettext_lazy("e-mail status", "Sent")
        UNKNOWN = "unknown", _("Unknown — check whether it arrived")
        FAILED = "failed", _("Failed, will retry")
        DEAD = "dead", _("Failed, gave up")
        SUPPRESSED = "suppressed", _("Not sent: the person has no e-mail address")

    recipient = models.EmailField()
    reason = models.CharField(max_length=200)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # Small text attachments only (an .ics invitation): [{"filename", "mimetype", "content"}].
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the last attempt was claimed ("sending"): the sweeper's clock for sends cut short.
    attempted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When links with tokens (and attached files) were removed from the stored copy, once sent.
    redacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing e-mail")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "reason"], name="lms_email_once"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"


# Group members without an account, and erased people, get an address under this reserved
# top-level domain (RFC 2606): it can never receive mail, and the outbox suppresses it.
UNDELIVERABLE_DOMAIN = ".invalid"


def undeliverable(address: str) -> bool:
    return address.lower().endswith(UNDELIVERABLE_DOMAIN)
