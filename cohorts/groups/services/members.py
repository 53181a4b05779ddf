"""A group's members (many of them minors without an account): add, import, change and
remove them."""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.errors import CohortsError
from cohorts.groups.consent import enrolment_consent_request
from cohorts.groups.models import GroupMember, YouthGroup
from cohorts.groups.services.access import (
    LIVE,
    MEMBER_DOMAIN,
    OLDEST_AGE,
    actor_of,
    date_text,
    group_log,
    leader_check,
)
from cohorts.places.models import (
    Enrolment,
    EnrolmentState,
)
from cohorts.places.services.book import enrolment_target_lock, place_transaction
from lms import languages
from lms.ages import ADULT_AGE, age_on
from lms.consent.services import consent_cancel
from lms.errors import LmsError
from lms.models import Profile, User, undeliverable
from lms.names import name_clean
from lms.privacy.services import person_erase_within


def _nothing_added() -> str:
    return _("Nothing was added.")


@dataclass
class MemberData:
    first_name: str
    family_name: str
    birth_year: int | None
    birth_date: dt.date | None = None
    guardian_name: str = ""
    guardian_email: str = ""
    guardian_phone: str = ""
    account_email: str = ""  # optional: an existing account to link the member to
    guardian_language: str = ""  # empty: the language of the group's country


def _member_clean(data: MemberData, *, today: dt.date) -> MemberData:
    first = name_clean(data.first_name, limit=150)
    family = name_clean(data.family_name, limit=150)
    if not first or not family:
        raise CohortsError("bad_member", _("Please enter the member's first and family name."))
    year = data.birth_year
    if data.birth_date is not None and year is None:
        year = data.birth_date.year
    if year is None:
        raise CohortsError("bad_member", _("Please enter the member's year of birth."))
    if year > today.year or (data.birth_date is not None and data.birth_date > today):
        raise CohortsError("bad_birth", _("The birth date cannot be in the future."))
    if year < max(1900, today.year - OLDEST_AGE):
        raise CohortsError(
            "bad_birth",
            _("Please check the year of birth: %(year)s would make the member over %(age)s.")
            % {"year": year, "age": OLDEST_AGE},
        )
    if data.birth_date is not None and data.birth_date.year != year:
        raise CohortsError(
            "bad_birth",
            _(
                "The date of birth (%(date)s) is not in the year of birth (%(year)s); please "
                "correct one of them."
            )
            % {"date": date_text(data.birth_date), "year": year},
        )
    guardian_email = (data.guardian_email or "").strip().lower()
    if guardian_email and undeliverable(guardian_email):
        raise CohortsError(
            "bad_guardian", _("Please enter a guardian's e-mail address that works.")
        )
    minor = age_on(on=today, birth_date=data.birth_date, birth_year=year) < ADULT_AGE
    if minor and not guardian_email:
        raise CohortsError(
            "guardian_missing",
            _(
                "%(name)s is under %(age)s: please enter a parent's or guardian's e-mail "
                "address, so that they can give their consent."
            )
            % {"name": f"{first} {family}", "age": ADULT_AGE},
        )
    return MemberData(
        first_name=first,
        family_name=family,
        birth_year=year,
        birth_date=data.birth_date,
        guardian_name=name_clean(data.guardian_name),
        guardian_email=guardian_email,
        guardian_phone=" ".join((data.guardian_phone or "").split())[:40],
        account_email=(data.account_email or "").strip().lower(),
        guardian_language=languages.supported(data.guardian_language)
        if data.guardian_language
        else "",
    )


def member_person_create(*, group: YouthGroup, data: MemberData) -> User:
    """The person record of a member without an account: it cannot log in and its address can
    never receive mail, so places, passes, attendance and certificates work as for anyone."""
    while True:
        email = f"member-{secrets.token_hex(8)}@{MEMBER_DOMAIN}"
        if not User.objects.filter(email__iexact=email).exists():
            break
    user = User.objects.create(
        email=email,
        password=make_password(None),
        is_active=False,
        first_name=data.first_name,
        last_name=data.family_name,
    )
    Profile.objects.create(
        user=user,
        full_name=f"{data.first_name} {data.family_name}",
        country=group.country.code,
        date_of_birth=data.birth_date,
    )
    return user


