"""Nominations by national focal points: nominate, substitute, resend, and the nominee's
confirmation or refusal."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cohorts.errors import CohortsError
from cohorts.places.models import Cohort, Enrolment, EnrolmentSource, EnrolmentState, FocalPoint
from cohorts.places.services.book import (
    PlaceBook,
    enrolment_audit,
    enrolment_emit,
    enrolment_reload,
    enrolment_snapshot,
    enrolment_target_lock,
    enrolment_transition,
    enrolment_withdraw_under_lock,
    guardian_check,
    place_lock,
    place_transaction,
    profile_of,
)
from lms.accounts.services import organisation_resolve
from lms.events import emit
from lms.models import Profile, User
from lms.tokens import token_new


def focal_point_countries(*, user, cohort: Cohort) -> list[str]:
    """The countries `user` may nominate for in this cohort."""
    if not user.is_authenticated:
        return []
    rows = FocalPoint.objects.filter(user=user).filter(
        Q(programme__isnull=True) | Q(programme_id=cohort.programme_id)
    )
    return sorted({str(row.country) for row in rows})


@dataclass
class Nominee:
    email: str
    full_name: str
    country: str
    organisation_name: str = ""
    sector: str = ""
    level: str = ""


# Used with .format(email=...), as other apps and their tests do: keep "{email}" as it is.
# Translators: {email} is the e-mail address of the person who was to be nominated.
NOT_NOMINABLE = gettext_lazy(
    "{email} cannot be nominated. If you think this is a mistake, please write to the "
    "programme's contact."
)


def _has_staff_rights(user: User) -> bool:
    """Staff of any kind (administrators, editors, cohort or check-in staff, focal points): an
    invitation link must never be a way into such an account."""
    return bool(
        user.is_staff
        or user.is_superuser
        or user.groups.exists()
        or user.user_permissions.exists()
        or FocalPoint.objects.filter(user=user).exists()
    )


def nomination_refusal(*, user: User) -> str | None:
    """Why this account cannot be nominated, in words that tell the nominator nothing about it
    (not whether it is staff, nor a young person's account waiting for a guardian)."""
    profile = profile_of(user)
    if (
        not user.is_active
        or _has_staff_rights(user)
        or (profile is not None and profile.awaiting_guardian)
    ):
        return NOT_NOMINABLE.format(email=user.email)
    return None


def _person_ensure(nominee: Nominee) -> tuple[User, bool]:
    """The nominee's account, created without a password when new (they set one when they
    confirm), and whether it was created now. An existing profile is left as its owner wrote
    it; an account that may not be nominated is refused before anything is written."""
    email = User.objects.normalize_email(nominee.email).strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is not None:
        refusal = nomination_refusal(user=user)
        if refusal:
            raise CohortsError("not_nominable", NOT_NOMINABLE.format(email=email))
    else:
        full_name = " ".join(nominee.full_name.split())
        first, _sep, last = full_name.partition(" ")
        user = User.objects.create_user(
            email=email, password=None, first_name=first[:150], last_name=last[:150]
        )
    if not Profile.objects.filter(user=user).exists():
        Profile.objects.create(
            user=user,
            full_name=" ".join(nominee.full_name.split()),
            country=nominee.country,
            organisation=organisation_resolve(
                name=nominee.organisation_name, country=nominee.country, sector=nominee.sector
            ),
            sector=nominee.sector,
            level=nominee.level,
        )
    return user, created


def nominate(
    *, cohort: Cohort, nominee: Nominee, actor, source: str = EnrolmentSource.NOMINATION, book=None
) -> Enrolment:
    """Inside a place transaction that has locked the cohort: nominate one person, holding a
    place of their country until they confirm."""
    user, created = _person_ensure(nominee)
    existing = Enrolment.objects.filter(cohort=cohort, user=user).first()
    if existing is not None and not existing.is_final:
        raise CohortsError(
            "duplicate",
            _("%(email)s already has a place or application in this cohort.")
            % {"email": nominee.email},
        )
    if existing is not None:
        raise CohortsError(
            "duplicate",
            _("%(email)s has already been in this cohort and cannot return.")
            % {"email": nominee.email},
        )
    enrolment = Enrolment(
        cohort=cohort,
        user=user,
        source=source,
        nominated_by=actor,
        state=EnrolmentState.NOMINATED,
        nominee_name=" ".join(nominee.full_name.split())[:200],
        nominee_organisation=" ".join(nominee.organisation_name.split())[:200],
        account_created=created,
    )
    enrolment_snapshot(enrolment, profile_of(user))
    enrolment.country = nominee.country or enrolment.country
    enrolment.save()
    book = book or PlaceBook(cohort)
    blocked = book.take(enrolment)
    if blocked:
        raise CohortsError(
            "no_place",
            _("%(name)s cannot be nominated: %(why)s.")
            % {"name": nominee.full_name, "why": blocked},
        )
    enrolment.decided_at = timezone.now()
    enrolment.save()
    enrolment_emit(enrolment, "nominated")
    enrolment_audit(enrolment, "nominate", actor, email=user.email)
    return enrolment


def _nomination_allowed(*, actor, cohort: Cohort, country: str) -> None:
    if not cohort.nominations_open():
        raise CohortsError("closed", _("The nomination deadline has passed."))
    if country not in focal_point_countries(user=actor, cohort=cohort):
        raise CohortsError("forbidden", _("You are not a focal point for that country."))


def nomination_create(*, actor, cohort: Cohort, nominee: Nominee) -> Enrolment:
    """A focal point nominates one person for their country before the deadline."""
    _nomination_allowed(actor=actor, cohort=cohort, country=nominee.country)
    with place_transaction():
        place_lock(cohort)
        enrolment = nominate(cohort=cohort, nominee=nominee, actor=actor)
    return enrolment


def nomination_substitute(*, actor, enrolment: Enrolment, nominee: Nominee) -> Enrolment:
    """Replace a nominee by another person of the same country in one transaction: the place
    passes directly, never to the waitlist in between."""
    cohort = enrolment.cohort
    if cohort is None:
        raise CohortsError("not_found", _("That place no longer exists."))
    nominee.country = str(enrolment.country)
    _nomination_allowed(actor=actor, cohort=cohort, country=nominee.country)
    with place_transaction():
        place_lock(cohort)
        old = enrolment_reload(enrolment.pk)
        if old.state not in (EnrolmentState.NOMINATED, EnrolmentState.ACCEPTED):
            raise CohortsError("bad_transition", _("Only a nominated or accepted place can pass."))
        book = PlaceBook(cohort)
        enrolment_transition(old, EnrolmentState.WITHDRAWN, reason="substituted by the focal point")
        book.release(old)
        old.token_hash = None
        old.decided_at = timezone.now()
        old.save()
        # freed=False: the place goes to the substitute, not to the waitlist.
        enrolment_emit(old, "withdrawn", freed=False, reason="substituted")
        enrolment_audit(old, "substitute", actor)
        new = nominate(cohort=cohort, nominee=nominee, actor=actor, book=book)
    return new


def nomination_link_expiry(*, cohort: Cohort, now=None):
    """A fresh link works for NOMINATION_LINK_DAYS, and never past the nomination deadline
    (after it, a nominee with an account confirms from their place page once logged in)."""
    now = now or timezone.now()
    expires = now + timedelta(days=settings.NOMINATION_LINK_DAYS)
    deadline = cohort.nomination_deadline
    if deadline is not None and now < deadline < expires:
        expires = deadline
    return expires


def nomination_token_issue(*, enrolment: Enrolment) -> str:
    """A fresh invitation link; only its digest is stored, and earlier links stop working."""
    token, digest = token_new()
    expires = nomination_link_expiry(cohort=enrolment.cohort)
    updated = Enrolment.objects.filter(pk=enrolment.pk, state=EnrolmentState.NOMINATED).update(
        token_hash=digest, link_expires_at=expires
    )
    if not updated:
        raise CohortsError("no_nomination", _("This nomination is no longer open."))
    enrolment.link_expires_at = expires
    return token


def nomination_resend(*, actor, enrolment: Enrolment) -> Enrolment:
    """The focal point sends a nominee a new invitation (lost, or its link expired); the new
    link replaces every earlier one."""
    cohort = enrolment.cohort
    if cohort is None:
        raise CohortsError("not_found", _("That place no longer exists."))
    _nomination_allowed(actor=actor, cohort=cohort, country=str(enrolment.country))
    with transaction.atomic(durable=True):
        enrolment = Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
        if enrolment is None or enrolment.state != EnrolmentState.NOMINATED:
            raise CohortsError("no_nomination", _("This nomination is no longer open."))
        _emit_once(enrolment, "invitation_resent")
        enrolment_audit(enrolment, "invitation_resend", actor)
    return enrolment


def _emit_once(enrolment: Enrolment, verb: str) -> None:
    """An event that may happen many times for one enrolment: each gets its own key."""
    emit(
        f"cohorts.enrolment.{verb}",
        key=f"cohorts.enrolment.{verb}:{enrolment.pk}:{secrets.token_hex(8)}",
        payload={"enrolment_id": enrolment.pk, "user_id": enrolment.user_id},
    )


def nomination_link_open(enrolment: Enrolment, *, now=None) -> bool:
    return bool(
        enrolment.link_expires_at is not None
        and enrolment.link_expires_at > (now or timezone.now())
    )


def nominee_sets_password(enrolment: Enrolment) -> bool:
    """Whether the invitation link may set a password and log in: only for an account the
    nomination created, that has never had a password nor been logged into."""
    user = enrolment.user
    return bool(
        user.is_active
        and not user.has_usable_password()
        and user.last_login is None
        and Enrolment.objects.filter(user=user, account_created=True).exists()
        and not _has_staff_rights(user)
    )


def nomination_confirm(*, enrolment: Enrolment, user) -> Enrolment:
    """The nominee confirms their place (after completing their profile)."""
    guardian_check(profile_of(user))
    with place_transaction():
        enrolment = enrolment_reload(enrolment.pk)
        enrolment_target_lock(enrolment)
        if enrolment.user_id != user.pk:
            raise CohortsError("forbidden", _("This nomination is for someone else."))
        if enrolment.state != EnrolmentState.NOMINATED:
            raise CohortsError("no_nomination", _("This nomination is no longer open."))
        enrolment_transition(enrolment, EnrolmentState.ACCEPTED)
        enrolment.token_hash = None
        enrolment.decided_at = timezone.now()
        enrolment.save()
        enrolment_emit(enrolment, "accepted")
        enrolment_audit(enrolment, "confirm", user)
    return enrolment


NOMINATION_DECLINED = "declined the nomination"


def nomination_decline(*, enrolment: Enrolment, user) -> Enrolment:
    """The nominee declines: the held place returns to their country's share, and whoever
    nominated them is told (the `declined` event) so that they can nominate someone else."""
    with place_transaction():
        enrolment = enrolment_reload(enrolment.pk)
        target = enrolment_target_lock(enrolment)
        enrolment.refresh_from_db(fields=["state"])
        if enrolment.user_id != user.pk:
            raise CohortsError("forbidden", _("This nomination is for someone else."))
        if enrolment.state != EnrolmentState.NOMINATED:
            raise CohortsError("no_nomination", _("This nomination is no longer open."))
        enrolment_withdraw_under_lock(enrolment, target, reason=NOMINATION_DECLINED, actor=user)
        enrolment_emit(enrolment, "declined")
    return enrolment
