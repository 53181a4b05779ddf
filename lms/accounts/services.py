"""Write-side services of the kernel: registering people, editing profiles, the e-mail outbox."""

import base64
import html
import logging
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from lms.accounts.models import GuardianApproval, Organisation, Profile, User
from lms.errors import LmsError
from lms.events import emit, failure_keep
from lms.jobs import enqueue
from lms.mail.models import OutgoingEmail, undeliverable
from lms.names import name_clean

logger = logging.getLogger(__name__)

EMAIL_MAX_ATTEMPTS = 6
EMAIL_SWEEP_GRACE = timedelta(seconds=30)
# Rows that are never (again) handed to the mail server.
SEND_FINAL = (OutgoingEmail.Status.SENT, OutgoingEmail.Status.DEAD, OutgoingEmail.Status.SUPPRESSED)


def _split_name(full_name: str) -> tuple[str, str]:
    parts = full_name.strip().split(None, 1)
    first = parts[0] if parts else ""
    last = parts[1] if len(parts) > 1 else ""
    return first[:150], last[:150]


def _account_create(
    *,
    email: str,
    password: str,
    full_name: str,
    country: str,
    preferred_language: str,
    date_of_birth: date | None,
    guardian_email: str,
    pending: bool,
) -> User:
    """Write the account and its profile (inside the caller's transaction)."""
    from lms.consent.age import needs_guardian

    full_name = name_clean(full_name)
    first, last = _split_name(full_name)
    minor = needs_guardian(country=country, date_of_birth=date_of_birth)
    guardian_email = guardian_email.strip().lower() if minor else ""
    if minor and not guardian_email:
        raise LmsError(
            "guardian_required",
            "A parent's or guardian's e-mail address is needed to approve this account.",
        )
    if minor and guardian_email == email:
        raise LmsError(
            "guardian_is_self",
            "Enter your parent's or guardian's own e-mail address, not yours.",
        )
    user = User.objects.create_user(
        email=email,
        password=password,
        first_name=first,
        last_name=last,
        is_active=not pending,
        signup_pending=pending,
    )
    Profile.objects.create(
        user=user,
        full_name=full_name,
        country=country,
        preferred_language=preferred_language,
        date_of_birth=date_of_birth,
        guardian_email=guardian_email,
        guardian_approval=(GuardianApproval.PENDING if minor else GuardianApproval.NOT_NEEDED),
    )
    return user


def _account_announce(*, user: User) -> None:
    """A usable account exists: a young person's guardian is asked, and `lms.user.registered`
    is emitted (its handler sends the welcome e-mail)."""
    payload = {"user_id": user.pk}
    if user.profile.awaiting_guardian:
        payload["awaiting_guardian"] = True
        _account_consent_request(user=user, guardian=user.profile.guardian_email)
    emit("lms.user.registered", key=f"lms.user.registered:{user.pk}", payload=payload)


def user_register(
    *,
    email: str,
    password: str,
    full_name: str,
    country: str = "",
    preferred_language: str = "en",
    date_of_birth: date | None = None,
    guardian_email: str = "",
) -> User:
    """Create a ready account with its profile and announce it (`lms.user.registered`); for
    staff tools and the demo. People signing up on the site go through `signup_request`.

    Someone under their country's age of digital consent on the day (lms.consent.age) gets an
    account pending a guardian's approval: only the minimum is stored (e-mail, password, name,
    country, date of birth, language and the guardian's e-mail) and the guardian is asked
    (lms.consent.account). Above that age no guardian e-mail is kept."""
    email = User.objects.normalize_email(email).strip().lower()
    try:
        with transaction.atomic(durable=True):
            if User.objects.filter(email__iexact=email).exists():
                raise LmsError("email_taken", "An account with this e-mail address already exists.")
            user = _account_create(
                email=email,
                password=password,
                full_name=full_name,
                country=country,
                preferred_language=preferred_language,
                date_of_birth=date_of_birth,
                guardian_email=guardian_email,
                pending=False,
            )
            _account_announce(user=user)
    except IntegrityError as exc:
        raise LmsError(
            "email_taken", "An account with this e-mail address already exists."
        ) from exc
    return user


