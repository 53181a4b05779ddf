"""The "account" consent subject: a young person under their country's age of digital consent
who signs up waits for a guardian. Approval opens the account; a refusal or a withdrawal closes
it and erases what it holds. Registered from LmsConfig.ready()."""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django_countries import countries

from lms import languages
from lms.accounts.models import GuardianApproval, Profile, User
from lms.consent.age import digital_consent_age
from lms.consent.models import ConsentPurpose, ConsentState, ConsentToken, GuardianConsent
from lms.consent.services import (
    ConsentSubject,
    consent_cancel,
    consent_request,
    consent_resend,
    consent_subject_register,
)
from lms.errors import LmsError
from lms.events import emit
from lms.mail.services import email_queue
from lms.privacy.services import person_erase

logger = logging.getLogger(__name__)

PREFIX = "account"


def subject_key(user: User) -> str:
    return f"{PREFIX}:{user.pk}"


# The guardian's e-mail and page name the young person already; the stored title need not. It is
# stored in English; pages and e-mails show it in their reader's language.
SUBJECT_TITLE = gettext_noop("Own account on BSR Academy")


def _person(consent: GuardianConsent) -> tuple[User | None, Profile | None]:
    user = User.objects.filter(pk=consent.person_id, erased_at__isnull=True).first()
    profile = Profile.objects.filter(user_id=consent.person_id).first() if user else None
    return user, profile


def account_describe(consent: GuardianConsent) -> dict | None:
    """Plain-language facts for the guardian's page; None once the account is gone."""
    user, profile = _person(consent)
    if user is None or profile is None or not user.is_active:
        return None
    name = profile.full_name
    on = timezone.localdate(consent.requested_at)
    age = digital_consent_age(country=str(profile.country), on=on)
    if profile.country:
        because = _(
            "Because %(name)s is under %(age)s, the age of digital consent in %(country)s, the "
            "account stays closed until you approve it."
        ) % {"name": name, "age": age, "country": countries.name(str(profile.country))}
    else:
        because = _(
            "Because %(name)s is under %(age)s, the age of digital consent that we apply when "
            "no country is given, the account stays closed until you approve it."
        ) % {"name": name, "age": age}
    signed_up = _(
        "%(name)s has signed up for an account on BSR Academy, the learning site of the "
        "Council of the Baltic Sea States' programmes on safety and crisis preparedness."
    ) % {"name": name}
    rest = _(
        "With the account they can follow online lessons, register for workshops, exercises "
        "and youth exchanges, and receive certificates. Until you decide we keep only what we "
        "need to ask you: their name, e-mail address, password, country, date of birth and "
        "language, and your e-mail address. Nothing more can be added before you approve. If "
        "you refuse, or later withdraw your consent, the account is closed and these data are "
        "erased."
    )
    return {
        "title": _(SUBJECT_TITLE),
        "what": f"{signed_up} {because} {rest}",
        "when": "",
        "where": "",
        "organiser": "BSR Academy",
        "group": "",
    }


def account_approved(consent: GuardianConsent) -> None:
    """Inside the consent transaction: the account is open, and its owner hears so."""
    profile = (
        Profile.objects.select_for_update().select_related("user").filter(user_id=consent.person_id)
    ).first()
    if profile is None or not profile.user.is_active:
        return
    profile.guardian_approval = GuardianApproval.APPROVED
    profile.save(update_fields=["guardian_approval", "updated_at"])
    with languages.reading(languages.of_user(profile.user)):
        email_queue(
            recipient=profile.user.email,
            reason=f"account-approved:{consent.pk}",
            subject=_("Your BSR Academy account is ready"),
            template="lms.account.approved",
            context={"name": profile.full_name, "profile_path": reverse("profile")},
        )
    emit(
        "lms.user.approved",
        key=f"lms.user.approved:{consent.pk}",
        payload={"user_id": profile.user_id, "consent_id": consent.pk},
    )


def account_closed(consent: GuardianConsent) -> None:
    """Inside the consent transaction (refused or withdrawn): the account stops working at once
    (no log-in, no session); closed_accounts_erase erases it a little later."""
    user = User.objects.select_for_update().filter(pk=consent.person_id).first()
    if user is None or user.erased_at is not None:
        return
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    Profile.objects.filter(user=user).update(
        guardian_approval=GuardianApproval.PENDING, updated_at=timezone.now()
    )
    emit(
        "lms.user.closed",
        key=f"lms.user.closed:{consent.pk}",
        payload={"user_id": user.pk, "consent_id": consent.pk},
    )


