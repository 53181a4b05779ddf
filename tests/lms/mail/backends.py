"""E-mail backends standing in for an SMTP server whose answer is lost: each records the message
as delivered (Django's test outbox, `mail.outbox`) before the failure, as a server that took it
would have, or refuses it before taking it."""

import smtplib

import psycopg
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection


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


class DatabaseLostAfterAcceptBackend(EmailBackend):
    """The server took the message, then the job's database connection was cut (PostgreSQL
    ends it from another session), so the job cannot record the send."""

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        pid = connection.connection.info.backend_pid
        with psycopg.connect(_dsn(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        return sent


def _dsn() -> str:
    db = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
