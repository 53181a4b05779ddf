"""Write-side services of the kernel: registering people, editing profiles, the e-mail outbox."""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from lms import languages
from lms.accounts.consent import SUBJECT_TITLE, subject_key
from lms.accounts.models import GuardianApproval, Organisation, Profile, User
from lms.consent.age import needs_guardian
from lms.consent.models import ConsentPurpose
from lms.consent.services import consent_request
from lms.errors import LmsError
from lms.events import emit
from lms.mail.services import email_queue
from lms.names import name_clean
from lms.ratelimit import email_allowed
from lms.tokens import signup_token_generator

logger = logging.getLogger(__name__)


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
    full_name = name_clean(full_name)
    first, last = _split_name(full_name)
    minor = needs_guardian(country=country, date_of_birth=date_of_birth)
    guardian_email = guardian_email.strip().lower() if minor else ""
    if minor and not guardian_email:
        raise LmsError("guardian_required")
    if minor and guardian_email == email:
        raise LmsError("guardian_is_self")
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
    (lms.accounts.consent). Above that age no guardian e-mail is kept."""
    email = User.objects.normalize_email(email).strip().lower()
    try:
        with transaction.atomic(durable=True):
            if User.objects.filter(email__iexact=email).exists():
                raise LmsError("email_taken")
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
        raise LmsError("email_taken") from exc
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
    path = reverse(
        "signup_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": signup_token_generator.make_token(user),
        },
    )
    with languages.reading(languages.of_user(user)):
        email_queue(
            recipient=user.email,
            reason=f"signup-confirm:{user.pk}",
            subject=_("Confirm your e-mail address for BSR Academy"),
            template="lms.signup.confirm",
            context={
                "name": user.profile.full_name,
                "confirm_url": f"{settings.BASE_URL}{path}",
                "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
                "awaiting_guardian": user.profile.awaiting_guardian,
            },
        )


def _signup_attempt_email(*, user: User) -> None:
    profile = getattr(user, "profile", None)
    with languages.reading(languages.of_user(user)):
        email_queue(
            recipient=user.email,
            reason=f"signup-attempt:{user.pk}:{timezone.now():%Y%m%dT%H%M%S.%f}",
            subject=_("Someone tried to sign up with your e-mail address"),
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
    consent_request(
        person=user,
        purpose=ConsentPurpose.ACCOUNT,
        subject_key=subject_key(user),
        subject_title=SUBJECT_TITLE,
        guardian_email=guardian,
        # A young person's guardian is written to in the language the young person reads.
        guardian_language=languages.of_user(user),
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


def profile_language_set(*, user: User, language: str) -> None:
    """The language a person reads the site, their e-mails and their documents in."""
    with transaction.atomic(durable=True):
        Profile.objects.filter(user=user).update(preferred_language=language)


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
        profile, _created = Profile.objects.select_for_update().get_or_create(
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
