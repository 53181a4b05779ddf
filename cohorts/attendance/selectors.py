"""Read-side queries of attendance: who may run an activity's desk, the desk's list and counts
(with a search that ignores diacritics), the attendance grid and its export."""

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import ModelLogEntry

from cohorts.attendance.models import (
    ActivityAttendance,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    ParticipantPass,
)
from cohorts.attendance.services import (
    check_in_window,
    day_text,
    person_name,
    rule_met,
    session_local_date,
)
from cohorts.groups.consent import ConsentStatus, consent_statuses
from cohorts.places.models import CONFIRMED, Cohort, Enrolment, EnrolmentState
from cohorts.places.selectors import (
    cohort_is_admin,
    cohorts_managed_by,
)
from lms.languages.content import canonical
from programmes.models import ActivityPage

# Letters that Unicode's decomposition leaves whole, spelled as people type them without the
# region's keyboard: "Sorensen" finds "Sørensen", "Thorunn" finds "Þórunn".
_FOLD = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "æ": "ae",
        "ß": "ss",
        "þ": "th",
        "ð": "d",
        "đ": "d",
        "ħ": "h",
        "ı": "i",
        "œ": "oe",
    }
)


def is_check_in_staff(user) -> bool:
    """A member of any activity's check-in staff group."""
    return ActivityAttendance.objects.filter(staff_group__user=user).exists()


