"""Write-side services of youth and volunteer groups: leaders set up a group and its members (many
of them minors without an account), book places for chosen members in one place transaction
through the same place book and caps as everyone else, and cancel them again."""

import datetime as dt
import math
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat, timezone
from django_countries import countries
from wagtail.log_actions import log

from cohorts.errors import CohortsError
from cohorts.groups.models import (
    GroupKind,
    GroupMember,
    LeaderInvitation,
    YouthGroup,
)
from cohorts.places.models import (
    Cohort,
    Enrolment,
    EnrolmentMode,
    EnrolmentSource,
    EnrolmentState,
)
from cohorts.places.services import (
    REGISTRATION_CLOSED,
    PlaceDryRun,
    _audit,
    _emit,
    _lock,
    _PlaceBook,
    _profile_of,
    _reload,
    _snapshot,
    _target_locked,
    _withdraw,
    place_transaction,
)
from lms.accounts.services import (
    email_queue,
    organisation_resolve,
)
from lms.ages import ADULT_AGE, age_on
from lms.errors import LmsError
from lms.models import Profile, Sector, User, undeliverable
from lms.names import name_clean
from lms.tokens import token_digest, token_new
from programmes.models import ActivityPage

MEMBER_DOMAIN = "members.invalid"
OLDEST_AGE = 100
NOTE_MAX = 2000
ALL, PARTIAL = "all", "partial"
MODES = (ALL, PARTIAL)
# The sector a group's bookings count under when the member's own profile names none.
GROUP_SECTORS = {
    GroupKind.YOUTH_ORGANISATION: Sector.YOUTH,
    GroupKind.SCHOOL_CLASS: Sector.YOUTH,
    GroupKind.SCOUT_GROUP: Sector.YOUTH,
    GroupKind.RESCUE_YOUTH: Sector.YOUTH,
    GroupKind.VOLUNTEER_UNIT: Sector.NGO,
    GroupKind.OTHER: Sector.OTHER,
}
LIVE = (EnrolmentState.PENDING_CONSENT, EnrolmentState.ACCEPTED, EnrolmentState.COMPLETED)


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _actor_of(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _log(instance, action: str, actor, **data) -> None:
    log(instance=instance, action=f"cohorts.group.{action}", user=_actor_of(actor), data=data)


# --- who may lead ------------------------------------------------------------------------------


def leader_refusal(user) -> str | None:
    """Why `user` cannot lead a group, or None: leaders are adults with an account of their own
    (not one still waiting for a guardian's approval)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return "Please log in with your own account to lead a group."
    if undeliverable(user.email):
        return "This account cannot lead a group."
    profile = _profile_of(user)
    if profile is not None and profile.awaiting_guardian:
        return "Group leaders must be adults; your account is waiting for a guardian's approval."
    if profile is not None and profile.date_of_birth:
        today = timezone.localdate()
        if age_on(on=today, birth_date=profile.date_of_birth, birth_year=0) < ADULT_AGE:
            return f"Group leaders must be adults ({ADULT_AGE} or over)."
    return None


def is_leader(user, group: YouthGroup) -> bool:
    return bool(
        user is not None and user.is_authenticated and group.leaders.filter(pk=user.pk).exists()
    )


def _leader_check(actor, group: YouthGroup) -> None:
    if not is_leader(actor, group):
        raise CohortsError("forbidden", "Only the group's leaders can do that.")


# --- the group ---------------------------------------------------------------------------------


@dataclass
class GroupData:
    name: str
    organisation: str
    country: str
    kind: str


def _group_clean(data: GroupData) -> GroupData:
    name = " ".join((data.name or "").split())[:200]
    organisation = " ".join((data.organisation or "").split())[:200]
    country = (data.country or "").strip().upper()
    if not name:
        raise CohortsError("bad_group", "Please give the group a name.")
    if not organisation:
        raise CohortsError("bad_group", "Please name the organisation the group belongs to.")
    if not country or country not in dict(countries):
        raise CohortsError("bad_group", "Please choose the group's country.")
    if data.kind not in GroupKind.values:
        raise CohortsError("bad_group", "Please choose what kind of group it is.")
    return GroupData(name=name, organisation=organisation, country=country, kind=data.kind)


def group_create(*, actor, data: GroupData) -> YouthGroup:
    """An adult sets up a group and becomes its first leader."""
    refusal = leader_refusal(actor)
    if refusal:
        raise CohortsError("not_adult", refusal)
    data = _group_clean(data)
    with transaction.atomic(durable=True):
        group = YouthGroup.objects.create(
            name=data.name, organisation=data.organisation, country=data.country, kind=data.kind
        )
        group.leaders.add(actor)
        _log(group, "create", actor, name=group.name, country=data.country)
    return group


def group_update(*, actor, group: YouthGroup, data: GroupData) -> YouthGroup:
    """Change the group's name, organisation, country or kind. The country cannot change while
    the group holds places: they were counted against the old country's share."""
    _leader_check(actor, group)
    data = _group_clean(data)
    with transaction.atomic(durable=True):
        group = YouthGroup.objects.select_for_update().get(pk=group.pk)
        if data.country != group.country.code and group.bookings.filter(state__in=LIVE).exists():
            raise CohortsError(
                "has_bookings",
                f"The group's booked places count for {group.country.name}; cancel them before "
                "changing the country.",
            )
        group.name, group.organisation = data.name, data.organisation
        group.country, group.kind = data.country, data.kind
        group.save()
        _log(group, "update", actor, name=group.name, country=data.country)
    return group


INVITATIONS_OPEN_MAX = 10


def leader_invite(*, actor, group: YouthGroup, email: str) -> LeaderInvitation:
    """Invite a co-leader by e-mail. The same happens whether or not the address has an
    account (the inviting leader learns nothing about it); an earlier open invitation to the
    same address is replaced, so only the newest link works."""
    _leader_check(actor, group)
    email = User.objects.normalize_email((email or "").strip()).lower()
    if not email:
        raise CohortsError("no_email", "Please enter the co-leader's e-mail address.")
    if undeliverable(email):
        raise CohortsError("bad_email", f"{email} cannot receive e-mail.")
    if group.leaders.filter(email__iexact=email).exists():
        raise CohortsError("already_leader", f"{email} already leads {group.name}.")
    now = timezone.now()
    token, digest = token_new()
    with transaction.atomic(durable=True):
        YouthGroup.objects.select_for_update().filter(pk=group.pk).first()
        open_ones = LeaderInvitation.objects.filter(
            group=group, accepted_at=None, cancelled_at=None, expires_at__gt=now
        )
        open_ones.filter(email__iexact=email).update(cancelled_at=now)
        if open_ones.count() >= INVITATIONS_OPEN_MAX:
            raise CohortsError(
                "too_many",
                f"{group.name} has {INVITATIONS_OPEN_MAX} open invitations; cancel some first.",
            )
        invitation = LeaderInvitation.objects.create(
            group=group,
            email=email,
            token_hash=digest,
            invited_by=actor,
            created_at=now,
            expires_at=now + dt.timedelta(days=settings.GROUP_LEADER_INVITATION_DAYS),
        )
        email_queue(
            recipient=email,
            reason=f"cohorts.group.leader_invitation:{invitation.pk}",
            subject=f"{actor} invites you to co-lead {group.name} on BSR Academy"[:300],
            template="cohorts.group.leader_invitation",
            context={
                "inviter": str(actor),
                "group_name": group.name,
                "organisation": group.organisation,
                "url": settings.BASE_URL.rstrip("/")
                + reverse("groups:leader_invitation", args=[token]),
                "expires_text": dateformat.format(
                    timezone.localtime(invitation.expires_at), "l j F Y, H:i T"
                ),
            },
        )
        _log(group, "leader_invite", actor, invitation_id=invitation.pk)
    return invitation


def leader_invitation_by_token(token: str) -> LeaderInvitation | None:
    if not token or len(token) > 100:
        return None
    return (
        LeaderInvitation.objects.select_related("group", "invited_by")
        .filter(token_hash=token_digest(token))
        .first()
    )


def leader_invitation_accept(*, invitation: LeaderInvitation, user) -> YouthGroup:
    """The invited person accepts, logged in with the account of the invited address."""
    with transaction.atomic(durable=True):
        invitation = LeaderInvitation.objects.select_for_update().filter(pk=invitation.pk).first()
        if invitation is None or not invitation.is_open():
            raise CohortsError("closed", "This invitation is no longer open.")
        if user is None or not user.is_authenticated or user.email.lower() != invitation.email:
            raise CohortsError(
                "other_account", "This invitation is for another address than your account's."
            )
        refusal = leader_refusal(user)
        if refusal:
            raise CohortsError("not_adult", refusal)
        group = invitation.group
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        group.leaders.add(user)
        _log(group, "leader_add", user, leader_id=user.pk, invitation_id=invitation.pk)
    return group


def leader_invitation_cancel(*, actor, group: YouthGroup, invitation_id: int) -> str:
    _leader_check(actor, group)
    with transaction.atomic(durable=True):
        invitation = (
            LeaderInvitation.objects.select_for_update()
            .filter(pk=invitation_id, group=group, accepted_at=None, cancelled_at=None)
            .first()
        )
        if invitation is None:
            raise CohortsError("closed", "That invitation is no longer open.")
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
        _log(group, "leader_invitation_cancel", actor, invitation_id=invitation.pk)
    return f"The invitation to {invitation.email} is cancelled; its link no longer works."


def leader_remove(*, actor, group: YouthGroup, leader_id: int) -> str:
    """A leader removes a co-leader, or leaves the group themselves; a group always keeps at
    least one leader (someone must be able to see and erase the children's data)."""
    _leader_check(actor, group)
    with transaction.atomic(durable=True):
        YouthGroup.objects.select_for_update().filter(pk=group.pk).first()
        leader = group.leaders.filter(pk=leader_id).first()
        if leader is None:
            raise CohortsError("not_a_leader", "That person does not lead this group.")
        if group.leaders.count() <= 1:
            raise CohortsError(
                "last_leader",
                f"{group.name} needs at least one leader. Add another leader first, or remove "
                "its members and delete the group.",
            )
        group.leaders.remove(leader)
        _log(group, "leader_remove", actor, leader_id=leader.pk)
    if leader.pk == actor.pk:
        return f"You no longer lead {group.name}."
    return f"{leader} no longer leads {group.name}."


def group_delete(*, actor, group: YouthGroup) -> str:
    """Delete a group that has no members left (each removal erases a member without an
    account properly, so nothing personal is left behind by deleting the group)."""
    _leader_check(actor, group)
    with transaction.atomic(durable=True):
        locked = YouthGroup.objects.select_for_update().filter(pk=group.pk).first()
        if locked is None:
            raise CohortsError("not_found", "That group no longer exists.")
        left = locked.members.count()
        if left:
            raise CohortsError(
                "has_members",
                f"{group.name} still has {_plural(left, 'member')}. Remove them first (a "
                "member with a booked place needs the booking cancelled), then delete the group.",
            )
        name = locked.name
        _log(locked, "delete", actor)
        locked.delete()
    return f"{name} has been deleted."


def sole_leader_groups(user) -> list[YouthGroup]:
    """The groups `user` is the only leader of (their account cannot be erased before someone
    else takes these over)."""
    return [
        group
        for group in YouthGroup.objects.filter(leaders=user).prefetch_related("leaders")
        if len(group.leaders.all()) == 1
    ]


# --- members -----------------------------------------------------------------------------------


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


def _member_clean(data: MemberData, *, today: dt.date) -> MemberData:
    first = name_clean(data.first_name, limit=150)
    family = name_clean(data.family_name, limit=150)
    if not first or not family:
        raise CohortsError("bad_member", "Please enter the member's first and family name.")
    year = data.birth_year
    if data.birth_date is not None and year is None:
        year = data.birth_date.year
    if year is None:
        raise CohortsError("bad_member", "Please enter the member's year of birth.")
    if year > today.year or (data.birth_date is not None and data.birth_date > today):
        raise CohortsError("bad_birth", "The birth date cannot be in the future.")
    if year < max(1900, today.year - OLDEST_AGE):
        raise CohortsError(
            "bad_birth",
            f"Please check the year of birth: {year} would make the member over {OLDEST_AGE}.",
        )
    if data.birth_date is not None and data.birth_date.year != year:
        raise CohortsError(
            "bad_birth",
            f"The date of birth ({data.birth_date.day} {data.birth_date:%B %Y}) is not in the "
            f"year of birth ({year}); please correct one of them.",
        )
    guardian_email = (data.guardian_email or "").strip().lower()
    if guardian_email and undeliverable(guardian_email):
        raise CohortsError("bad_guardian", "Please enter a guardian's e-mail address that works.")
    minor = age_on(on=today, birth_date=data.birth_date, birth_year=year) < ADULT_AGE
    if minor and not guardian_email:
        raise CohortsError(
            "guardian_missing",
            f"{first} {family} is under {ADULT_AGE}: please enter a parent's or guardian's "
            "e-mail address, so that they can give their consent.",
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
            f"Only the group's own leaders can be linked by their account; {email} is not one "
            "of them. Leave the account address empty to add the member without an account "
            "(people with an account of their own register themselves).",
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
    _leader_check(actor, group)
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
        raise CohortsError(
            "duplicate_member",
            f"{twin.full_name}, born in {twin.birth_year}, is already a member of "
            f"{group.name}{', with the same guardian' if twin.guardian_email else ''}. "
            "Nothing was added.",
        )
    if data.account_email:
        person = _linked_account(data.account_email, group)
        if GroupMember.objects.filter(group=group, person=person).exists():
            raise CohortsError(
                "duplicate_member", f"The account {data.account_email} is already a member."
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
        added_by=_actor_of(actor),
    )
    _log(member, "member_add", actor, group_id=group.pk, has_account=bool(data.account_email))
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
    _leader_check(actor, group)
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
                    outcome.failed[number] = exc.message.removesuffix(" Nothing was added.")
            if check_only or (outcome.failed and all_or_nothing):
                raise _MembersRolledBack
    except _MembersRolledBack:
        outcome.added = {}
    return outcome


def _member_of(group: YouthGroup, member_id: int, *, lock: bool = False) -> GroupMember:
    qs = GroupMember.objects.filter(pk=member_id, group=group)
    member = (qs.select_for_update() if lock else qs).first()
    if member is None:
        raise CohortsError("not_found", "That member is not in this group.")
    return member


def _live_bookings(member: GroupMember):
    return Enrolment.objects.filter(user_id=member.person_id, state__in=LIVE).select_related(
        "activity", "cohort"
    )


def _has_own_account(member: GroupMember) -> bool:
    return not undeliverable(member.person.email)


def member_update(*, actor, group: YouthGroup, member_id: int, data: MemberData) -> GroupMember:
    """Correct a member's details. Birth details cannot change while the member has a booked
    place (it was booked for their age); a new guardian address gets the open consent requests
    again, so that a mistyped address can be put right."""
    _leader_check(actor, group)
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
                f"{member.full_name} has a booked place in {bookings[0].target}; the birth "
                "details cannot change until that booking is cancelled.",
            )
        guardian_changed = data.guardian_email != member.guardian_email
        member.first_name, member.family_name = data.first_name, data.family_name
        member.birth_year, member.birth_date = data.birth_year, data.birth_date
        member.guardian_name = data.guardian_name
        member.guardian_email = data.guardian_email
        member.guardian_phone = data.guardian_phone
        member.save()
        if not _has_own_account(member):
            User.objects.filter(pk=member.person_id).update(
                first_name=data.first_name, last_name=data.family_name
            )
            Profile.objects.filter(user_id=member.person_id).update(
                full_name=member.full_name, date_of_birth=data.birth_date
            )
        if guardian_changed:
            resend = [b for b in bookings if b.state == EnrolmentState.PENDING_CONSENT]
            for booking in resend:
                _target_locked(booking)
                _consent_renew(booking, member, actor)
        _log(member, "member_update", actor, group_id=group.pk, guardian_changed=guardian_changed)
    member.consent_requests_renewed = len(resend)
    return member


def _consent_renew(enrolment: Enrolment, member: GroupMember, actor) -> None:
    from cohorts.groups.consent import enrolment_consent_request
    from lms.consent.services import consent_cancel

    consent_cancel(subject_key=f"enrolment:{enrolment.pk}")
    try:
        enrolment_consent_request(enrolment=enrolment, member=member, actor=actor)
    except LmsError as exc:
        raise CohortsError(exc.code, exc.message) from exc


def member_remove(*, actor, group: YouthGroup, member_id: int) -> str:
    """Remove a member who holds no booked place. A member without an account has nothing left
    here once removed, so their person record is erased too; a member with an account keeps it.
    Returns what was done, in words for the leader."""
    _leader_check(actor, group)
    member = _member_of(group, member_id)
    bookings = list(_live_bookings(member).filter(group=group))
    if bookings:
        raise CohortsError(
            "has_bookings",
            f"{member.full_name} has a booked place in {bookings[0].target}. Cancel the booking "
            "first, then remove the member.",
        )
    name = member.full_name
    own_account = _has_own_account(member)
    other_memberships = GroupMember.objects.filter(person_id=member.person_id).exclude(pk=member.pk)
    if own_account or other_memberships.exists():
        with transaction.atomic(durable=True):
            _log(member, "member_remove", actor, group_id=group.pk, erased=False)
            GroupMember.objects.filter(pk=member.pk).delete()
        return f"{name} is no longer a member of {group.name}; their own account is unchanged."
    try:
        from lms.privacy.services import person_erase_within
    except ImportError:  # pragma: no cover (the data-rights release brings it)
        person_erase_within = None
    if person_erase_within is not None:
        # One transaction: the removal is logged first, so that the erasure scrubs the log's
        # copy of the name too.
        try:
            with transaction.atomic(durable=True):
                _log(member, "member_remove", actor, group_id=group.pk, erased=True)
                person_erase_within(user=member.person, actor=actor)
                GroupMember.objects.filter(pk=member.pk).delete()
        except LmsError as exc:
            raise CohortsError(exc.code, exc.message) from exc
        return f"{name} has been removed from {group.name} and their personal data erased."
    with transaction.atomic(durable=True):
        _log(member, "member_remove", actor, group_id=group.pk, erased=False)
        GroupMember.objects.filter(pk=member.pk).delete()
    return (
        f"{name} has been removed from {group.name}. Their person record is kept until the "
        "data-protection team erases it."
    )


# --- booking -----------------------------------------------------------------------------------


BOOKED, PENDING, ALREADY, NOT_BOOKED = "accepted", "pending_consent", "already", "not_booked"


@dataclass
class MemberOutcome:
    member: GroupMember
    status: str  # BOOKED, PENDING, ALREADY or NOT_BOOKED
    message: str
    enrolment: Enrolment | None = None


@dataclass
class GroupBooking:
    """What a group booking did for each chosen member, in the order they were chosen."""

    target: object
    mode: str
    outcomes: list[MemberOutcome] = field(default_factory=list)

    def of(self, status: str) -> list[MemberOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def booked(self) -> list[MemberOutcome]:
        return [o for o in self.outcomes if o.status in (BOOKED, PENDING)]

    def summary(self) -> str:
        parts = []
        accepted, pending = self.of(BOOKED), self.of(PENDING)
        if accepted:
            parts.append(f"{_plural(len(accepted), 'place')} confirmed")
        if pending:
            parts.append(
                f"{_plural(len(pending), 'place')} held until a guardian consents (we have "
                "e-mailed the guardians)"
            )
        text = (
            f"{self.target}: " + "; ".join(parts) + "."
            if parts
            else f"Nobody new was booked for {self.target}."
        )
        for outcome in self.of(ALREADY) + self.of(NOT_BOOKED):
            text += f" {outcome.message}"
        return text


class GroupBookingRefused(CohortsError):
    """Nothing was booked; `outcomes` says why for each member it concerns."""

    def __init__(self, code: str, message: str, outcomes: list[MemberOutcome] | None = None):
        super().__init__(code, message)
        self.outcomes = outcomes or []


def target_start(target) -> dt.date:
    """The day ages are counted on: the activity's first day in its own time zone, or the
    cohort's first day."""
    if isinstance(target, Cohort):
        return target.starts_on
    return target.local_starts_at.date()


def _target_of(target):
    if isinstance(target, Cohort):
        return target
    if isinstance(target, ActivityPage):
        return target
    if hasattr(target, "specific") and isinstance(target.specific, ActivityPage):
        return target.specific
    raise CohortsError("not_found", "Choose an activity or a cohort to book.")


def booking_closed_reason(target, *, now=None) -> str | None:
    """Why the group cannot book `target` now, or None."""
    now = now or timezone.now()
    if isinstance(target, Cohort):
        if target.enrolment_mode == EnrolmentMode.NOMINATION:
            return "Places in this cohort are filled by national focal points' nominations."
        if target.enrolment_mode == EnrolmentMode.APPROVAL:
            return (
                "Staff decide each application to this cohort one by one, so it does not take "
                "group bookings; please contact the programme team."
            )
        if not target.applications_open(now):
            return "Applications for this cohort are not open."
        return None
    if not target.live:
        return "This activity is not published."
    status = target.registration_status(now)
    return None if status == "open" else REGISTRATION_CLOSED[status]


def group_refusal(
    group: YouthGroup, target, members: list[GroupMember] | None = None
) -> str | None:
    """Why this group cannot book `target` at all (whoever it chooses), or None: an activity
    for other sectors, or, when `members` are given, one whose ages none of them has on its
    first day."""
    if not isinstance(target, ActivityPage):
        return None
    group_sector = GROUP_SECTORS.get(group.kind, Sector.OTHER)
    if target.sectors and group_sector not in target.sectors:
        return (
            "This activity is for: " + ", ".join(target.sector_labels()) + f". A "
            f"{group.get_kind_display().lower()} does not qualify."
        )
    if members and (target.min_age or target.max_age):
        start = target_start(target)
        ages = [m.age_on(start) for m in members]
        if not any(
            (not target.min_age or age >= target.min_age)
            and (not target.max_age or age <= target.max_age)
            for age in ages
        ):
            return (
                f"For ages {_ages(target)} on its first day ({start.day} {start:%B %Y}); none "
                "of your members is."
            )
    return None


def _member_refusal(target, member: GroupMember, start: dt.date) -> str | None:
    age = member.age_on(start)
    name = member.full_name
    profile = getattr(member.person, "profile", None)
    if profile is not None and profile.awaiting_guardian:
        # A young person's own account takes no place before a guardian approves it, whoever
        # books it and whatever year of birth the member record gives.
        return (
            f"{name}'s own account is waiting for a guardian's approval; they can be booked "
            "once it is approved."
        )
    if (
        _has_own_account(member)
        and not member.person.led_groups.filter(pk=member.group_id).exists()
    ):
        # Only the group's own leaders are linked by their account (see _linked_account); one
        # who has left the group books their own places now.
        return (
            f"{name} no longer leads this group, and people with an account of their own book "
            "their own places; remove them from the members."
        )
    if isinstance(target, ActivityPage):
        if target.min_age and age < target.min_age:
            return (
                f"{name} is under {target.min_age} on the first day (the activity is for ages "
                f"{_ages(target)})."
            )
        if target.max_age and age > target.max_age:
            return (
                f"{name} is over {target.max_age} on the first day (the activity is for ages "
                f"{_ages(target)})."
            )
    if member.is_minor_on(start) and not member.guardian_email:
        return f"{name} needs a guardian's e-mail address for the consent request; add it first."
    return None


def _ages(activity: ActivityPage) -> str:
    if activity.min_age and activity.max_age:
        return f"{activity.min_age}–{activity.max_age}"
    if activity.min_age:
        return f"{activity.min_age} and over"
    return f"up to {activity.max_age}"


def _already_message(member: GroupMember, enrolment: Enrolment) -> str:
    if enrolment.holds_place:
        return f"{member.full_name} already has a place ({enrolment.get_state_display().lower()})."
    if enrolment.state == EnrolmentState.WAITLISTED:
        return f"{member.full_name} is already on the waitlist."
    if enrolment.state == EnrolmentState.WITHDRAWN:  # a cohort: an ended place cannot return
        return (
            f"{member.full_name} had a place in this cohort that was cancelled; a cohort place "
            "cannot be booked again."
        )
    if enrolment.state == EnrolmentState.REJECTED:
        return f"{member.full_name}'s place here was declined by the organisers."
    if enrolment.state == EnrolmentState.COMPLETED:
        return f"{member.full_name} has already completed this."
    return f"{member.full_name} has already applied."


def _new_enrolment(target, group: YouthGroup, member: GroupMember, *, organisation, note: str):
    enrolment = Enrolment(
        user_id=member.person_id,
        source=EnrolmentSource.GROUP,
        group=group,
        care_notes=note,
    )
    if isinstance(target, Cohort):
        enrolment.cohort = target
    else:
        enrolment.activity = target
    _snapshot(enrolment, getattr(member.person, "profile", None))
    # The group brings them: its country's share and its organisation are the ones counted.
    enrolment.country = group.country.code
    enrolment.organisation = organisation
    enrolment.sector = enrolment.sector or GROUP_SECTORS.get(group.kind, Sector.OTHER)
    return enrolment


def ratio_shortfall(*, minors: int, adults: int, minors_per_adult: int | None) -> int:
    """How many more adults `minors` need under the activity's ratio (0: enough)."""
    if not minors_per_adult or minors == 0:
        return 0
    return max(0, math.ceil(minors / minors_per_adult) - adults)


def _ratio_problem(
    target, group, booking: list[GroupMember], start, *, partial_cut: bool
) -> str | None:
    """What the activity's adult ratio says about booking `booking` besides the group's places
    already held there, or None when it is met."""
    if not isinstance(target, ActivityPage) or not target.minors_per_adult:
        return None
    if not any(m.is_minor_on(start) for m in booking):
        return None  # more adults (or nobody new) never make the ratio worse
    held_people = Enrolment.objects.filter(
        activity=target, group=group, state__in=LIVE
    ).values_list("user_id", flat=True)
    held = list(GroupMember.objects.filter(group=group, person_id__in=list(held_people)))
    people = {m.person_id: m for m in held}
    people.update({m.person_id: m for m in booking})
    minors = sum(1 for m in people.values() if m.is_minor_on(start))
    adults = len(people) - minors
    missing = ratio_shortfall(
        minors=minors, adults=adults, minors_per_adult=target.minors_per_adult
    )
    if not missing:
        return None
    needed = adults + missing
    held_minors = sum(1 for m in held if m.is_minor_on(start))
    counting = f" (counting {held_minors} already booked)" if held_minors else ""
    verb = "would have a place" if partial_cut else "chosen"
    return (
        f"{_plural(minors, 'minor')}{counting} need{'s' if minors == 1 else ''} at least "
        f"{_plural(needed, 'adult')}; {_plural(adults, 'adult')} {verb} — add "
        f"{_plural(missing, 'more adult')}. This activity allows at most "
        f"{target.minors_per_adult} minors per accompanying adult."
    )


def _ratio_check(target, group, booking: list[GroupMember], start, *, partial_cut: bool) -> None:
    problem = _ratio_problem(target, group, booking, start, partial_cut=partial_cut)
    if problem:
        raise GroupBookingRefused("ratio", f"{problem} Nothing was booked.")


def group_book(
    *,
    actor,
    group: YouthGroup,
    target,
    member_ids: list[int],
    mode: str,
    care_notes: dict[int, str] | None = None,
) -> GroupBooking:
    """Book places for chosen members in one place transaction, under the target's lock and
    through its place book, so the group counts against its country's share like anyone else.
    Minors' places are held pending a guardian's consent (requested at once); adults' places
    are confirmed. `mode` "all" books everyone or nobody; "partial" books those who fit, in
    the order chosen, and says who was not booked and why."""
    _leader_check(actor, group)
    if mode not in MODES:
        raise CohortsError(
            "bad_mode", "Choose whether to book everyone or nobody, or as many as fit."
        )
    target = _target_of(target)
    ids = list(dict.fromkeys(int(pk) for pk in member_ids))
    if not ids:
        raise CohortsError("no_members", "Choose at least one member to book.")
    found = {
        m.pk: m
        for m in GroupMember.objects.filter(group=group, pk__in=ids).select_related(
            "person__profile"
        )
    }
    if len(found) != len(ids):
        raise CohortsError("not_found", "Some of the chosen members are not in this group.")
    chosen = [found[pk] for pk in ids]
    notes = {
        int(pk): str(text).strip()[:NOTE_MAX]
        for pk, text in (care_notes or {}).items()
        if str(text or "").strip()
    }
    now = timezone.now()
    closed = booking_closed_reason(target, now=now)
    if closed:
        raise CohortsError("closed", closed)
    group_sector = GROUP_SECTORS.get(group.kind, Sector.OTHER)
    refusal = group_refusal(group, target)
    if refusal:
        raise CohortsError("not_eligible", refusal)
    start = target_start(target)
    result = GroupBooking(target=target, mode=mode)
    outcomes: dict[int, MemberOutcome] = {}
    eligible = []
    for member in chosen:
        refusal = _member_refusal(target, member, start)
        if refusal:
            outcomes[member.pk] = MemberOutcome(member, NOT_BOOKED, refusal)
        else:
            eligible.append(member)
    if mode == ALL and outcomes:
        # Every problem at once: the members who cannot go, and what the adult ratio would
        # say about the others, so that one correction is enough.
        problems = [o.message for o in outcomes.values()]
        ratio = _ratio_problem(target, group, eligible, start, partial_cut=False)
        if ratio:
            problems.append(f"Also, without them: {ratio[0].lower()}{ratio[1:]}")
        raise GroupBookingRefused(
            "not_eligible",
            " ".join(problems) + " Nothing was booked.",
            list(outcomes.values()),
        )

    from cohorts.groups.consent import enrolment_consent_request

    with place_transaction():
        _lock(target)
        earlier = (
            _enrolments_of(target)
            .filter(user_id__in=[m.person_id for m in eligible])
            .blocking_a_new_place()
        )
        existing = {e.user_id: e for e in earlier}
        candidates = []
        for member in eligible:
            enrolment = existing.get(member.person_id)
            if enrolment is not None:
                outcomes[member.pk] = MemberOutcome(
                    member, ALREADY, _already_message(member, enrolment), enrolment
                )
            else:
                candidates.append(member)
        organisation = organisation_resolve(
            name=group.organisation, country=group.country.code, sector=group_sector
        )
        dry = PlaceDryRun(target, now=now)
        fitting: list[tuple[GroupMember, Enrolment]] = []
        first_reason = None
        for member in candidates:
            enrolment = _new_enrolment(
                target, group, member, organisation=organisation, note=notes.get(member.pk, "")
            )
            reason = dry.take(enrolment)
            if reason:
                first_reason = first_reason or reason
                outcomes[member.pk] = MemberOutcome(
                    member, NOT_BOOKED, f"{member.full_name} was not booked: {reason}."
                )
            else:
                fitting.append((member, enrolment))
        if mode == ALL and len(fitting) < len(candidates):
            left = len(fitting)
            places_left = (
                f"Only {_plural(left, 'place is', 'places are')}" if left else "No place is"
            )
            raise GroupBookingRefused(
                "no_place",
                f"{places_left} left for your group in {target}, and you chose {len(candidates)} "
                f"{'member' if len(candidates) == 1 else 'members'} to book ({first_reason}). "
                "Nothing was booked: choose fewer members, or book as many as fit.",
                list(outcomes.values()),
            )
        _ratio_check(
            target,
            group,
            [m for m, _ in fitting],
            start,
            partial_cut=len(fitting) < len(candidates),
        )
        book = _PlaceBook(target, now=now)
        for member, enrolment in fitting:
            minor = member.is_minor_on(start)
            enrolment.state = EnrolmentState.PENDING_CONSENT if minor else EnrolmentState.ACCEPTED
            enrolment.decided_at = now
            reason = book.blocked_by(enrolment)
            if reason:  # the dry run and the book read the same claims under one lock
                raise CohortsError("conflict", f"{member.full_name}: {reason}.")
            enrolment.save()
            book.claim(enrolment)
            if minor:
                _emit(enrolment, "pending_consent", group_id=group.pk)
                try:
                    enrolment_consent_request(enrolment=enrolment, member=member, actor=actor)
                except LmsError as exc:
                    raise CohortsError(exc.code, exc.message) from exc
                message = f"{member.full_name}: place held until a guardian consents."
            else:
                _emit(enrolment, "accepted")
                message = f"{member.full_name}: place confirmed."
            _audit(enrolment, "group_book", actor, group_id=group.pk)
            outcomes[member.pk] = MemberOutcome(
                member, PENDING if minor else BOOKED, message, enrolment
            )
    result.outcomes = [outcomes[m.pk] for m in chosen]
    return result


def _enrolments_of(target):
    if isinstance(target, Cohort):
        return Enrolment.objects.filter(cohort=target)
    return Enrolment.objects.filter(activity=target)


def _group_booking(group: YouthGroup, enrolment_id: int) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_related("activity", "cohort", "user")
        .filter(pk=enrolment_id, group=group)
        .first()
    )
    if enrolment is None:
        raise CohortsError("not_found", "That booking is not one of this group's.")
    return enrolment


def group_booking_cancel(*, actor, group: YouthGroup, enrolment_id: int) -> str:
    """A leader cancels one member's booking: the place is freed (the waitlist moves on) and an
    open consent request stops working. Returns what was done, with a warning when the adults
    left are now too few for the minors."""
    _leader_check(actor, group)
    _group_booking(group, enrolment_id)
    from lms.consent.services import consent_cancel

    with place_transaction():
        enrolment = _reload(enrolment_id)
        target = _target_locked(enrolment)
        enrolment.refresh_from_db(fields=["state", "group"])
        if enrolment.group_id != group.pk:
            raise CohortsError("not_found", "That booking is not one of this group's.")
        if enrolment.is_final:
            raise CohortsError("final", "This booking is already cancelled.")
        _withdraw(enrolment, target, reason="cancelled by the group leader", actor=actor)
        consent_cancel(subject_key=f"enrolment:{enrolment.pk}")
    name = str(enrolment.user)
    member = GroupMember.objects.filter(group=group, person_id=enrolment.user_id).first()
    if member is not None:
        name = member.full_name
    message = f"The booking of {name} for {target} is cancelled and the place freed."
    warning = ratio_warning(group=group, target=target)
    return f"{message} {warning}" if warning else message


def ratio_warning(*, group: YouthGroup, target) -> str:
    """A sentence when the group's booked minors now lack accompanying adults, else ""."""
    if not isinstance(target, ActivityPage) or not target.minors_per_adult:
        return ""
    start = target_start(target)
    people = Enrolment.objects.filter(activity=target, group=group, state__in=LIVE).values_list(
        "user_id", flat=True
    )
    members = list(GroupMember.objects.filter(group=group, person_id__in=list(people)))
    minors = sum(1 for m in members if m.is_minor_on(start))
    adults = len(members) - minors
    missing = ratio_shortfall(
        minors=minors, adults=adults, minors_per_adult=target.minors_per_adult
    )
    if not missing:
        return ""
    return (
        f"Please note: {_plural(minors, 'minor')} booked now need at least "
        f"{_plural(adults + missing, 'adult')}, and {_plural(adults, 'adult')} "
        f"{'is' if adults == 1 else 'are'} booked — book {_plural(missing, 'more adult')}."
    )


def group_consent_resend(*, actor, group: YouthGroup, enrolment_id: int) -> str:
    """Send the guardian a fresh consent link for a place that still waits for it."""
    _leader_check(actor, group)
    enrolment = _group_booking(group, enrolment_id)
    if enrolment.state != EnrolmentState.PENDING_CONSENT:
        raise CohortsError("no_consent", "This place is not waiting for a guardian's consent.")
    from lms.consent.services import consent_resend, consent_states

    key = f"enrolment:{enrolment.pk}"
    consent = consent_states([key]).get(key)
    if consent is None or consent.state != "pending":
        raise CohortsError("no_consent", "There is no open consent request for this place.")
    try:
        with transaction.atomic(durable=True):
            consent_resend(consent=consent, actor=actor)
    except LmsError as exc:
        raise CohortsError(exc.code, exc.message) from exc
    return f"We have sent the consent e-mail again to {consent.guardian_email}."
