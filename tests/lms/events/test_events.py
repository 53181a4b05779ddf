"""Domain events: emitted once per key, delivered once per handler, retried with back-off,
swept when left undelivered."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from lms import events
from lms.models import Delivery, Event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _test_events(event_declare):
    event_declare("tests.thing.happened", "n")
    event_declare("tests.nobody.listens")


def test_emit_writes_one_row_per_key_and_dispatches_after_commit(
    django_capture_on_commit_callbacks,
):
    seen = []
    events.register("tests.thing.happened", lambda event: seen.append(event.payload["n"]))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            first = events.emit("tests.thing.happened", key="thing:1", payload={"n": 1})
            again = events.emit("tests.thing.happened", key="thing:1", payload={"n": 99})
            assert seen == [], "nothing is dispatched before commit"

    assert first.pk == again.pk
    assert Event.objects.filter(key="thing:1").count() == 1
    assert len(callbacks) == 1
    assert seen == [1]
    delivery = Delivery.objects.get(event=first)
    assert delivery.status == Delivery.Status.DONE
    assert delivery.attempts == 1
    first.refresh_from_db()
    assert first.dispatched_at is not None


def test_rolled_back_transaction_leaves_no_event_and_runs_no_handler(
    django_capture_on_commit_callbacks,
):
    seen = []
    events.register("tests.thing.happened", lambda event: seen.append(event.pk))

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            events.emit("tests.thing.happened", key="thing:rollback")
            raise RuntimeError("the change fails")

    assert not Event.objects.filter(key="thing:rollback").exists()
    assert seen == []


def test_dispatch_twice_runs_each_handler_once():
    calls = []
    events.register("tests.thing.happened", lambda event: calls.append("a"), name="a")
    events.register("tests.thing.happened", lambda event: calls.append("b"), name="b")
    event = events.emit("tests.thing.happened", key="thing:twice")

    events.event_dispatch(event_id=event.pk)
    events.event_dispatch(event_id=event.pk)

    assert sorted(calls) == ["a", "b"]
    assert set(event.deliveries.values_list("handler", "status")) == {
        ("a", Delivery.Status.DONE),
        ("b", Delivery.Status.DONE),
    }


def test_failing_handler_keeps_its_error_and_does_not_block_the_others():
    calls = []

    def broken(event):
        raise ValueError("mail server unreachable")

    events.register("tests.thing.happened", broken, name="broken")
    events.register("tests.thing.happened", lambda event: calls.append("ok"), name="ok")
    event = events.emit("tests.thing.happened", key="thing:broken")

    before = timezone.now()
    events.event_dispatch(event_id=event.pk)

    ok = Delivery.objects.get(event=event, handler="ok")
    failed = Delivery.objects.get(event=event, handler="broken")
    assert calls == ["ok"]
    assert ok.status == Delivery.Status.DONE
    assert failed.status == Delivery.Status.FAILED
    assert "mail server unreachable" in failed.last_error
    assert failed.next_attempt_at >= before + timedelta(seconds=29)
    event.refresh_from_db()
    assert event.dispatched_at is None, "an event with a failing handler stays undelivered"


def test_failed_handler_waits_for_its_back_off_then_succeeds():
    attempts = []

    def flaky(event):
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("temporary")

    events.register("tests.thing.happened", flaky, name="flaky")
    event = events.emit("tests.thing.happened", key="thing:flaky")
    events.event_dispatch(event_id=event.pk)
    events.event_dispatch(event_id=event.pk)
    assert len(attempts) == 1, "a retry before the back-off has passed is skipped"

    Delivery.objects.filter(event=event).update(next_attempt_at=timezone.now())
    events.event_dispatch(event_id=event.pk)

    delivery = Delivery.objects.get(event=event)
    assert len(attempts) == 2
    assert delivery.status == Delivery.Status.DONE
    assert delivery.attempts == 2


def test_back_off_grows_and_is_capped():
    delays = [events.retry_delay(n).total_seconds() for n in range(1, 12)]
    assert delays[:4] == [30, 60, 120, 240]
    assert delays == sorted(delays)
    assert max(delays) == 3600


def test_handler_gives_up_after_max_attempts():
    def broken(event):
        raise ValueError("always")

    events.register("tests.thing.happened", broken, name="broken")
    event = events.emit("tests.thing.happened", key="thing:dead")
    for _ in range(events.MAX_ATTEMPTS + 2):
        Delivery.objects.filter(event=event).update(next_attempt_at=None)
        events.event_dispatch(event_id=event.pk)

    delivery = Delivery.objects.get(event=event)
    assert delivery.status == Delivery.Status.DEAD
    assert delivery.attempts == events.MAX_ATTEMPTS
    event.refresh_from_db()
    assert event.dispatched_at is not None, "a dead delivery is final: the sweeper stops"


def test_handler_database_changes_roll_back_with_its_failure():
    from lms.models import Organisation

    def half_done(event):
        Organisation.objects.create(name="Written before the failure", country="EE")
        raise ValueError("failed half-way")

    events.register("tests.thing.happened", half_done, name="half")
    event = events.emit("tests.thing.happened", key="thing:half")
    events.event_dispatch(event_id=event.pk)

    assert not Organisation.objects.filter(name="Written before the failure").exists()


def test_sweeper_delivers_events_whose_dispatch_was_lost():
    seen = []
    events.register("tests.thing.happened", lambda event: seen.append(event.key))
    # Written outside any on-commit dispatch, as if the queue had lost the job.
    old = Event.objects.create(
        name="tests.thing.happened",
        key="thing:lost",
        created_at=timezone.now() - timedelta(minutes=5),
    )
    fresh = Event.objects.create(name="tests.thing.happened", key="thing:fresh")

    swept = events.event_sweep()

    assert swept == 1
    assert seen == ["thing:lost"], "young events are left to their own dispatch"
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.dispatched_at is not None
    assert fresh.dispatched_at is None
    assert events.event_sweep() == 0, "a second sweep finds nothing left"


def test_event_without_handlers_is_marked_dispatched():
    event = events.emit("tests.nobody.listens", key="nobody:1")
    events.event_dispatch(event_id=event.pk)
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert not event.deliveries.exists()


def test_sweep_schedules_exist_once_after_migrate():
    from django.core.management import call_command
    from django_q.models import Schedule

    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)
    names = list(Schedule.objects.values_list("name", flat=True))
    assert names.count("lms.event_sweep") == 1
    assert names.count("lms.email_sweep") == 1
    sweep = Schedule.objects.get(name="lms.event_sweep")
    assert sweep.func == "lms.tasks.event_sweep_task"
    assert sweep.repeats == -1