def fold(text: str) -> str:
    """Lower case without diacritics: "Bērziņš" and "Berzins" fold alike, on any database."""
    text = unicodedata.normalize("NFKD", (text or "").casefold().translate(_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.translate(_FOLD).split())


# --- who runs the desk ------------------------------------------------------------------------


def door_access_days() -> int:
    return int(getattr(settings, "CHECKIN_STAFF_ACCESS_DAYS", 2))


def door_rights_end(activity: ActivityPage) -> dt.datetime:
    """Door staff's rights to an activity end CHECKIN_STAFF_ACCESS_DAYS days after the desk
    closes (midnight after its last day, in its time zone): time to enter the paper sheets."""
    return check_in_window(activity)[1] + dt.timedelta(days=door_access_days())


def is_door_staff(user, activity: ActivityPage) -> bool:
    """A member of the activity's check-in staff group, whether or not their rights still last."""
    return ActivityAttendance.objects.filter(
        activity_id=activity.pk, staff_group__in=user.groups.all()
    ).exists()


def desk_can_use(user, activity: ActivityPage, *, now=None) -> bool:
    """Who runs the activity's desk: its check-in staff group (checking people in and correcting
    today's records) until `door_rights_end`, and those who keep the whole record
    (`attendance_can_manage`)."""
    if not user.is_authenticated or not user.is_active:
        return False
    now = now or timezone.now()
    if now < door_rights_end(activity) and is_door_staff(user, activity):
        return True
    return attendance_can_manage(user, activity)


def care_notes_access(user, activity: ActivityPage, *, now=None) -> str | None:
    """Whether `user` may read the dietary and medical notes of the activity's group bookings
    now: None when they may, else why not (said to them). They are for the people who look
    after the participants: the activity's organisers (programme admins and the cohorts' staff)
    to prepare it until it ends, and its door staff on the activity's own days."""
    now = now or timezone.now()
    opens, closes = check_in_window(activity)
    if now >= closes:
        return _(
            "The activity is over, so its dietary and medical notes are no longer shown; they "
            "are deleted automatically some days after it."
        )
    if attendance_can_manage(user, activity):
        return None
    if is_door_staff(user, activity):
        if now >= opens:
            return None
        return _(
            "Door staff see the dietary and medical notes on the activity's days only, from "
            "%(day)s. Ask the activity's organisers if you need them earlier."
        ) % {"day": day_text(opens)}
    return _("Only the activity's staff see these notes.")


def attendance_can_manage(user, activity: ActivityPage) -> bool:
    """Who keeps the whole record (corrections on any day, the sessions, the export): programme
    admins and the staff of the cohorts that include the activity, while their rights last."""
    if not user.is_authenticated or not user.is_active:
        return False
    if cohort_is_admin(user):
        return True
    # Presidency staff keep the record of their own cohort's activity. An activity shared with a
    # cohort they do not manage is kept by programme admins: its lists hold every place, and the
    # other cohort's members are not theirs to see or mark.
    including = set(Cohort.objects.filter(activities=activity.pk).values_list("pk", flat=True))
    if not including:
        return False
    managed = set(cohorts_managed_by(user).filter(pk__in=including).values_list("pk", flat=True))
    return managed == including


def desk_activities_for(user, *, now=None, as_admin: bool = True) -> list[ActivityPage]:
    """Activities whose desk `user` runs, from a month ago on, in date order, in one query.
    Programme admins get every activity in that time, unless `as_admin` is off (My learning
    lists only the desks someone staffs through a group)."""
    if not user.is_authenticated:
        return []
    now = now or timezone.now()
    recent = canonical(ActivityPage.objects.all()).filter(ends_at__gte=now - dt.timedelta(days=30))
    if not (as_admin and cohort_is_admin(user)):
        today = timezone.localdate(now)
        # The same rights as cohorts_managed_by: until `staff_access_until`, else 90 days after.
        cohort_rights = Q(cohorts__staff_access_until__gte=today) | Q(
            cohorts__staff_access_until__isnull=True,
            cohorts__ends_on__gte=today - dt.timedelta(days=90),
        )
        recent = recent.filter(
            Q(attendance_setup__staff_group__user=user)
            | (Q(cohorts__staff_group__user=user) & cohort_rights)
        ).distinct()
    activities = list(recent.order_by("starts_at", "pk"))
    if as_admin and cohort_is_admin(user):
        return activities
    return [activity for activity in activities if desk_can_use(user, activity, now=now)]


# --- the desk ---------------------------------------------------------------------------------


@dataclass
class DeskRow:
    enrolment: Enrolment
    name: str
    country: str
    country_code: str
    organisation: str
    record: AttendanceRecord | None = None
    folded: str = ""
    # A minor's guardian consent (cohorts.groups.consent.ConsentStatus), None when none is needed.
    consent: ConsentStatus | None = None

    @property
    def status(self) -> str:
        return self.record.status if self.record else ""

    @property
    def present(self) -> bool:
        return self.status == AttendanceStatus.PRESENT

    @property
    def consent_ok(self) -> bool:
        """No guardian's consent is needed, or it is complete."""
        return self.consent is None or self.consent.complete


def _places(activity: ActivityPage):
    return (
        Enrolment.objects.filter(activity_id=activity.pk, state__in=CONFIRMED)
        .select_related("user__profile", "organisation")
        .order_by()
    )


def _row(enrolment: Enrolment) -> DeskRow:
    name = person_name(enrolment.user)
    country = enrolment.country.name if enrolment.country else ""
    code = enrolment.country.code if enrolment.country else ""
    organisation = enrolment.organisation.name if enrolment.organisation else ""
    row = DeskRow(enrolment, name, country, code, organisation)
    row.folded = fold(" ".join((name, country, code, organisation)))
    return row


def desk_rows(
    activity: ActivityPage,
    session: ActivitySession | None,
    *,
    q: str = "",
    pending_consent: bool = False,
) -> list[DeskRow]:
    """The confirmed places with their status for `session`, by name; `q` narrows them to the
    people whose name, organisation or country contains every word of it, diacritics ignored.
    An activity has at most a few hundred places, so folding happens here, not in SQL. With
    `pending_consent` (the desk), places held for a minor's guardian consent are listed too, so
    that staff see why such a person cannot be checked in."""
    places = _places(activity)
    if pending_consent:
        places = Enrolment.objects.filter(
            activity_id=activity.pk, state__in=(*CONFIRMED, EnrolmentState.PENDING_CONSENT)
        ).select_related("user__profile", "organisation")
    rows = [_row(enrolment) for enrolment in places.order_by()]
    words = fold(q[:200]).split()
    if words:
        rows = [row for row in rows if all(word in row.folded for word in words)]
    consents = consent_statuses([row.enrolment for row in rows])
    for row in rows:
        row.consent = consents.get(row.enrolment.pk)
    if session is not None:
        records = {
            record.enrolment_id: record
            for record in AttendanceRecord.objects.filter(
                session=session, enrolment_id__in=[row.enrolment.pk for row in rows]
            ).select_related("recorded_by__profile")
        }
        for row in rows:
            row.record = records.get(row.enrolment.pk)
    return sorted(rows, key=lambda row: (fold(row.name), row.enrolment.pk))


def desk_row(activity: ActivityPage, session: ActivitySession | None, enrolment_id: int):
    enrolment = _places(activity).filter(pk=enrolment_id).first()
    if enrolment is None:
        return None
    row = _row(enrolment)
    row.consent = consent_statuses([enrolment]).get(enrolment.pk)
    if session is not None:
        row.record = AttendanceRecord.objects.filter(session=session, enrolment=enrolment).first()
    return row


def desk_counts(activity: ActivityPage, session: ActivitySession | None) -> dict:
    """Expected (confirmed places), checked in (present at the session) and missing."""
    expected = Enrolment.objects.filter(activity_id=activity.pk, state__in=CONFIRMED).count()
    checked_in = 0
    if session is not None:
        checked_in = AttendanceRecord.objects.filter(
            session=session,
            status=AttendanceStatus.PRESENT,
            enrolment__activity_id=activity.pk,
            enrolment__state__in=CONFIRMED,
        ).count()
    return {"expected": expected, "checked_in": checked_in, "missing": expected - checked_in}


def desk_place(activity: ActivityPage, enrolment_id: int) -> Enrolment | None:
    """One place at this activity (any state: the desk explains why a withdrawn one is refused)."""
    return (
        Enrolment.objects.select_related("activity", "user__profile", "organisation")
        .filter(activity_id=activity.pk, pk=enrolment_id)
        .first()
    )


def session_of(activity: ActivityPage, session_id) -> ActivitySession | None:
    try:
        session_id = int(session_id)
    except (TypeError, ValueError):
        return None
    if not 0 < session_id < 2**63:
        return None
    return ActivitySession.objects.filter(activity_id=activity.pk, pk=session_id).first()


# --- the attendance grid and its export -------------------------------------------------------


@dataclass
class GridRow:
    row: DeskRow
    statuses: dict[int, AttendanceRecord] = field(default_factory=dict)
    present_hours: Decimal = Decimal(0)
    attended: bool = False
    cells: list[tuple] = field(default_factory=list)  # (session, record or None) in order


@dataclass
class Grid:
    activity: ActivityPage
    setup: ActivityAttendance | None
    sessions: list[ActivitySession]
    rows: list[GridRow]

    @property
    def total_hours(self) -> Decimal:
        return sum((s.hours for s in self.sessions), Decimal(0))


def attendance_grid(activity: ActivityPage, *, q: str = "") -> Grid:
    """Every confirmed place against every session, with hours present and whether the rule is
    met as recorded now."""
    setup = ActivityAttendance.objects.filter(activity_id=activity.pk).first()
    sessions = list(ActivitySession.objects.filter(activity_id=activity.pk))
    rows = desk_rows(activity, None, q=q)
    records = AttendanceRecord.objects.filter(
        enrolment_id__in=[row.enrolment.pk for row in rows], session__in=sessions
    ).select_related("recorded_by__profile")
    by_enrolment: dict[int, dict[int, AttendanceRecord]] = {}
    for record in records:
        by_enrolment.setdefault(record.enrolment_id, {})[record.session_id] = record
    hours = {s.pk: s.hours for s in sessions}
    grid_rows = []
    for row in rows:
        statuses = by_enrolment.get(row.enrolment.pk, {})
        present = sum(
            (hours[sid] for sid, r in statuses.items() if r.status == AttendanceStatus.PRESENT),
            Decimal(0),
        )
        met = rule_met(setup, sessions, {sid: r.status for sid, r in statuses.items()})
        cells = [(session, statuses.get(session.pk)) for session in sessions]
        grid_rows.append(GridRow(row, statuses, present, met, cells))
    return Grid(activity, setup, sessions, grid_rows)


def attendance_table(activity: ActivityPage) -> tuple[list[str], list[list]]:
    """One row per person: each session's status, hours present, share, whether attended."""
    grid = attendance_grid(activity)
    tz = activity.tz
    header = [_("Full name"), _("E-mail"), _("Country"), _("Organisation")]
    for session in grid.sessions:
        local = timezone.localtime(session.starts_at, tz)
        # Translators: a column of the attendance export: "Day 1 (2030-01-15 09:00, 7.00 h)".
        header.append(
            _("%(session)s (%(moment)s, %(hours)s h)")
            % {
                "session": session.title or _("Session"),
                "moment": f"{local:%Y-%m-%d %H:%M}",
                "hours": session.hours,
            }
        )
    header += [
        _("Hours present"),
        _("Hours in all"),
        _("Share (%)"),
        _("Rule met"),
        _("Counted as attended"),
    ]
    rows = []
    total = grid.total_hours
    for grid_row in grid.rows:
        row = grid_row.row
        line = [row.name, row.enrolment.user.contact_address, row.country, row.organisation]
        for _session, record in grid_row.cells:
            line.append(str(AttendanceStatus(record.status).label) if record else "")
        share = (grid_row.present_hours * 100 / total).quantize(Decimal("0.1")) if total else 0
        attended_at = row.enrolment.attended_at
        line += [
            float(grid_row.present_hours),
            float(total),
            float(share),
            _("yes") if grid_row.attended else _("no"),
            timezone.localtime(attended_at, tz).replace(tzinfo=None, microsecond=0)
            if attended_at
            else "",
        ]
        rows.append(line)
    return header, rows


def records_table(activity: ActivityPage) -> tuple[list[str], list[list]]:
    """Every record: who recorded it, when and how (the desk's own trail)."""
    tz = activity.tz
    header = [
        _("Session"),
        _("Full name"),
        _("Status"),
        _("Recorded by"),
        _("Recorded at"),
        # Translators: a column of the attendance export: how a record was taken (scan, search,
        # list).
        _("How"),
    ]
    records = (
        AttendanceRecord.objects.filter(session__activity_id=activity.pk)
        .select_related("session", "enrolment__user__profile", "recorded_by__profile")
        .order_by("session__starts_at", "recorded_at", "pk")
    )
    rows = [
        [
            record.session.title or _("Session"),
            person_name(record.enrolment.user),
            str(AttendanceStatus(record.status).label),
            person_name(record.recorded_by) if record.recorded_by else "",
            timezone.localtime(record.recorded_at, tz).replace(tzinfo=None, microsecond=0),
            record.method,
        ]
        for record in records
    ]
    return header, rows


# --- sign-in sheets ---------------------------------------------------------------------------


def days_of(activity: ActivityPage, sessions: list[ActivitySession]) -> list[dt.date]:
    return sorted({session_local_date(s, activity) for s in sessions})


def sheet_rows(activity: ActivityPage, sessions: list[ActivitySession]) -> list[tuple]:
    """(row, {session id: status}) for the sign-in sheet of one day."""
    rows = desk_rows(activity, None)
    statuses: dict[int, dict[int, str]] = {}
    for enrolment_id, session_id, status in AttendanceRecord.objects.filter(
        session__in=sessions, enrolment_id__in=[r.enrolment.pk for r in rows]
    ).values_list("enrolment_id", "session_id", "status"):
        statuses.setdefault(enrolment_id, {})[session_id] = status
    return [(row, statuses.get(row.enrolment.pk, {})) for row in rows]


# --- the audit trail and passes ---------------------------------------------------------------


def corrections_of(activity: ActivityPage, *, limit: int = 50):
    """The newest corrections and session changes of the activity's attendance."""
    record_ids = (
        AttendanceRecord.objects.filter(session__activity_id=activity.pk)
        .annotate(sid=Cast("pk", output_field=CharField()))
        .values("sid")
    )
    session_ids = (
        ActivitySession.objects.filter(activity_id=activity.pk)
        .annotate(sid=Cast("pk", output_field=CharField()))
        .values("sid")
    )
    return (
        ModelLogEntry.objects.filter(
            Q(
                content_type=ContentType.objects.get_for_model(AttendanceRecord),
                object_id__in=record_ids,
            )
            | Q(
                content_type=ContentType.objects.get_for_model(ActivitySession),
                object_id__in=session_ids,
            )
            | Q(action="cohorts.attendance.session_delete", data__activity_id=activity.pk)
        )
        .select_related("user")
        .order_by("-timestamp", "-pk")[:limit]
    )


def passes_of(*, user) -> list[Enrolment]:
    """`user`'s confirmed places at live activities that have not ended, with their passes."""
    now = timezone.now()
    return list(
        Enrolment.objects.filter(
            user=user,
            activity__isnull=False,
            state__in=CONFIRMED,
            activity__live=True,
            activity__ends_at__gte=now,
        )
        .select_related("activity")
        .order_by("activity__starts_at", "pk")
    )


def pass_of(enrolment: Enrolment) -> ParticipantPass | None:
    return ParticipantPass.objects.filter(enrolment_id=enrolment.pk).first()
