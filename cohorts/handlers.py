"""Handlers of cohort and learning events, registered in CohortsConfig.ready()."""

from cohorts import services
from cohorts.models import Cohort
from lms import events
from lms.models import Event
from programmes.models import ActivityPage


def waitlist_promote_on_withdrawal(event: Event) -> None:
    """A freed place goes to the next eligible person on the waitlist."""
    if not event.payload.get("freed"):
        return
    if event.payload.get("cohort_id"):
        target = Cohort.objects.filter(pk=event.payload["cohort_id"]).first()
    else:
        target = ActivityPage.objects.filter(pk=event.payload.get("activity_id")).first()
    if target is not None:
        services.waitlist_promote_locked(target=target)


def completion_check(event: Event) -> None:
    """Module completion or attendance may complete a cohort enrolment."""
    user_id = event.payload.get("user_id")
    if user_id:
        services.enrolment_complete_check(user_id=user_id)


def register_all() -> None:
    events.register("cohorts.enrolment.withdrawn", waitlist_promote_on_withdrawal)
    events.register("programmes.module.completed", completion_check)
    events.register("programmes.activity.attended", completion_check)
