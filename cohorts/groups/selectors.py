"""Read-side queries of youth and volunteer groups: a leader's groups, members and bookings with
each minor's consent status, the activities and cohorts a group can book, and the care notes
activity staff may read. Leaders see names and age bands, never full dates of birth."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cohorts.groups.models import GroupMember, LeaderInvitation, YouthGroup
from cohorts.groups.services import (
    LIVE,
    booking_closed_reason,
    date_text,
    group_refusal,
    target_start,
)
from cohorts.places.models import CONFIRMED, Cohort, Enrolment, EnrolmentMode, EnrolmentState
from lms.consent.services import consent_states
from lms.languages.content import canonical
from lms.models import undeliverable
from programmes.models import ActivityPage


def consents_of(keys: list[str]) -> dict:
    """The latest guardian consent per subject key (empty before consent exists at all)."""
    if not keys:
        return {}
    return consent_states(keys)


def groups_led_by(user) -> list[YouthGroup]:
    if not user.is_authenticated:
        return []
    return list(
        YouthGroup.objects.filter(leaders=user).annotate(
            member_count=Count("members", distinct=True)
        )
    )


def group_for_leader(user, group_id: int) -> YouthGroup | None:
    """The group, only for one of its leaders (anyone else gets nothing, not even its name)."""
    if not user.is_authenticated:
        return None
    return (
        YouthGroup.objects.filter(pk=group_id, leaders=user)
        .prefetch_related("leaders__profile")
        .first()
    )


def member_for_leader(group: YouthGroup, member_id: int) -> GroupMember | None:
    return GroupMember.objects.filter(pk=member_id, group=group).select_related("person").first()


@dataclass
class MemberRow:
    member: GroupMember
    age_band: str
    minor: bool
    has_account: bool
    live_bookings: int


@dataclass
class AgeDay:
    """The day members' ages are counted on, with what it is: one rule for the whole page (an
    activity's first day), so a member's age band is the same under Members and Bookings."""

    day: dt.date
    title: str  # the activity or cohort whose first day it is; "" for today


def age_day(group: YouthGroup, *, today: dt.date | None = None) -> AgeDay:
    """The first day of the group's next booked activity or cohort, else today."""
    today = today or timezone.localdate()
    upcoming = [
        (target_start(target), str(target.title))
        for target in _live_targets(group)
        if target_start(target) >= today
    ]
    if not upcoming:
        return AgeDay(today, "")
    day, title = min(upcoming)
    return AgeDay(day, title)


def _live_targets(group: YouthGroup) -> list:
    targets = {}
    for enrolment in Enrolment.objects.filter(group=group, state__in=LIVE).select_related(
        "activity", "cohort"
    ):
        target = enrolment.cohort if enrolment.cohort_id else enrolment.activity.specific
        targets[(enrolment.cohort_id, enrolment.activity_id)] = target
    return list(targets.values())


def member_rows(group: YouthGroup, *, today: dt.date | None = None) -> list[MemberRow]:
    """The members with their age band on the group's age day (see `age_day`)."""
    today = age_day(group, today=today).day
    members = list(group.members.select_related("person"))
    live = {}
    for user_id in Enrolment.objects.filter(group=group, state__in=LIVE).values_list(
        "user_id", flat=True
    ):
        live[user_id] = live.get(user_id, 0) + 1
    return [
        MemberRow(
            member=m,
            age_band=m.age_band(today),
            minor=m.is_minor_on(today),
            has_account=not undeliverable(m.person.email),
            live_bookings=live.get(m.person_id, 0),
        )
        for m in members
    ]


CONSENT_LABELS = {
    "pending": gettext_lazy("Waiting for the guardian"),
    # Translators: a guardian's consent that was given.
    "given": pgettext_lazy("consent", "Given"),
    "refused": gettext_lazy("Refused by the guardian"),
    "withdrawn": gettext_lazy("Withdrawn by the guardian"),
    "cancelled": gettext_lazy("No longer needed"),
}


@dataclass
class BookingRow:
    enrolment: Enrolment
    name: str
    age_band: str
    minor: bool
    consent: object  # GuardianConsent or None
    live: bool

    @property
    def consent_state(self) -> str:
        return self.consent.state if self.consent is not None else ""

    @property
    def consent_label(self) -> str:
        if not self.minor:
            return _("Not needed (adult)")
        if self.consent is None:
            return _("Not requested") if self.live else ""
        return str(CONSENT_LABELS.get(self.consent.state, self.consent.get_state_display()))

    @property
    def waiting(self) -> bool:
        return self.enrolment.state == EnrolmentState.PENDING_CONSENT and (
            self.consent is None or self.consent.state == "pending"
        )


@dataclass
class BookingBlock:
    """One activity or cohort the group has booked, with every member's place."""

    target: object
    start: dt.date
    rows: list[BookingRow] = field(default_factory=list)

    @property
    def is_activity(self) -> bool:
        return isinstance(self.target, ActivityPage)

    @property
    def live_rows(self) -> list[BookingRow]:
        return [row for row in self.rows if row.live]

    @property
    def consents_needed(self) -> int:
        return sum(1 for row in self.live_rows if row.minor)

    @property
    def consents_received(self) -> int:
        return sum(1 for row in self.live_rows if row.minor and row.consent_state == "given")

    @property
    def confirmed(self) -> int:
        return sum(1 for row in self.rows if row.enrolment.state in CONFIRMED)

    @property
    def key(self) -> str:
        return f"{'activity' if self.is_activity else 'cohort'}-{self.target.pk}"


