"""Write-side services of attendance: an activity's days and sessions, participant passes, check-in
at the desk, corrections, and the attended rule that emits `programmes.activity.attended` once."""

import base64
import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import dateformat, timezone
from wagtail.log_actions import log

from cohorts.attendance import passes
from cohorts.attendance.models import (
    ActivityAttendance,
    ActivitySession,
    AttendanceRecord,
    AttendanceRule,
    AttendanceStatus,
    ParticipantPass,
)
from cohorts.errors import CohortsError
from cohorts.groups.consent import consent_blocked_reason
from cohorts.places import emails
from cohorts.places.models import CONFIRMED, Enrolment, EnrolmentState
from lms.events import emit
from lms.locking import busy_transaction
from lms.models import OutgoingEmail
from lms.tokens import derived_token_fields, token_digest
from programmes.models import ActivityPage

ATTENDED_EVENT = "programmes.activity.attended"
BUSY_MESSAGE = "The desk is busy right now. Nothing was recorded; please try again."
# A pass's QR code carries the address of the pass (a phone's own camera app opens the desk with
# it); staff may also type the code alone. 256 random bits, URL-safe base64 without padding.
TOKEN_PATTERN = r"[A-Za-z0-9_-]{43}"  # noqa: S105 (a pattern, not a secret)
_TOKEN_RE = re.compile(rf"(?:^|/cohorts/pass/)({TOKEN_PATTERN})/?$")
METHODS = ("scan", "code", "search", "list")
DAY_FORMAT = "l j F Y"


def person_name(user) -> str:
    return user.get_full_name() or user.email


def day_text(value: dt.datetime | dt.date) -> str:
    """“Monday 5 April 2027”."""
    return dateformat.format(value, DAY_FORMAT)


def attendance_transaction():
    """A durable transaction for a desk action: a busy database, or a record written at the same
    moment by another desk, becomes a friendly message and nothing is recorded."""
    return busy_transaction(
        error=CohortsError, message=BUSY_MESSAGE, collision=("conflict", BUSY_MESSAGE)
    )


# --- set-up and sessions ----------------------------------------------------------------------


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
            _recheck_all(activity)
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
            "A session must be on one of the activity's days "
            f"({day_text(first)} to {day_text(last)}).",
        )
    starts = dt.datetime.combine(data.date, data.starts, tzinfo=tz)
    ends = dt.datetime.combine(data.date, data.ends, tzinfo=tz)
    if ends <= starts:
        raise CohortsError("bad_session", "A session must end after it starts.")
    span = _hours((ends - starts).total_seconds())
    hours = span if data.hours is None else Decimal(data.hours)
    if hours <= 0 or hours > span:
        raise CohortsError(
            "bad_session", f"The hours must be more than 0 and at most the session's {span}."
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
                raise CohortsError("not_found", "That session no longer exists.")
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
            user=_actor(actor),
            data={
                "activity_id": activity.pk,
                "title": title,
                "starts_at": starts.isoformat(),
                "ends_at": ends.isoformat(),
                "hours": str(hours),
            },
        )
        _recheck_all(activity)
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
            raise CohortsError("not_found", "That session no longer exists.")
        records = session.records.count()
        if records:
            raise CohortsError(
                "has_records",
                f"{session_label(session, activity)} has {records} attendance record"
                f"{'s' if records != 1 else ''}, so it cannot be removed; correct the records "
                "instead.",
            )
        if ActivitySession.objects.filter(activity_id=activity.pk).count() == 1:
            raise CohortsError("last_session", "An activity needs at least one session.")
        log(
            instance=session,
            action="cohorts.attendance.session_delete",
            user=_actor(actor),
            data={"activity_id": activity.pk, "title": session.title},
        )
        session.delete()
        _recheck_all(activity)


def session_label(session: ActivitySession, activity: ActivityPage) -> str:
    """“Day 2 — Tuesday 6 April 2027, 09:00–17:00”."""
    local_start = timezone.localtime(session.starts_at, activity.tz)
    local_end = timezone.localtime(session.ends_at, activity.tz)
    times = f"{local_start:%H:%M}–{local_end:%H:%M}"
    title = session.title or "Session"
    return f"{title} — {day_text(local_start)}, {times}"


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


# --- passes -----------------------------------------------------------------------------------


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


