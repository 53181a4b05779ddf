"""The e-mail outbox: one row per recipient and reason, sent at most once by a job, retried when
the server refuses it, its stored copy stripped of token links and attached files once final."""

import base64
import html
import logging
import re
import smtplib
import socket
import traceback
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import timezone
from wagtail.log_actions import log

from lms.errors import LmsError
from lms.events import failure_keep
from lms.jobs import enqueue_on_commit
from lms.locking import busy_transaction
from lms.mail.models import OutgoingEmail, undeliverable

logger = logging.getLogger(__name__)

EMAIL_MAX_ATTEMPTS = 6
EMAIL_SWEEP_GRACE = timedelta(seconds=30)
# A send is part of one job, and no job runs longer than Q_TIMEOUT: a row still "sending" after
# that (and a minute's margin) belongs to a job that ended without recording the outcome.
EMAIL_SENDING_STALE = timedelta(seconds=settings.Q_TIMEOUT) + timedelta(minutes=1)
SEND_FINAL = (OutgoingEmail.Status.SENT, OutgoingEmail.Status.DEAD, OutgoingEmail.Status.SUPPRESSED)
SEND_DUE = (OutgoingEmail.Status.PENDING, OutgoingEmail.Status.FAILED)
# The mail server said no before taking the message (or could not be reached at all): trying
# again later cannot deliver it twice. Anything else after the hand-over might have been taken.
SMTP_NOT_ACCEPTED = (
    ConnectionRefusedError,
    socket.gaierror,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPDataError,
)


def email_queue(
    *,
    recipient: str,
    reason: str,
    subject: str,
    template: str,
    context: dict,
    attachments: list[dict] | None = None,
) -> OutgoingEmail:
    """Put one e-mail in the outbox for (recipient, reason); a repeat is a no-op.

    `template` names a pair under templates/emails/: `<template>.txt` and `<template>.html`.
    `attachments` are small files: dicts with `filename`, `mimetype` and `content`; a binary
    file has its content in base64 and `"encoding": "base64"`. An address that can never receive
    mail (a group member without an account, an erased person) is kept as SUPPRESSED, never sent.
    """
    context = {"site_name": settings.WAGTAIL_SITE_NAME, "base_url": settings.BASE_URL, **context}
    existing = OutgoingEmail.objects.filter(recipient=recipient, reason=reason).first()
    if existing:
        return existing
    suppressed = undeliverable(recipient)
    try:
        with transaction.atomic():
            email = OutgoingEmail.objects.create(
                recipient=recipient,
                reason=reason,
                subject=subject,
                body_text=render_to_string(f"emails/{template}.txt", context),
                body_html=render_to_string(f"emails/{template}.html", context),
                attachments=attachments or [],
                status=OutgoingEmail.Status.SUPPRESSED
                if suppressed
                else OutgoingEmail.Status.PENDING,
            )
    except IntegrityError:
        return OutgoingEmail.objects.get(recipient=recipient, reason=reason)
    if not suppressed:
        enqueue_on_commit("lms.tasks.email_send_task", email.pk)
    return email


def _message(email: OutgoingEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient],
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments or []:
        content = attachment["content"]
        if attachment.get("encoding") == "base64":  # a binary file, e.g. a PDF pass
            content = base64.b64decode(content)
        message.attach(attachment["filename"], content, attachment["mimetype"])
    return message


def _outcome(email: OutgoingEmail, *, attempted_at, **fields) -> bool:
    """Record how the attempt claimed at `attempted_at` ended. A row the sweeper meanwhile
    called "unknown" still takes the outcome; a row staff have since sent again does not."""
    return bool(
        OutgoingEmail.objects.filter(
            pk=email.pk,
            status__in=[OutgoingEmail.Status.SENDING, OutgoingEmail.Status.UNKNOWN],
            attempted_at=attempted_at,
        ).update(**fields)
    )


def email_send(*, email_id: int) -> None:
    """Send one outbox e-mail at most once.

    The row is claimed first: locked, marked "sending" with the attempt's time, and committed.
    Only then is the message handed to SMTP, outside any transaction, and the outcome recorded:
    "sent"; back to retry when the server clearly refused it (SMTP_NOT_ACCEPTED); "unknown"
    when the connection broke while the server may have taken it. A crash between the hand-over
    and the record leaves "sending", which the sweeper turns into "unknown" for staff to check.
    Nothing in "sending" or "unknown" is ever sent again without a person deciding to."""
    with transaction.atomic(durable=True):
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status not in SEND_DUE:
            return
        if undeliverable(email.recipient):
            email.status = OutgoingEmail.Status.SUPPRESSED
            email.next_attempt_at = None
            email.save(update_fields=["status", "next_attempt_at"])
            return
        now = timezone.now()
        if email.next_attempt_at and email.next_attempt_at > now:
            return
        message = _message(email)
        email.attempts += 1
        email.status = OutgoingEmail.Status.SENDING
        email.attempted_at = now
        email.save(update_fields=["attempts", "status", "attempted_at"])
    try:
        message.send()
    except SMTP_NOT_ACCEPTED as exc:
        logger.warning("e-mail %s to %s refused: %s", email.pk, email.recipient, exc)
        failure_keep(email, error=exc, max_attempts=EMAIL_MAX_ATTEMPTS, now=now)
        _outcome(
            email,
            attempted_at=now,
            status=email.status,
            next_attempt_at=email.next_attempt_at,
            last_error=email.last_error,
        )
    except Exception as exc:
        # The server may have accepted the message before the connection broke: sending it
        # again could deliver it twice, so a person decides.
        logger.error(
            "e-mail %s to %s may or may not have been sent: %s", email.pk, email.recipient, exc
        )
        _outcome(
            email,
            attempted_at=now,
            status=OutgoingEmail.Status.UNKNOWN,
            next_attempt_at=None,
            last_error="".join(traceback.format_exception(exc))[-4000:],
        )
    else:
        _outcome(
            email,
            attempted_at=now,
            status=OutgoingEmail.Status.SENT,
            sent_at=timezone.now(),
            next_attempt_at=None,
        )


