"""Two desks and a double scan at the same moment, with real threads on PostgreSQL: one record,
one `programmes.activity.attended` event, no error. PostgreSQL only."""

import threading

import pytest
from django.conf import settings
from django.db import connection
from django_q.conf import Conf

from cohorts.attendance import services as attendance
from cohorts.models import AttendanceRecord
from lms.models import Event
from tests.cohorts import attendance_builders as builders
from tests.cohorts.attendance_builders import DAY_1, DAY_2, DAY_3, at, session_on

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)"),
]

# The shared fixtures, used by name.
desk_staff = builders.desk_staff
register = builders.register
tabletop = builders.tabletop
WORKERS = 8


@pytest.fixture(autouse=True)
def queued_jobs(monkeypatch):
    """Jobs go to the queue for the cluster, as from a web process: not what is measured."""
    monkeypatch.setattr(Conf, "SYNC", False)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_check_ins_of_one_person_record_once_and_emit_once(
    tabletop, register, desk_staff, clock
):
    staff = desk_staff(tabletop)
    place = register(tabletop, name="Žydrūnas Šimkus", country="LT")
    for day in (DAY_1, DAY_2):
        at(clock, f"{day} 09:00")
        attendance.check_in(enrolment=place, session=session_on(tabletop, day), actor=staff)
    at(clock, f"{DAY_3} 09:00")
    day_3 = session_on(tabletop, DAY_3)
    barrier = threading.Barrier(WORKERS)
    lock = threading.Lock()
    results, errors = [], []

    def desk():
        try:
            barrier.wait(timeout=30)
            done = attendance.check_in(enrolment=place, session=day_3, actor=staff)
            with lock:
                results.append(done.already)
        except Exception as exc:  # noqa: BLE001 (collected and asserted below)
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(results) == [False] + [True] * (WORKERS - 1)
    assert AttendanceRecord.objects.filter(enrolment=place, session=day_3).count() == 1
    assert (
        Event.objects.filter(
            name="programmes.activity.attended", payload__enrolment_id=place.pk
        ).count()
        == 1
    )