# --- why someone cannot be checked in ---------------------------------------------------------


def check_in_window(activity: ActivityPage) -> tuple[dt.datetime, dt.datetime]:
    """Check-in is open from midnight of the activity's first day to midnight after its last,
    in the activity's time zone (early arrivals on the first morning are fine; the evening
    before is not, because a check-in counts for a session)."""
    first, last = activity_days(activity)
    tz = activity.tz
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=tz),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz),
    )


def check_in_window_reason(activity: ActivityPage, *, now=None) -> str | None:
    now = now or timezone.now()
    opens, closes = check_in_window(activity)
    if now < opens:
        return f"Check-in for {activity.title} opens on {day_text(opens)}. Nothing was recorded."
    if now >= closes:
        last = closes - dt.timedelta(days=1)
        return (
            f"{activity.title} ended on {day_text(last)}: the desk is closed. Nothing was "
            "recorded; corrections are made in the attendance list."
        )
    return None


def presence_blocked_reason(enrolment: Enrolment) -> str | None:
    """Why this person cannot be recorded present at all, or None. A minor whose guardian's
    consent is not complete (issue 5) is refused with a message that says so."""
    name = person_name(enrolment.user)
    consent_reason = consent_blocked_reason(enrolment, name)
    if consent_reason and enrolment.state != EnrolmentState.WITHDRAWN:
        return consent_reason
    if enrolment.state == EnrolmentState.WITHDRAWN:
        when = (
            f" on {day_text(timezone.localtime(enrolment.decided_at))}"
            if enrolment.decided_at
            else ""
        )
        return f"{name} withdrew from this activity{when}. Nothing was recorded."
    if enrolment.state not in CONFIRMED:
        state = EnrolmentState(enrolment.state).label.lower()
        return (
            f"{name} has no confirmed place (their registration is: {state}). Nothing was recorded."
        )
    return None


def check_in_blocked_reason(enrolment: Enrolment, *, now=None) -> str | None:
    """Why this person cannot be checked in at the desk now, or None: their place (withdrawn,
    not confirmed; guardian consent of a minor from issue 5 on) and the activity's dates."""
    return presence_blocked_reason(enrolment) or check_in_window_reason(enrolment.activity, now=now)


def _session_day_reason(session: ActivitySession, activity: ActivityPage, *, now) -> str | None:
    today = timezone.localtime(now, activity.tz).date()
    day = session_local_date(session, activity)
    if day != today:
        return (
            f"{session.title or 'That session'} is on {day_text(day)}, not today. Choose today's "
            "session at the top of the desk; past days are corrected in the attendance list. "
            "Nothing was recorded."
        )
    return None


# --- check-in and corrections -----------------------------------------------------------------


@dataclass
class CheckIn:
    enrolment: Enrolment
    session: ActivitySession
    record: AttendanceRecord
    already: bool
    message: str


@dataclass
class PassLookup:
    """What the desk shows for a scanned or typed pass: the place, or why it is refused."""

    ok: bool
    message: str
    enrolment: Enrolment | None = None
    ticket: ParticipantPass | None = None


def pass_lookup(*, activity: ActivityPage, text: str | None, now=None) -> PassLookup:
    """Read a pass at this activity's desk without recording anything."""
    token = token_from_text(text)
    if token is None:
        return PassLookup(
            False, "This is not a BSR Academy participant pass: the code cannot be read."
        )
    ticket = pass_by_token(token)
    if ticket is None:
        return PassLookup(
            False, "This pass is not valid: no pass has this code. It may be mistyped or forged."
        )
    enrolment = ticket.enrolment
    if enrolment.activity_id != activity.pk:
        return PassLookup(
            False,
            f"This pass is for another activity ({enrolment.activity.title}), not for "
            f"{activity.title}. Nothing was recorded.",
        )
    if ticket.revoked_at is not None:
        return PassLookup(
            False,
            f"This pass was cancelled on {day_text(timezone.localtime(ticket.revoked_at))}: "
            f"{person_name(enrolment.user)} no longer has a place. Nothing was recorded.",
            enrolment,
            ticket,
        )
    reason = check_in_blocked_reason(enrolment, now=now)
    if reason:
        return PassLookup(False, reason, enrolment, ticket)
    return PassLookup(True, "", enrolment, ticket)