def signup_request(
    *,
    email: str,
    password: str,
    full_name: str,
    country: str = "",
    preferred_language: str = "en",
    date_of_birth: date | None = None,
    guardian_email: str = "",
    request=None,
) -> None:
    """Someone asks for an account on the site. The visitor is told the same whatever happens
    here, so the answer never says whether the address has an account:

    - a new address gets an account that cannot log in yet and an e-mail with a link to confirm
      the address (`signup_confirm`); a young person's guardian is asked only after that, so a
      guardian's inbox does not tell either;
    - an address with an account: its owner is told by e-mail that someone tried to sign up,
      and nothing changes;
    - an address whose earlier sign-up was never confirmed: that sign-up is replaced;
    - over the hourly e-mail limit (lms.ratelimit): nothing at all."""
    from lms.ratelimit import email_allowed

    email = User.objects.normalize_email(email).strip().lower()
    if not email_allowed(scope="signup", address=email, request=request):
        logger.warning("Sign-up e-mail not sent: over the hourly limit.")
        return
    try:
        with transaction.atomic(durable=True):
            existing = User.objects.select_for_update().filter(email__iexact=email).first()
            if existing is not None and not existing.signup_pending:
                _signup_attempt_email(user=existing)
                return
            if existing is not None:
                existing.delete()
            user = _account_create(
                email=email,
                password=password,
                full_name=full_name,
                country=country,
                preferred_language=preferred_language,
                date_of_birth=date_of_birth,
                guardian_email=guardian_email,
                pending=True,
            )
            _signup_confirm_email(user=user)
    except IntegrityError:
        # Another sign-up with the same address won the race; that one sends its own e-mail.
        logger.info("Sign-up raced another one for the same address.")


def _signup_confirm_email(*, user: User) -> None:
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from lms.tokens import signup_token_generator

    path = reverse(
        "signup_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": signup_token_generator.make_token(user),
        },
    )
    email_queue(
        recipient=user.email,
        reason=f"signup-confirm:{user.pk}",
        subject="Confirm your e-mail address for BSR Academy",
        template="lms.signup.confirm",
        context={
            "name": user.profile.full_name,
            "confirm_url": f"{settings.BASE_URL}{path}",
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "awaiting_guardian": user.profile.awaiting_guardian,
        },
    )


def _signup_attempt_email(*, user: User) -> None:
    from django.urls import reverse

    profile = getattr(user, "profile", None)
    email_queue(
        recipient=user.email,
        reason=f"signup-attempt:{user.pk}:{timezone.now():%Y%m%dT%H%M%S.%f}",
        subject="Someone tried to sign up with your e-mail address",
        template="lms.signup.attempt",
        context={
            "name": profile.full_name if profile else "",
            "login_url": f"{settings.BASE_URL}{reverse('login')}",
            "reset_url": f"{settings.BASE_URL}{reverse('password_reset')}",
        },
    )


