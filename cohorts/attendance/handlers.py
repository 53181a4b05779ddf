"""Handlers of attendance, declared in the event catalogue (cohorts/event_types.py): a confirmed
activity place gets its pass, a withdrawn one loses it. Both converge when run again."""

from cohorts.attendance import services as attendance
from cohorts.places.models import Enrolment
from lms.models import Event


def _activity_place(event: Event) -> Enrolment | None:
    if not event.payload.get("activity_id"):
        return None
    return (
        Enrolment.objects.select_related("activity")
        .filter(pk=event.payload.get("enrolment_id"))
        .first()
    )


def pass_issue(event: Event) -> None:
    """`cohorts.enrolment.accepted` for an activity place: issue its pass."""
    enrolment = _activity_place(event)
    if enrolment is not None:
        attendance.pass_ensure(enrolment=enrolment)


def pass_revoke(event: Event) -> None:
    """`cohorts.enrolment.withdrawn` for an activity place: the pass stops working."""
    enrolment = _activity_place(event)
    if enrolment is not None:
        attendance.pass_revoke(enrolment=enrolment)