def _linked_account(email: str, group: YouthGroup) -> User:
    """Only the group's own leaders can be linked as members (so that they count as the adults
    of a booking): linking anyone else's account would let a leader book and see a person who
    never agreed to it."""
    user = (
        group.leaders.filter(email__iexact=email, is_active=True).first()
        if not undeliverable(email)
        else None
    )
    if user is None:
        raise CohortsError(
            "not_a_leader",
            _(
                "Only the group's own leaders can be linked by their account; %(email)s is not "
                "one of them. Leave the account address empty to add the member without an "
                "account (people with an account of their own register themselves)."
            )
            % {"email": email},
        )
    return user


def _same_member(group: YouthGroup, data: MemberData) -> GroupMember | None:
    """A member of the group with the same names, year of birth and guardian address: the same
    person added again (twins differ in first name)."""
    if data.account_email:
        return None  # an account is found by its own address (checked below)
    for member in GroupMember.objects.filter(
        group=group,
        first_name__iexact=data.first_name,
        family_name__iexact=data.family_name,
        birth_year=data.birth_year,
    ):
        if member.guardian_email.lower() == data.guardian_email.lower():
            return member
    return None


def member_add(*, actor, group: YouthGroup, data: MemberData) -> GroupMember:
    """Add a member; without an account address the member gets a person record of their own."""
    leader_check(actor, group)
    data = _member_clean(data, today=timezone.localdate())
    with transaction.atomic(durable=True):
        # One member added at a time per group, so that a form sent twice (a double tap, the
        # back button) is seen as the duplicate it is.
        YouthGroup.objects.select_for_update().filter(pk=group.pk).first()
        member = _member_create(actor, group, data)
    return member


def _member_create(actor, group: YouthGroup, data: MemberData) -> GroupMember:
    """Inside a transaction that has locked the group: one checked member."""
    twin = _same_member(group, data)
    if twin is not None:
        facts = {"name": twin.full_name, "year": twin.birth_year, "group": group.name}
        raise CohortsError(
            "duplicate_member",
            (
                _(
                    "%(name)s, born in %(year)s, is already a member of %(group)s, with the "
                    "same guardian."
                )
                if twin.guardian_email
                else _("%(name)s, born in %(year)s, is already a member of %(group)s.")
            )
            % facts
            + " "
            + _nothing_added(),
        )
    if data.account_email:
        person = _linked_account(data.account_email, group)
        if GroupMember.objects.filter(group=group, person=person).exists():
            raise CohortsError(
                "duplicate_member",
                _("The account %(email)s is already a member.") % {"email": data.account_email},
            )
    else:
        person = member_person_create(group=group, data=data)
    member = GroupMember.objects.create(
        group=group,
        person=person,
        first_name=data.first_name,
        family_name=data.family_name,
        birth_year=data.birth_year,
        birth_date=data.birth_date,
        guardian_name=data.guardian_name,
        guardian_email=data.guardian_email,
        guardian_phone=data.guardian_phone,
        guardian_language=data.guardian_language,
        added_by=actor_of(actor),
    )
    group_log(member, "member_add", actor, group_id=group.pk, has_account=bool(data.account_email))
    return member


@dataclass
class MembersImported:
    added: dict[int, GroupMember]  # by the row's number in the file
    failed: dict[int, str]


class _MembersRolledBack(Exception):
    pass


def members_import(
    *,
    actor,
    group: YouthGroup,
    rows: list[tuple[int, MemberData]],
    all_or_nothing: bool = True,
    check_only: bool = False,
) -> MembersImported:
    """Add a class or troop list's members under the same checks as the member form, in one
    transaction: all or nothing by default (a row that fails rolls the whole file back),
    otherwise each failing row is left out alone. Accounts are never linked by a file.
    `check_only` reports the same problems and adds nobody."""
    leader_check(actor, group)
    today = timezone.localdate()
    outcome = MembersImported(added={}, failed={})
    try:
        with transaction.atomic(durable=True):
            YouthGroup.objects.select_for_update().filter(pk=group.pk).first()
            for number, data in rows:
                try:
                    with transaction.atomic():
                        clean = _member_clean(data, today=today)
                        clean.account_email = ""
                        outcome.added[number] = _member_create(actor, group, clean)
                except CohortsError as exc:
                    outcome.failed[number] = exc.message.removesuffix(" " + _nothing_added())
            if check_only or (outcome.failed and all_or_nothing):
                raise _MembersRolledBack
    except _MembersRolledBack:
        outcome.added = {}
    return outcome


def _member_of(group: YouthGroup, member_id: int, *, lock: bool = False) -> GroupMember:
    qs = GroupMember.objects.filter(pk=member_id, group=group)
    member = (qs.select_for_update() if lock else qs).first()
    if member is None:
        raise CohortsError("not_found", _("That member is not in this group."))
    return member