def check_in_by_token(
    *, activity: ActivityPage, text: str | None, session: ActivitySession, actor, method="scan"
) -> CheckIn:
    """Check in the holder of a scanned or typed pass for the session."""
    found = pass_lookup(activity=activity, text=text)
    if not found.ok:
        raise CohortsError("refused", found.message)
    return check_in(enrolment=found.enrolment, session=session, actor=actor, method=method)


def check_in(*, enrolment: Enrolment, session: ActivitySession, actor, method="search") -> CheckIn:
    """Mark a person present for today's session. A second check-in changes nothing; a person
    recorded absent or excused who turns up is corrected to present (and that is logged)."""
    method = method if method in METHODS else "search"
    with attendance_transaction():
        enrolment = _locked(enrolment.pk)
        activity = enrolment.activity.specific if enrolment.activity_id else None
        if activity is None or session.activity_id != activity.pk:
            raise CohortsError("refused", "This person has no place at this activity.")
        now = timezone.now()
        reason = check_in_blocked_reason(enrolment, now=now) or _session_day_reason(
            session, activity, now=now
        )
        if reason:
            raise CohortsError("refused", reason)
        record, already = _record(
            enrolment, session, AttendanceStatus.PRESENT, actor=actor, method=method, now=now
        )
        _attended_update(enrolment, activity, actor=actor, now=now)
    name = person_name(enrolment.user)
    if already:
        at = timezone.localtime(record.recorded_at, activity.tz)
        message = f"{name} was already checked in at {at:%H:%M}."
    else:
        message = f"{name} is checked in."
    return CheckIn(enrolment, session, record, already, message)


def attendance_set(
    *, enrolment: Enrolment, session: ActivitySession, status: str, actor, method="list"
) -> CheckIn:
    """Record or correct one person's attendance at one session (present, absent or excused).
    A change of an existing record goes to the audit log. Present and absent can be recorded
    once the session's day has begun; excused also ahead of it."""
    if status not in AttendanceStatus.values:
        raise CohortsError("bad_status", "Choose present, absent or excused.")
    with attendance_transaction():
        enrolment = _locked(enrolment.pk)
        activity = enrolment.activity.specific if enrolment.activity_id else None
        if activity is None or session.activity_id != activity.pk:
            raise CohortsError("refused", "This person has no place at this activity.")
        now = timezone.now()
        reason = presence_blocked_reason(enrolment)
        if reason:
            raise CohortsError("refused", reason)
        session_day = session_local_date(session, activity)
        if status != AttendanceStatus.EXCUSED and timezone.localtime(now, activity.tz).date() < (
            session_day
        ):
            raise CohortsError(
                "too_early",
                f"{session.title or 'That session'} is on {day_text(session_day)}: attendance "
                "can be recorded from that day on (an absence can be excused ahead). Nothing "
                "was recorded.",
            )
        record, unchanged = _record(enrolment, session, status, actor=actor, method=method, now=now)
        cleared = _attended_update(enrolment, activity, actor=actor, now=now)
    name = person_name(enrolment.user)
    label = AttendanceStatus(status).label.lower()
    if unchanged:
        message = f"{name} was already recorded {label} for {session.title or 'this session'}."
    else:
        message = f"{name} is recorded {label} for {session.title or 'this session'}."
    if cleared:
        message += (
            f" {name} no longer meets the activity's attendance rule; a certificate already "
            "issued stays valid until it is revoked."
        )
    return CheckIn(enrolment, session, record, unchanged, message)