# The guardian's confirmation of their answer is e-mailed first (the erasure would suppress it,
# and it may need a few retries); then the closed account is erased.
ERASE_AFTER = timedelta(hours=1)


def closed_accounts_erase(*, now=None) -> int:
    """Erase accounts whose guardian refused or withdrew consent more than ERASE_AFTER ago.
    Periodic and idempotent: an erased account is not found again; a failure is retried next
    run. Returns how many were erased."""
    cutoff = (now or timezone.now()) - ERASE_AFTER
    ended = Q(state=ConsentState.REFUSED, decided_at__lte=cutoff) | Q(
        state=ConsentState.WITHDRAWN, withdrawn_at__lte=cutoff
    )
    user_ids = set(
        GuardianConsent.objects.filter(ended, purpose=ConsentPurpose.ACCOUNT)
        .filter(person__is_active=False, person__erased_at__isnull=True)
        .values_list("person_id", flat=True)
    )
    erased = 0
    for user in User.objects.filter(pk__in=user_ids).order_by("pk"):
        try:
            erased += bool(person_erase(user=user, actor=None))
        except Exception:  # the next run retries; the account stays closed meanwhile
            logger.exception("closed account %s could not be erased", user.pk)
    return erased


# A young person may resend the request or correct the guardian's address, but not use the site
# to mail strangers: a pause between sends and a limit in all.
RESEND_PAUSE = timedelta(minutes=10)
SENDS_MAX = 5


def account_guardian_resend(*, user: User, guardian_email: str) -> GuardianConsent:
    """The young person sends the approval request again, to the same guardian or to a
    corrected address (the earlier request then stops working)."""

    address = (guardian_email or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise LmsError("guardian_email_bad") from None
    if address == user.email.lower():
        raise LmsError("guardian_is_self")
    now = timezone.now()
    with transaction.atomic(durable=True):
        profile = Profile.objects.select_for_update().filter(user=user).first()
        if profile is None or not profile.awaiting_guardian or not user.is_active:
            raise LmsError("not_pending")
        sent = ConsentToken.objects.filter(
            consent__person=user,
            consent__purpose=ConsentPurpose.ACCOUNT,
            action=ConsentToken.Action.DECIDE,
        )
        if sent.count() >= SENDS_MAX:
            raise LmsError(
                "too_many",
                ngettext(
                    "The request has been sent %(count)s time already, so we will not send it "
                    "again. Please ask your parent or guardian to look for our e-mail, also in "
                    "their spam folder.",
                    "The request has been sent %(count)s times already, so we will not send it "
                    "again. Please ask your parent or guardian to look for our e-mail, also in "
                    "their spam folder.",
                    SENDS_MAX,
                )
                % {"count": SENDS_MAX},
            )
        key = subject_key(user)
        consent = GuardianConsent.objects.filter(
            subject_key=key, state=ConsentState.PENDING
        ).first()
        if consent is not None and consent.guardian_email == address:
            # A corrected address may go out at once; the same one again only after a pause.
            if sent.filter(created_at__gt=now - RESEND_PAUSE).exists():
                raise LmsError(
                    "too_soon",
                    _(
                        "We e-mailed %(address)s only a few minutes ago. Please wait ten minutes "
                        "before sending the request again."
                    )
                    % {"address": address},
                )
            consent_resend(consent=consent, actor=user)
            return consent
        consent_cancel(subject_key=key)
        profile.guardian_email = address
        profile.save(update_fields=["guardian_email", "updated_at"])
        return consent_request(
            person=user,
            purpose=ConsentPurpose.ACCOUNT,
            subject_key=key,
            subject_title=SUBJECT_TITLE,
            guardian_email=address,
            guardian_language=languages.of_user(user),
            requested_by=user,
        )


def register() -> None:
    consent_subject_register(
        ConsentSubject(
            prefix=PREFIX,
            describe=account_describe,
            on_given=account_approved,
            on_ended=account_closed,
        )
    )
