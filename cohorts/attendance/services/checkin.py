"""Check-in at the desk and corrections by staff, and why someone cannot be checked in."""

import datetime as dt
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from cohorts.attendance.models import (
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    ParticipantPass,
)
from cohorts.attendance.services.base import (
    METHODS,
    actor_of,
    attendance_transaction,
    day_text,
    person_name,
)
from cohorts.attendance.services.rule import attended_update
from cohorts.attendance.services.sessions import activity_days, session_local_date
from cohorts.attendance.services.tickets import pass_by_token, token_from_text
from cohorts.errors import CohortsError
from cohorts.groups.consent import consent_blocked_reason
from cohorts.places.models import CONFIRMED, Enrolment, EnrolmentState
from programmes.models import ActivityPage


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
        return _("Check-in for %(activity)s opens on %(day)s. Nothing was recorded.") % {
            "activity": activity.title,
            "day": day_text(opens),
        }
    if now >= closes:
        last = closes - dt.timedelta(days=1)
        return _(
            "%(activity)s ended on %(day)s: the desk is closed. Nothing was recorded; "
            "corrections are made in the attendance list."
        ) % {"activity": activity.title, "day": day_text(last)}
    return None


def presence_blocked_reason(enrolment: Enrolment) -> str | None:
    """Why this person cannot be recorded present at all, or None. A minor whose guardian's
    consent is not complete (issue 5) is refused with a message that says so."""
    name = person_name(enrolment.user)
    consent_reason = consent_blocked_reason(enrolment, name)
    if consent_reason and enrolment.state != EnrolmentState.WITHDRAWN:
        return consent_reason
    if enrolment.state == EnrolmentState.WITHDRAWN:
        if enrolment.decided_at:
            return _("%(name)s withdrew from this activity on %(day)s. Nothing was recorded.") % {
                "name": name,
                "day": day_text(timezone.localtime(enrolment.decided_at)),
            }
        return _("%(name)s withdrew from this activity. Nothing was recorded.") % {"name": name}
    if enrolment.state not in CONFIRMED:
        state = EnrolmentState(enrolment.state).label.lower()
        return _(
            "%(name)s has no confirmed place (their registration is: %(state)s). Nothing was "
            "recorded."
        ) % {"name": name, "state": state}
    return None


def check_in_blocked_reason(enrolment: Enrolment, *, now=None) -> str | None:
    """Why this person cannot be checked in at the desk now, or None: their place (withdrawn,
    not confirmed; guardian consent of a minor from issue 5 on) and the activity's dates."""
    return presence_blocked_reason(enrolment) or check_in_window_reason(enrolment.activity, now=now)


def _session_day_reason(session: ActivitySession, activity: ActivityPage, *, now) -> str | None:
    today = timezone.localtime(now, activity.tz).date()
    day = session_local_date(session, activity)
    if day != today:
        return _(
            "%(session)s is on %(day)s, not today. Choose today's session at the top of the "
            "desk; past days are corrected in the attendance list. Nothing was recorded."
        ) % {"session": session.title or _("That session"), "day": day_text(day)}
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
            False, _("This is not a BSR Academy participant pass: the code cannot be read.")
        )
    ticket = pass_by_token(token)
    if ticket is None:
        return PassLookup(
            False,
            _("This pass is not valid: no pass has this code. It may be mistyped or forged."),
        )
    enrolment = ticket.enrolment
    if enrolment.activity_id != activity.pk:
        return PassLookup(
            False,
            _(
                "This pass is for another activity (%(other)s), not for %(activity)s. Nothing "
                "was recorded."
            )
            % {"other": enrolment.activity.title, "activity": activity.title},
        )
    if ticket.revoked_at is not None:
        return PassLookup(
            False,
            _(
                "This pass was cancelled on %(day)s: %(name)s no longer has a place. Nothing was "
                "recorded."
            )
            % {
                "day": day_text(timezone.localtime(ticket.revoked_at)),
                "name": person_name(enrolment.user),
            },
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
            raise CohortsError("refused", _("This person has no place at this activity."))
        now = timezone.now()
        reason = check_in_blocked_reason(enrolment, now=now) or _session_day_reason(
            session, activity, now=now
        )
        if reason:
            raise CohortsError("refused", reason)
        record, already = _record(
            enrolment, session, AttendanceStatus.PRESENT, actor=actor, method=method, now=now
        )
        attended_update(enrolment, activity, actor=actor, now=now)
    name = person_name(enrolment.user)
    if already:
        at = timezone.localtime(record.recorded_at, activity.tz)
        message = _("%(name)s was already checked in at %(time)s.") % {
            "name": name,
            "time": formats.time_format(at, "TIME_FORMAT"),
        }
    else:
        message = _("%(name)s is checked in.") % {"name": name}
    return CheckIn(enrolment, session, record, already, message)


def attendance_set(
    *, enrolment: Enrolment, session: ActivitySession, status: str, actor, method="list"
) -> CheckIn:
    """Record or correct one person's attendance at one session (present, absent or excused).
    A change of an existing record goes to the audit log. Present and absent can be recorded
    once the session's day has begun; excused also ahead of it."""
    if status not in AttendanceStatus.values:
        raise CohortsError("bad_status", _("Choose present, absent or excused."))
    with attendance_transaction():
        enrolment = _locked(enrolment.pk)
        activity = enrolment.activity.specific if enrolment.activity_id else None
        if activity is None or session.activity_id != activity.pk:
            raise CohortsError("refused", _("This person has no place at this activity."))
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
                _(
                    "%(session)s is on %(day)s: attendance can be recorded from that day on (an "
                    "absence can be excused ahead). Nothing was recorded."
                )
                % {"session": session.title or _("That session"), "day": day_text(session_day)},
            )
        record, unchanged = _record(enrolment, session, status, actor=actor, method=method, now=now)
        cleared = attended_update(enrolment, activity, actor=actor, now=now)
    name = person_name(enrolment.user)
    facts = {
        "name": name,
        "status": AttendanceStatus(status).label.lower(),
        "session": session.title or _("this session"),
    }
    if unchanged:
        # Translators: "Anna Berzina was already recorded absent for Day 2."
        message = _("%(name)s was already recorded %(status)s for %(session)s.") % facts
    else:
        # Translators: "Anna Berzina is recorded absent for Day 2."
        message = _("%(name)s is recorded %(status)s for %(session)s.") % facts
    if cleared:
        message += " " + _(
            "%(name)s no longer meets the activity's attendance rule; a certificate already "
            "issued stays valid until it is revoked."
        ) % {"name": name}
    return CheckIn(enrolment, session, record, unchanged, message)


def _locked(enrolment_id: int) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("activity", "user__profile")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None:
        raise CohortsError("not_found", _("That place no longer exists."))
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
            recorded_by=actor_of(actor),
            recorded_at=now,
            method=method,
        )
        return record, False
    before = record.status
    record.status = status
    record.recorded_by = actor_of(actor)
    record.recorded_at = now
    record.method = method
    record.save(update_fields=["status", "recorded_by", "recorded_at", "method"])
    log(
        instance=record,
        action="cohorts.attendance.correct",
        user=actor_of(actor),
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