def emails_sending_expire(*, now=None) -> int:
    """Turn sends claimed longer ago than EMAIL_SENDING_STALE into "unknown": the job that
    claimed them has ended (a worker killed, a connection lost) without recording whether the
    server took the message. They are never resent on their own. Returns how many."""
    now = now or timezone.now()
    stale = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENDING, attempted_at__lte=now - EMAIL_SENDING_STALE
    )
    ids = list(stale.values_list("pk", flat=True))
    count = stale.filter(pk__in=ids).update(
        status=OutgoingEmail.Status.UNKNOWN,
        next_attempt_at=None,
        last_error="The send was cut short after the message was handed to the mail server; "
        "whether it arrived is not known.",
    )
    for email_id in ids:
        logger.warning("e-mail %s: send cut short, delivery unknown", email_id)
    return count


def email_sweep(*, limit: int = 500, now=None) -> int:
    """Mark sends that were cut short "unknown", then retry e-mails whose send was lost before
    it started or failed and is due again. Returns how many were retried."""
    now = now or timezone.now()
    emails_sending_expire(now=now)
    ids = list(
        OutgoingEmail.objects.filter(
            status__in=[OutgoingEmail.Status.PENDING, OutgoingEmail.Status.FAILED],
            created_at__lte=now - EMAIL_SWEEP_GRACE,
        )
        .exclude(next_attempt_at__gt=now)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for email_id in ids:
        email_send(email_id=email_id)
    return len(ids)


def email_resend(*, email_id: int, user) -> OutgoingEmail:
    """Staff send again, knowingly, an e-mail whose delivery is unknown (after checking with the
    recipient that it did not arrive). Recorded in the audit log."""
    with busy_transaction(error=LmsError):
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != OutgoingEmail.Status.UNKNOWN:
            raise LmsError("email_not_unknown")
        email.status = OutgoingEmail.Status.PENDING
        email.next_attempt_at = None
        email.save(update_fields=["status", "next_attempt_at"])
        # The title names the row, not the person: the audit log outlives an erasure.
        log(
            instance=email,
            action="lms.email.resend",
            user=user,
            title=f"E-mail {email.pk}",
            data={"email_id": email.pk, "attempts": email.attempts},
        )
        enqueue_on_commit("lms.tasks.email_send_task", email.pk)
    return email


# --- Redacting links with tokens from the stored copies of sent e-mails ----------------------

REDACTED_LINK = "[link removed after sending]"
REDACTED_ATTACHMENT = "[file removed after sending]"
_URL = re.compile(r"https?://[^\s\"'<>]+")


def _token_link(url: str) -> bool:
    """Whether `url` is one of the site's token links: every such route names its secret
    part `token` (password reset, sign-up confirmation, consent, offer, nomination, survey,
    pass, calendar feed), so a new one is covered without a list to keep."""
    path = urlsplit(html.unescape(url)).path
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return any("token" in name for name in match.kwargs)


def email_text_redact(text: str) -> str:
    """`text` with every token link replaced by a note; other links stay."""
    return _URL.sub(lambda m: REDACTED_LINK if _token_link(m.group(0)) else m.group(0), text)


def _attachments_redact(attachments: list[dict]) -> list[dict]:
    kept = []
    for attachment in attachments or []:
        if attachment.get("encoding") == "base64":
            # A binary file (a pass with its QR token, a PDF): its name stays, its bytes go.
            kept.append(
                {
                    "filename": attachment.get("filename", ""),
                    "mimetype": attachment.get("mimetype", ""),
                    "content": REDACTED_ATTACHMENT,
                    "removed": True,
                }
            )
        else:
            kept.append({**attachment, "content": email_text_redact(attachment.get("content", ""))})
    return kept


def emails_redact(*, now=None, limit: int = 1000) -> int:
    """Strip token links and attached files from the stored copies of e-mails that are final
    (sent, given up or never sendable) for EMAIL_REDACT_AFTER_MINUTES: what is kept in the
    database, and so in its backups, opens nothing. Returns how many were redacted."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.EMAIL_REDACT_AFTER_MINUTES)
    ids = list(
        OutgoingEmail.objects.filter(status__in=SEND_FINAL, redacted_at__isnull=True)
        .filter(Q(sent_at__lte=cutoff) | Q(sent_at__isnull=True, created_at__lte=cutoff))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for email_id in ids:
        with transaction.atomic(durable=True):
            email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
            if email is None or email.redacted_at or email.status not in SEND_FINAL:
                continue
            email.body_text = email_text_redact(email.body_text)
            email.body_html = email_text_redact(email.body_html)
            email.attachments = _attachments_redact(email.attachments)
            email.redacted_at = now
            email.save(update_fields=["body_text", "body_html", "attachments", "redacted_at"])
    return len(ids)