def _live_bookings(member: GroupMember):
    return Enrolment.objects.filter(user_id=member.person_id, state__in=LIVE).select_related(
        "activity", "cohort"
    )


def member_has_own_account(member: GroupMember) -> bool:
    """Whether the member logs in themselves (rather than being only a name the leader keeps)."""
    return not undeliverable(member.person.email)


def member_update(*, actor, group: YouthGroup, member_id: int, data: MemberData) -> GroupMember:
    """Correct a member's details. Birth details cannot change while the member has a booked
    place (it was booked for their age); a new guardian address gets the open consent requests
    again, so that a mistyped address can be put right."""
    leader_check(actor, group)
    data = _member_clean(data, today=timezone.localdate())
    resend = []
    with place_transaction():
        member = _member_of(group, member_id, lock=True)
        bookings = list(_live_bookings(member).filter(group=group))
        birth_changed = (member.birth_year, member.birth_date) != (
            data.birth_year,
            data.birth_date,
        )
        if birth_changed and bookings:
            raise CohortsError(
                "has_bookings",
                _(
                    "%(name)s has a booked place in %(target)s; the birth details cannot "
                    "change until that booking is cancelled."
                )
                % {"name": member.full_name, "target": bookings[0].target},
            )
        guardian_changed = data.guardian_email != member.guardian_email
        member.first_name, member.family_name = data.first_name, data.family_name
        member.birth_year, member.birth_date = data.birth_year, data.birth_date
        member.guardian_name = data.guardian_name
        member.guardian_email = data.guardian_email
        member.guardian_phone = data.guardian_phone
        member.guardian_language = data.guardian_language
        member.save()
        if not member_has_own_account(member):
            User.objects.filter(pk=member.person_id).update(
                first_name=data.first_name, last_name=data.family_name
            )
            Profile.objects.filter(user_id=member.person_id).update(
                full_name=member.full_name, date_of_birth=data.birth_date
            )
        if guardian_changed:
            resend = [b for b in bookings if b.state == EnrolmentState.PENDING_CONSENT]
            for booking in resend:
                enrolment_target_lock(booking)
                _consent_renew(booking, member, actor)
        group_log(
            member, "member_update", actor, group_id=group.pk, guardian_changed=guardian_changed
        )
    member.consent_requests_renewed = len(resend)
    return member


def _consent_renew(enrolment: Enrolment, member: GroupMember, actor) -> None:

    consent_cancel(subject_key=f"enrolment:{enrolment.pk}")
    try:
        enrolment_consent_request(enrolment=enrolment, member=member, actor=actor)
    except LmsError as exc:
        raise CohortsError(exc.code, exc.message) from exc


def member_remove(*, actor, group: YouthGroup, member_id: int) -> str:
    """Remove a member who holds no booked place. A member without an account has nothing left
    here once removed, so their person record is erased too; a member with an account keeps it.
    Returns what was done, in words for the leader."""
    leader_check(actor, group)
    member = _member_of(group, member_id)
    bookings = list(_live_bookings(member).filter(group=group))
    if bookings:
        raise CohortsError(
            "has_bookings",
            _(
                "%(name)s has a booked place in %(target)s. Cancel the booking first, then "
                "remove the member."
            )
            % {"name": member.full_name, "target": bookings[0].target},
        )
    name = member.full_name
    own_account = member_has_own_account(member)
    other_memberships = GroupMember.objects.filter(person_id=member.person_id).exclude(pk=member.pk)
    if own_account or other_memberships.exists():
        with transaction.atomic(durable=True):
            group_log(member, "member_remove", actor, group_id=group.pk, erased=False)
            GroupMember.objects.filter(pk=member.pk).delete()
        return _("%(name)s is no longer a member of %(group)s; their own account is unchanged.") % {
            "name": name,
            "group": group.name,
        }
    # One transaction: the removal is logged first, so that the erasure scrubs the log's
    # copy of the name too.
    try:
        with transaction.atomic(durable=True):
            group_log(member, "member_remove", actor, group_id=group.pk, erased=True)
            person_erase_within(user=member.person, actor=actor)
            GroupMember.objects.filter(pk=member.pk).delete()
    except LmsError as exc:
        raise CohortsError(exc.code, exc.message) from exc
    return _("%(name)s has been removed from %(group)s and their personal data erased.") % {
        "name": name,
        "group": group.name,
    }