def _actor(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _locked(enrolment_id: int) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("activity", "user__profile")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None:
        raise CohortsError("not_found", "That place no longer exists.")
    return enrolment


def _record(
    enrolment: Enrolment, session: ActivitySession, status: str, *, actor, method: str, now
) -> tuple[AttendanceRecord, bool]:
    """Write the record; (record, True) when it already said `status`."""
    record = AttendanceRecord.objects.filter(session=session, enrolment=enrolment).first()
    if record is not None and record.status == status:
        return record, True
    if record is None:
        record = AttendanceRecord.objects.create(
            session=session,
            enrolment=enrolment,
            status=status,
            recorded_by=_actor(actor),
            recorded_at=now,
            method=method,
        )
        return record, False
    before = record.status
    record.status = status
    record.recorded_by = _actor(actor)
    record.recorded_at = now
    record.method = method
    record.save(update_fields=["status", "recorded_by", "recorded_at", "method"])
    log(
        instance=record,
        action="cohorts.attendance.correct",
        user=_actor(actor),
        data={
            "activity_id": session.activity_id,
            "session": session.title,
            "enrolment_id": enrolment.pk,
            "person": person_name(enrolment.user),
            "from": before,
            "to": status,
        },
    )
    return record, False


# --- the attended rule ------------------------------------------------------------------------


def rule_met(
    setup: ActivityAttendance | None, sessions: list[ActivitySession], statuses: dict[int, str]
) -> bool:
    """Whether a person with these statuses ({session id: status}) has attended: present at
    every session, or present for at least the set share of the hours (the edge counts)."""
    if not sessions:
        return False
    rule = setup.rule if setup is not None else AttendanceRule.ALL_SESSIONS
    present = [s for s in sessions if statuses.get(s.pk) == AttendanceStatus.PRESENT]
    if rule == AttendanceRule.ALL_SESSIONS:
        return len(present) == len(sessions)
    total = sum((s.hours for s in sessions), Decimal(0))
    attended = sum((s.hours for s in present), Decimal(0))
    return total > 0 and attended * 100 >= total * setup.min_percent


def _attended_update(enrolment: Enrolment, activity: ActivityPage, *, actor, now) -> bool:
    """Inside the caller's transaction, with the enrolment locked: set `attended_at` and emit
    `programmes.activity.attended` (once ever, by its key) when the rule is met; clear it when a
    correction means the rule is no longer met. True when it was cleared."""
    setup = ActivityAttendance.objects.filter(activity_id=activity.pk).first()
    sessions = list(ActivitySession.objects.filter(activity_id=activity.pk))
    statuses = dict(
        AttendanceRecord.objects.filter(enrolment=enrolment).values_list("session_id", "status")
    )
    met = enrolment.state in CONFIRMED and rule_met(setup, sessions, statuses)
    if met and enrolment.attended_at is None:
        enrolment.attended_at = now
        enrolment.save(update_fields=["attended_at", "updated_at"])
        emit(
            ATTENDED_EVENT,
            key=f"{ATTENDED_EVENT}:{enrolment.pk}",
            payload={
                "enrolment_id": enrolment.pk,
                "activity_id": activity.pk,
                "user_id": enrolment.user_id,
            },
        )
        return False
    if not met and enrolment.attended_at is not None:
        log(
            instance=enrolment,
            action="cohorts.attendance.unmet",
            user=_actor(actor),
            data={"activity_id": activity.pk, "attended_at": enrolment.attended_at.isoformat()},
        )
        enrolment.attended_at = None
        enrolment.save(update_fields=["attended_at", "updated_at"])
        return True
    return False


def _recheck_all(activity: ActivityPage) -> None:
    """After the sessions change: the rule again for every confirmed place."""
    now = timezone.now()
    ids = Enrolment.objects.filter(activity_id=activity.pk, state__in=CONFIRMED).values_list(
        "pk", flat=True
    )
    for enrolment in Enrolment.objects.select_for_update().filter(pk__in=list(ids)):
        _attended_update(enrolment, activity, actor=None, now=now)


def attendance_rule_apply(*, activity: ActivityPage, actor=None) -> int:
    """Inside the admin's save (its transaction): re-check everyone after the rule itself
    changed; returns how many places now count as attended."""
    with transaction.atomic():
        _recheck_all(activity)
    return Enrolment.objects.filter(activity_id=activity.pk, attended_at__isnull=False).count()


# --- the pass as a document -------------------------------------------------------------------


def pass_data(*, enrolment: Enrolment, ticket: ParticipantPass) -> passes.PassData:
    activity = enrolment.activity.specific
    item = emails.activity_item(activity)
    programme = activity.get_parent()
    return passes.PassData(
        holder_name=person_name(enrolment.user),
        activity_title=activity.title,
        when=item["when"],
        venue=item["where"] or ("Online" if activity.online_url else ""),
        qr_text=pass_address(ticket.token),
        code=ticket.token,
        country=enrolment.country.name if enrolment.country else "",
        organisation=enrolment.organisation.name if enrolment.organisation else "",
        programme=programme.title if programme is not None else "",
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
