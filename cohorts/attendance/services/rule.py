"""The attended rule: a participant who was present enough of an activity has attended it, and
`programmes.activity.attended` is emitted once; rechecked when sessions or the rule change."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from cohorts.attendance.models import (
    ActivityAttendance,
    ActivitySession,
    AttendanceRecord,
    AttendanceRule,
    AttendanceStatus,
)
from cohorts.attendance.services.base import (
    ATTENDED_EVENT,
    actor_of,
)
from cohorts.places.models import CONFIRMED, Enrolment
from lms.events import emit
from programmes.models import ActivityPage


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


def attended_update(enrolment: Enrolment, activity: ActivityPage, *, actor, now) -> bool:
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
            user=actor_of(actor),
            data={"activity_id": activity.pk, "attended_at": enrolment.attended_at.isoformat()},
        )
        enrolment.attended_at = None
        enrolment.save(update_fields=["attended_at", "updated_at"])
        return True
    return False


def attendance_recheck_all(activity: ActivityPage) -> None:
    """After the sessions change: the rule again for every confirmed place."""
    now = timezone.now()
    ids = Enrolment.objects.filter(activity_id=activity.pk, state__in=CONFIRMED).values_list(
        "pk", flat=True
    )
    for enrolment in Enrolment.objects.select_for_update().filter(pk__in=list(ids)):
        attended_update(enrolment, activity, actor=None, now=now)


def attendance_rule_apply(*, activity: ActivityPage, actor=None) -> int:
    """Inside the admin's save (its transaction): re-check everyone after the rule itself
    changed; returns how many places now count as attended."""
    with transaction.atomic():
        attendance_recheck_all(activity)
    return Enrolment.objects.filter(activity_id=activity.pk, attended_at__isnull=False).count()