def signups_unconfirmed_purge(*, now=None) -> int:
    """Delete sign-ups whose confirmation link has expired unused: they hold nothing but the
    sign-up itself, and an address is not kept for someone who never confirmed it."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    with transaction.atomic(durable=True):
        stale = User.objects.filter(signup_pending=True, is_active=False, date_joined__lt=cutoff)
        count = stale.count()
        stale.delete()
    return count


def signup_confirm(*, user: User) -> bool:
    """The owner of the address opened the link in the confirmation e-mail and pressed the
    button: the account can log in, and is announced. False when it was confirmed already."""
    with transaction.atomic(durable=True):
        user = (
            User.objects.select_for_update(of=("self",)).select_related("profile").get(pk=user.pk)
        )
        if not user.signup_pending:
            return False
        user.signup_pending = False
        user.is_active = True
        user.save(update_fields=["signup_pending", "is_active"])
        _account_announce(user=user)
    return True


def _account_consent_request(*, user: User, guardian: str) -> None:
    from lms.consent.account import SUBJECT_TITLE, subject_key
    from lms.consent.models import ConsentPurpose
    from lms.consent.services import consent_request

    consent_request(
        person=user,
        purpose=ConsentPurpose.ACCOUNT,
        subject_key=subject_key(user),
        subject_title=SUBJECT_TITLE,
        guardian_email=guardian,
        requested_by=user,
    )


def organisation_resolve(*, name: str, country: str, sector: str) -> Organisation | None:
    """Find an organisation by name and country (case-insensitive), creating it when new."""
    name = " ".join(name.split())
    if not name:
        return None
    existing = Organisation.objects.filter(name__iexact=name, country=country).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Organisation.objects.create(name=name, country=country, sector=sector)
    except IntegrityError:
        return Organisation.objects.get(name__iexact=name, country=country)


def profile_update(
    *,
    user: User,
    full_name: str,
    preferred_language: str,
    country: str,
    organisation_name: str,
    sector: str,
    level: str,
    date_of_birth=None,
    gender: str = "",
) -> Profile:
    """Save what a person says about themselves; only ever their own profile. An account that
    waits for a guardian's approval keeps only the minimum: its name and language change,
    nothing else is stored."""
    with transaction.atomic(durable=True):
        profile, _ = Profile.objects.select_for_update().get_or_create(
            user=user, defaults={"full_name": full_name}
        )
        profile.full_name = name_clean(full_name)
        profile.preferred_language = preferred_language
        if profile.awaiting_guardian:
            profile.save()
            user.first_name, user.last_name = _split_name(profile.full_name)
            user.save(update_fields=["first_name", "last_name"])
            return profile
        profile.country = country
        profile.organisation = organisation_resolve(
            name=organisation_name, country=country, sector=sector
        )
        profile.sector = sector
        profile.level = level
        profile.date_of_birth = date_of_birth
        profile.gender = gender
        profile.save()
        user.first_name, user.last_name = _split_name(profile.full_name)
        user.save(update_fields=["first_name", "last_name"])
    return profile


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
        transaction.on_commit(lambda: enqueue("lms.tasks.email_send_task", email.pk))
    return email


def email_send(*, email_id: int) -> None:
    """Send one outbox e-mail: lock the row, skip it when already final, record the outcome."""
    with transaction.atomic(durable=True):
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status in SEND_FINAL:
            return
        if undeliverable(email.recipient):
            email.status = OutgoingEmail.Status.SUPPRESSED
            email.next_attempt_at = None
            email.save(update_fields=["status", "next_attempt_at"])
            return
        now = timezone.now()
        if email.next_attempt_at and email.next_attempt_at > now:
            return
        email.attempts += 1
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
        try:
            message.send()
        except Exception as exc:
            logger.warning("e-mail %s to %s failed: %s", email.pk, email.recipient, exc)
            failure_keep(email, error=exc, max_attempts=EMAIL_MAX_ATTEMPTS, now=now)
        else:
            email.status = OutgoingEmail.Status.SENT
            email.sent_at = timezone.now()
            email.next_attempt_at = None
        email.save()


def email_sweep(*, limit: int = 500) -> int:
    """Retry e-mails whose send was lost or failed and is due again."""
    now = timezone.now()
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


# --- Redacting links with tokens from the stored copies of sent e-mails ----------------------

REDACTED_LINK = "[link removed after sending]"
REDACTED_ATTACHMENT = "[file removed after sending]"
_URL = re.compile(r"https?://[^\s\"'<>]+")


def _token_link(url: str) -> bool:
    """Whether `url` is one of the site's token links: every such route names its secret
    part `token` (password reset, sign-up confirmation, consent, offer, nomination, survey,
    pass, calendar feed), so a new one is covered without a list to keep."""
    from django.urls import Resolver404, resolve

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
