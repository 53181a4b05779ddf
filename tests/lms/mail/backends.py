"""E-mail backends standing in for an SMTP server whose answer is lost: each records the message
as delivered (Django's test outbox, `mail.outbox`) before the failure, as a server that took it
would have, or refuses it before taking it."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class JobKilled(BaseException):  # noqa: N818 (named for what it stands for)
    """The job's process ending between the hand-over and the record (a worker killed, the
    database connection gone): nothing in the job gets to handle it."""


class DisconnectedAfterAcceptBackend(EmailBackend):
    """The server took the message, then the connection broke before it said so."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class KilledAfterAcceptBackend(EmailBackend):
    """The server took the message, then the job died before recording it."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise JobKilled


class RecipientRefusedBackend(EmailBackend):
    """The server refused the recipient: nothing was taken."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"oie@example.ee": (450, b"Mailbox busy, try later")})
