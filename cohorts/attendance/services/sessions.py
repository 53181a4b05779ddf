"""An activity's attendance set-up, staff group, days and sessions."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.log_actions import log

from cohorts.attendance.models import (
    ActivityAttendance,
    ActivitySession,
    AttendanceRecord,
)
from cohorts.attendance.services.base import (
    actor_of,
    attendance_transaction,
    day_text,
)
from cohorts.attendance.services.rule import attendance_recheck_all
from cohorts.errors import CohortsError
from programmes.models import ActivityPage


def attendance_setup_ensure(*, activity: ActivityPage) -> ActivityAttendance:
    """The activity's attendance set-up, created with the defaults (every session) when absent."""
    setup, _ = ActivityAttendance.objects.get_or_create(activity_id=activity.pk)
    return setup


def activity_staff_group_ensure(*, setup: ActivityAttendance) -> Group:
    """The activity's own desk staff group: its members run this activity's check-in desk and
    nothing else (what they may do is decided by membership, per activity)."""
    if setup.staff_group_id:
        return setup.staff_group
    title = setup.activity.title[:60]
    group, _ = Group.objects.get_or_create(name=f"Check-in staff: {title} ({setup.activity_id})")
    access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if access:
        group.permissions.add(access)
    ActivityAttendance.objects.filter(pk=setup.pk).update(staff_group=group)
    setup.staff_group = group
    return group


def _hours(seconds: float) -> Decimal:
    return Decimal(seconds / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _agenda_by_day(activity: ActivityPage) -> dict[int, list[tuple[dt.time, dt.time]]]:
    """The agenda's timed items per day number (items without both times are left out)."""
    days: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for block in activity.agenda or []:
        if block.block_type != "item":
            continue
        value = block.value
        starts, ends, day = value.get("starts"), value.get("ends"), value.get("day")
        if starts and ends and day and ends > starts:
            days.setdefault(int(day), []).append((starts, ends))
    return days


def _union_seconds(intervals: list[tuple[dt.datetime, dt.datetime]]) -> float:
    total, current_start, current_end = 0.0, None, None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total


def default_sessions(activity: ActivityPage) -> list[ActivitySession]:
    """One session per day of the activity in its own time zone: the day's agenda items when it
    has timed ones (hours without the breaks between them), else the activity's start and end
    times repeated each day."""
    tz = activity.tz
    start, end = activity.local_starts_at, activity.local_ends_at
    days = (end.date() - start.date()).days + 1
    agenda = _agenda_by_day(activity)
    sessions = []
    for index in range(days):
        date = start.date() + dt.timedelta(days=index)
        items = [
            (
                dt.datetime.combine(date, a, tzinfo=tz),
                dt.datetime.combine(date, b, tzinfo=tz),
            )
            for a, b in agenda.get(index + 1, [])
        ]
        if items:
            begins, finishes = min(a for a, _ in items), max(b for _, b in items)
            seconds = _union_seconds(items)
        else:
            begins = start if index == 0 else dt.datetime.combine(date, start.time(), tzinfo=tz)
            finishes = (
                end if index == days - 1 else dt.datetime.combine(date, end.time(), tzinfo=tz)
            )
            if finishes <= begins:
                midnight = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=tz)
                finishes = min(begins + dt.timedelta(hours=8), midnight)
            seconds = (finishes - begins).total_seconds()
        hours = _hours(seconds)
        if finishes <= begins or hours <= 0:
            continue
        sessions.append(
            ActivitySession(
                activity_id=activity.pk,
                title=f"Day {index + 1}" if days > 1 else "The activity",
                starts_at=begins,
                ends_at=finishes,
                hours=hours,
            )
        )
    return sessions


def sessions_ensure(*, activity: ActivityPage) -> list[ActivitySession]:
    """The activity's sessions; the defaults (one per day) are created the first time anyone
    needs them, once even when two desks open at the same moment. Sessions that a change of
    the activity's dates left outside its days are removed while nothing is recorded for them
    (with nothing recorded at all, the defaults of the new days replace them)."""
    existing = list(ActivitySession.objects.filter(activity_id=activity.pk))
    if existing and not _removable(existing, activity):
        return existing
    with transaction.atomic():
        setup = attendance_setup_ensure(activity=activity)
        ActivityAttendance.objects.select_for_update().filter(pk=setup.pk).first()
        existing = list(ActivitySession.objects.filter(activity_id=activity.pk))
        removable = _removable(existing, activity)
        if existing and not removable:
            return existing
        for session in removable:
            log(
                instance=session,
                action="cohorts.attendance.session_delete",
                data={"activity_id": activity.pk, "title": session.title, "moved": True},
            )
        ActivitySession.objects.filter(pk__in=[s.pk for s in removable]).delete()
        if len(removable) == len(existing):
            ActivitySession.objects.bulk_create(default_sessions(activity))
        else:
            attendance_recheck_all(activity)
    return list(ActivitySession.objects.filter(activity_id=activity.pk))


def _removable(sessions: list[ActivitySession], activity: ActivityPage) -> list[ActivitySession]:
    """After a change of the activity's dates: every session when nothing is recorded for the
    activity yet, else the sessions outside its days that have no records."""
    first, last = activity_days(activity)
    outside = [s for s in sessions if not first <= session_local_date(s, activity) <= last]
    if not outside:
        return []
    recorded = set(
        AttendanceRecord.objects.filter(session__activity_id=activity.pk).values_list(
            "session_id", flat=True
        )
    )
    if not recorded:
        return sessions
    return [s for s in outside if s.pk not in recorded]


