"""Participant passes: issued for a confirmed activity place, found by the token in their QR
code, revoked when the place ends, and rendered as a PDF for e-mails and downloads (the document
itself is cohorts.attendance.passes)."""

import base64
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.attendance import passes
from cohorts.attendance.models import (
    ParticipantPass,
)
from cohorts.attendance.services.base import (
    TOKEN_PATTERN,
    person_name,
)
from cohorts.places import emails
from cohorts.places.models import CONFIRMED, Enrolment
from lms import languages
from lms.models import OutgoingEmail, undeliverable
from lms.tokens import derived_token_fields, token_digest

_TOKEN_RE = re.compile(rf"(?:^|/cohorts/pass/)({TOKEN_PATTERN})/?$")


def pass_token_new() -> dict[str, str]:
    """The stored fields of a new pass token (256 bits): nothing but this token identifies a
    pass, and it is used for check-in only (offer and nomination links, certificate codes are
    separate secrets). Only its salt and digest are kept (lms.tokens)."""
    return derived_token_fields(ParticipantPass.LINK_PURPOSE)


def token_from_text(text: str | None) -> str | None:
    """The token in what a scanner read or staff typed: the pass's address or the code alone."""
    text = (text or "").strip()
    if not text or len(text) > 500:
        return None
    match = _TOKEN_RE.search(text)
    return match.group(1) if match else None


def pass_address(token: str) -> str:
    """What the pass's QR code carries: the address of the pass, which the desk understands."""
    return settings.BASE_URL.rstrip("/") + reverse("cohorts:pass_scan", args=[token])


def pass_ensure(*, enrolment: Enrolment) -> ParticipantPass | None:
    """The pass of a confirmed activity place, issued on first need; a revoked pass of a place
    that is confirmed again gets a new token. None for anything else (the existing revoked pass
    is kept, so that scanning it says why it no longer works)."""
    if not enrolment.activity_id:
        return None
    existing = ParticipantPass.objects.filter(enrolment_id=enrolment.pk).first()
    if enrolment.state not in CONFIRMED:
        return None
    if existing is not None and existing.revoked_at is None:
        return existing
    if existing is not None:
        # Only one of two requests renewing the same revoked pass at once wins; the other reads
        # the winner's token back, so an e-mailed PDF never carries a token already replaced.
        ParticipantPass.objects.filter(pk=existing.pk, revoked_at__isnull=False).update(
            **pass_token_new(), revoked_at=None, created_at=timezone.now()
        )
        existing.refresh_from_db()
        return existing
    try:
        with transaction.atomic():
            return ParticipantPass.objects.create(enrolment=enrolment, **pass_token_new())
    except IntegrityError:
        # Issued at the same moment by another request (or the accepted event's handler).
        return ParticipantPass.objects.get(enrolment_id=enrolment.pk)


def pass_revoke(*, enrolment: Enrolment) -> bool:
    """A withdrawn place's pass stops working; True when it was valid until now."""
    return bool(
        ParticipantPass.objects.filter(enrolment_id=enrolment.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def pass_by_token(token: str | None) -> ParticipantPass | None:
    if not token:
        return None
    return (
        ParticipantPass.objects.select_related(
            "enrolment__user__profile", "enrolment__activity", "enrolment__organisation"
        )
        .filter(token_hash=token_digest(token))
        .first()
    )


def pass_language(enrolment: Enrolment, *, leader=None) -> str:
    """The language a pass is printed in: its holder's. For a group member without an account
    of their own, the language chosen for their family (the guardian's), else the group's
    country's; `leader` (the one printing) only when the member is not found."""
    holder = enrolment.user
    if not undeliverable(holder.email):
        return languages.of_user(holder)
    if enrolment.group_id:
        member = enrolment.group.members.filter(person=holder).first()
        if member is not None:
            return (
                languages.supported(member.guardian_language)
                if member.guardian_language
                else (languages.of_country(enrolment.group.country))
            )
    return languages.of_user(leader)


def pass_data(
    *, enrolment: Enrolment, ticket: ParticipantPass, language: str | None = None
) -> passes.PassData:
    """What the pass prints, in `language` (by default the holder's, see `pass_language`)."""
    language = languages.supported(language or pass_language(enrolment))
    activity = enrolment.activity.specific
    programme = activity.get_parent()
    with languages.reading(language):
        item = emails.activity_item(activity)
        venue = item["where"] or (_("Online") if activity.online_url else "")
        return passes.PassData(
            holder_name=person_name(enrolment.user),
            activity_title=activity.title,
            when=str(item["when"]),
            venue=str(venue),
            qr_text=pass_address(ticket.token),
            code=ticket.token,
            country=str(enrolment.country.name) if enrolment.country else "",
            organisation=enrolment.organisation.name if enrolment.organisation else "",
            programme=programme.title if programme is not None else "",
            language=language,
        )


def pass_filename(enrolment: Enrolment) -> str:
    return f"pass-{enrolment.activity.slug or enrolment.activity_id}.pdf"


def pass_pdf_render(*, enrolment: Enrolment) -> bytes | None:
    """The PDF of a confirmed place's pass (issued now if it has none yet)."""
    ticket = pass_ensure(enrolment=enrolment)
    if ticket is None:
        return None
    return passes.passes_pdf([pass_data(enrolment=enrolment, ticket=ticket)])


def pass_attachment(*, enrolment: Enrolment) -> dict | None:
    """The pass as an e-mail attachment (base64, as the outbox stores binary files)."""
    pdf = pass_pdf_render(enrolment=enrolment)
    if pdf is None:
        return None
    return {
        "filename": pass_filename(enrolment),
        "mimetype": "application/pdf",
        "encoding": "base64",
        "content": base64.b64encode(pdf).decode("ascii"),
    }


def pass_attach(*, email: OutgoingEmail, enrolment: Enrolment) -> None:
    """Inside the handler's transaction that queued the confirmation: add the pass PDF to it
    while it still waits in the outbox (it is sent after that transaction commits). A sent
    e-mail, or one that already carries the pass, is left as it is."""
    if email.status != OutgoingEmail.Status.PENDING or email.sent_at is not None:
        return
    filename = pass_filename(enrolment)
    current = list(email.attachments or [])
    if any(item.get("filename") == filename for item in current):
        return
    attachment = pass_attachment(enrolment=enrolment)
    if attachment is None:
        return
    email.attachments = [*current, attachment]
    OutgoingEmail.objects.filter(pk=email.pk, status=OutgoingEmail.Status.PENDING).update(
        attachments=email.attachments
    )
