"""Events recorded before the move to capability packages: deliveries stored under the handler
names of the earlier layout are not handled again after the upgrade, and what was left
undelivered (or failed and is due again) runs exactly once."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from lms import events
from lms.models import Delivery, Event

pytestmark = pytest.mark.django_db

ACCEPTED = "cohorts.enrolment.accepted"
# The names the earlier layout stored for this event's handlers, in the order they run.
OLD_NAMES = [
    "cohorts.handlers.cohort_activities_register",
    "cohorts.handlers.accepted_email_send",
    "cohorts.handlers_attendance.pass_issue",
    "cohorts.handlers_surveys.survey_invite_on_accepted",
]


@pytest.fixture
def calls():
    """Each registered handler of the event counts its runs instead of acting (the registry is
    restored after the test)."""
    counted = Counter()

    def counting(name):
        def handler(event):
            counted[(event.key, name)] += 1

        return handler

    for name in events.handlers_for(ACCEPTED):
        events.register(ACCEPTED, counting(name), name=name)
    return counted


def _before_upgrade(key: str, *, done=(), failed=()) -> Event:
    """An event as the earlier release left it: created a while ago, not marked dispatched,
    with the deliveries it recorded under the old names."""
    now = timezone.now()
    event = Event.objects.create(
        name=ACCEPTED,
        key=key,
        payload={"enrolment_id": 1, "user_id": 1, "cohort_id": 1},
        created_at=now - timedelta(hours=1),
    )
    for name in done:
        Delivery.objects.create(
            event=event, handler=name, status=Delivery.Status.DONE, attempts=1, completed_at=now
        )
    for name in failed:
        Delivery.objects.create(
            event=event,
            handler=name,
            status=Delivery.Status.FAILED,
            attempts=1,
            next_attempt_at=now - timedelta(minutes=1),
        )
    return event


def test_the_registered_names_are_the_old_ones():
    assert list(events.handlers_for(ACCEPTED)) == OLD_NAMES


def test_after_the_upgrade_delivered_events_are_not_handled_again_and_the_rest_run_once(calls):
    delivered = _before_upgrade("before:delivered", done=OLD_NAMES)
    undelivered = _before_upgrade("before:undelivered")
    halfway = _before_upgrade("before:halfway", done=OLD_NAMES[:2], failed=OLD_NAMES[2:3])

    # The sweeper picks up what the earlier release left; running it again changes nothing.
    assert events.event_sweep() == 3
    assert events.event_sweep() == 0
    for event in (delivered, undelivered, halfway):
        events.event_dispatch(event_id=event.pk)

    assert calls == Counter(
        {("before:undelivered", name): 1 for name in OLD_NAMES}
        | {("before:halfway", name): 1 for name in OLD_NAMES[2:]}
    )
    for event in (delivered, undelivered, halfway):
        event.refresh_from_db()
        assert event.dispatched_at is not None
        deliveries = Delivery.objects.filter(event=event)
        assert sorted(deliveries.values_list("handler", flat=True)) == sorted(OLD_NAMES)
        assert set(deliveries.values_list("status", flat=True)) == {Delivery.Status.DONE}
    assert Delivery.objects.count() == 3 * len(OLD_NAMES)