def activity_days(activity: ActivityPage) -> tuple[dt.date, dt.date]:
    return activity.local_starts_at.date(), activity.local_ends_at.date()


def session_local_date(session: ActivitySession, activity: ActivityPage) -> dt.date:
    return timezone.localtime(session.starts_at, activity.tz).date()


@dataclass
class SessionInput:
    title: str
    date: dt.date
    starts: dt.time
    ends: dt.time
    hours: Decimal | None = None


def session_save(
    *, activity: ActivityPage, data: SessionInput, actor, session_id: int | None = None
) -> ActivitySession:
    """Add or change a session (a day, or part of one); attendance is re-checked for everyone,
    since the rule counts sessions and hours."""
    tz = activity.tz
    first, last = activity_days(activity)
    if not first <= data.date <= last:
        raise CohortsError(
            "bad_session",
            _("A session must be on one of the activity's days (%(first)s to %(last)s).")
            % {"first": day_text(first), "last": day_text(last)},
        )
    starts = dt.datetime.combine(data.date, data.starts, tzinfo=tz)
    ends = dt.datetime.combine(data.date, data.ends, tzinfo=tz)
    if ends <= starts:
        raise CohortsError("bad_session", _("A session must end after it starts."))
    span = _hours((ends - starts).total_seconds())
    hours = span if data.hours is None else Decimal(data.hours)
    if hours <= 0 or hours > span:
        raise CohortsError(
            "bad_session",
            _("The hours must be more than 0 and at most the session's %(hours)s.")
            % {"hours": formats.number_format(span)},
        )
    title = " ".join(data.title.split())[:200]
    with attendance_transaction():
        attendance_setup_ensure(activity=activity)
        if session_id is None:
            session = ActivitySession(activity_id=activity.pk)
            action = "cohorts.attendance.session_add"
        else:
            session = (
                ActivitySession.objects.select_for_update()
                .filter(pk=session_id, activity_id=activity.pk)
                .first()
            )
            if session is None:
                raise CohortsError("not_found", _("That session no longer exists."))
            action = "cohorts.attendance.session_edit"
        session.title, session.starts_at, session.ends_at, session.hours = (
            title,
            starts,
            ends,
            hours,
        )
        session.save()
        log(
            instance=session,
            action=action,
            user=actor_of(actor),
            data={
                "activity_id": activity.pk,
                "title": title,
                "starts_at": starts.isoformat(),
                "ends_at": ends.isoformat(),
                "hours": str(hours),
            },
        )
        attendance_recheck_all(activity)
    return session


def session_delete(*, activity: ActivityPage, session_id: int, actor) -> None:
    """Remove a session that has no attendance recorded (records are corrected, not dropped)."""
    with attendance_transaction():
        session = (
            ActivitySession.objects.select_for_update()
            .filter(pk=session_id, activity_id=activity.pk)
            .first()
        )
        if session is None:
            raise CohortsError("not_found", _("That session no longer exists."))
        records = session.records.count()
        if records:
            raise CohortsError(
                "has_records",
                ngettext(
                    "%(session)s has %(count)s attendance record, so it cannot be removed; "
                    "correct the records instead.",
                    "%(session)s has %(count)s attendance records, so it cannot be removed; "
                    "correct the records instead.",
                    records,
                )
                % {"session": session_label(session, activity), "count": records},
            )
        if ActivitySession.objects.filter(activity_id=activity.pk).count() == 1:
            raise CohortsError("last_session", _("An activity needs at least one session."))
        log(
            instance=session,
            action="cohorts.attendance.session_delete",
            user=actor_of(actor),
            data={"activity_id": activity.pk, "title": session.title},
        )
        session.delete()
        attendance_recheck_all(activity)


def session_label(session: ActivitySession, activity: ActivityPage) -> str:
    """“Day 2 — Tuesday 6 April 2027, 09:00–17:00”."""
    local_start = timezone.localtime(session.starts_at, activity.tz)
    local_end = timezone.localtime(session.ends_at, activity.tz)
    times = (
        f"{formats.time_format(local_start, 'TIME_FORMAT')}–"
        f"{formats.time_format(local_end, 'TIME_FORMAT')}"
    )
    title = session.title or _("Session")
    # Translators: a session of an activity: "Day 2 — Tuesday 6 April 2027, 09:00–17:00".
    return _("%(title)s — %(day)s, %(times)s") % {
        "title": title,
        "day": day_text(local_start),
        "times": times,
    }


def session_current(
    sessions: list[ActivitySession], activity: ActivityPage, *, now=None
) -> ActivitySession | None:
    """Today's session at the desk: the one under way, else the next today, else today's last;
    before the activity its first session, after it its last."""
    if not sessions:
        return None
    now = now or timezone.now()
    today = timezone.localtime(now, activity.tz).date()
    todays = [s for s in sessions if session_local_date(s, activity) == today]
    if todays:
        for session in todays:
            if session.starts_at <= now < session.ends_at:
                return session
        upcoming = [s for s in todays if s.starts_at > now]
        return upcoming[0] if upcoming else todays[-1]
    if now < sessions[0].starts_at:
        return sessions[0]
    past = [s for s in sessions if s.starts_at <= now]
    return past[-1] if past else sessions[0]