def bookings_of(group: YouthGroup) -> list[BookingBlock]:
    """The group's bookings by activity or cohort (soonest first), with each member's newest
    place and each minor's consent."""
    enrolments = list(
        Enrolment.objects.filter(group=group)
        .select_related("activity", "cohort", "user__profile")
        .order_by("pk")
    )
    members = {m.person_id: m for m in group.members.all()}
    consents = consents_of([f"enrolment:{e.pk}" for e in enrolments])
    blocks: dict[tuple[str, int], BookingBlock] = {}
    for enrolment in enrolments:
        target = enrolment.cohort if enrolment.cohort_id else enrolment.activity.specific
        key = ("c" if enrolment.cohort_id else "a", target.pk)
        block = blocks.get(key)
        if block is None:
            block = blocks[key] = BookingBlock(target=target, start=target_start(target))
        member = members.get(enrolment.user_id)
        if member is not None:
            name, band = member.full_name, member.age_band(block.start)
            minor = member.is_minor_on(block.start)
        else:  # removed from the group since (only possible once the booking ended)
            name, band, minor = str(enrolment.user), "", False
        block.rows.append(
            BookingRow(
                enrolment=enrolment,
                name=name,
                age_band=band,
                minor=minor,
                consent=consents.get(f"enrolment:{enrolment.pk}"),
                live=enrolment.state in LIVE,
            )
        )
    for block in blocks.values():
        # A member booked again after their place ended shows once, with the newest place.
        newest = {row.enrolment.user_id: row for row in block.rows}  # rows come in pk order
        block.rows = sorted(newest.values(), key=lambda row: (not row.live, row.name.casefold()))
    return sorted(blocks.values(), key=lambda block: (block.start, str(block.target)))


def group_activity_places(group: YouthGroup, activity_id: int) -> list[Enrolment]:
    """The group's confirmed places in one activity, for its passes."""
    return list(
        Enrolment.objects.filter(group=group, activity_id=activity_id, state__in=CONFIRMED)
        .select_related("activity", "user__profile", "organisation")
        .order_by("user__profile__full_name", "pk")
    )


@dataclass
class BookableTarget:
    value: str  # "activity:12" or "cohort:3"
    label: str
    target: object
    why_not: str = ""  # why this group cannot book it (shown beside it, not offered)


def bookable_targets(*, group: YouthGroup | None = None, now=None) -> list[BookableTarget]:
    """Activities and cohorts whose registration is open to groups now, soonest first. For a
    group, those it cannot book whoever it chooses (sector, ages) carry the reason."""
    now = now or timezone.now()
    members = list(group.members.all()) if group is not None else None
    targets = []
    activities = (
        canonical(ActivityPage.objects.live().public())
        .filter(ends_at__gte=now)
        .order_by("starts_at", "pk")
    )
    for activity in activities:
        if booking_closed_reason(activity, now=now) is None:
            when = activity.local_starts_at
            targets.append(
                BookableTarget(
                    f"activity:{activity.pk}",
                    f"{activity.title} ({date_text(when)})",
                    activity,
                    group_refusal(group, activity, members) or "" if group is not None else "",
                )
            )
    cohorts = Cohort.objects.filter(
        enrolment_mode=EnrolmentMode.OPEN,
        programme__live=True,
        ends_on__gte=timezone.localdate(now),
    ).order_by("starts_on", "title")
    for cohort in cohorts:
        if booking_closed_reason(cohort, now=now) is None:
            targets.append(
                BookableTarget(
                    f"cohort:{cohort.pk}",
                    _("%(title)s (cohort from %(date)s)")
                    % {"title": cohort.title, "date": date_text(cohort.starts_on)},
                    cohort,
                )
            )
    return targets


def target_by_value(value: str):
    """The activity or cohort a booking form's choice names, or None."""
    kind, _, pk = (value or "").partition(":")
    if not pk.isdigit() or len(pk) > 18:
        return None
    if kind == "activity":
        return ActivityPage.objects.live().public().filter(pk=int(pk)).first()
    if kind == "cohort":
        return Cohort.objects.filter(pk=int(pk), programme__live=True).first()
    return None


@dataclass
class CareNote:
    name: str
    group: YouthGroup
    notes: str


def care_notes_of(activity: ActivityPage) -> list[CareNote]:
    """Dietary and medical notes of group bookings at an activity, for its staff only."""
    enrolments = (
        Enrolment.objects.filter(activity=activity, state__in=LIVE)
        .exclude(care_notes="")
        .exclude(group__isnull=True)
        .select_related("group", "user__profile")
        .prefetch_related(Prefetch("group__members", to_attr="all_members"))
        .order_by("group__name", "pk")
    )
    rows = []
    for enrolment in enrolments:
        member = next(
            (m for m in enrolment.group.all_members if m.person_id == enrolment.user_id), None
        )
        rows.append(
            CareNote(
                name=member.full_name if member else str(enrolment.user),
                group=enrolment.group,
                notes=enrolment.care_notes,
            )
        )
    return rows


def open_invitations_of(group: YouthGroup) -> list[LeaderInvitation]:
    """The group's co-leader invitations not yet accepted, cancelled or expired."""
    return list(
        LeaderInvitation.objects.filter(
            group=group, accepted_at=None, cancelled_at=None, expires_at__gt=timezone.now()
        ).order_by("created_at", "id")
    )
