"""Two workers delivering the same event at once (the ORM broker delivers at least once, and the
sweeper may overlap a slow first dispatch): the handler still runs once. PostgreSQL only."""

import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from lms import events
from lms.models import Delivery

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)"),
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_dispatch_runs_the_handler_once(event_declare):
    event_declare("tests.concurrent")
    calls = []
    lock = threading.Lock()

    def slow(event):
        with lock:
            calls.append(threading.get_ident())
        time.sleep(0.3)

    events.register("tests.concurrent", slow, name="slow")
    event = events.emit("tests.concurrent", key="concurrent:1")
    Delivery.objects.filter(event=event).delete()  # undo the inline on-commit dispatch
    calls.clear()
    type(event).objects.filter(pk=event.pk).update(dispatched_at=None)

    barrier = threading.Barrier(4)
    errors = []

    def worker():
        try:
            barrier.wait()
            events.event_dispatch(event_id=event.pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(calls) == 1
    delivery = Delivery.objects.get(event=event)
    assert delivery.status == Delivery.Status.DONE
    assert delivery.attempts == 1
