"""A place transaction that waits too long for the cohort's lock gives a friendly "busy" and
changes nothing, instead of a server error. PostgreSQL only (SQLite serialises writers)."""

import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from cohorts.errors import CohortsError
from cohorts.models import Enrolment
from cohorts.places import services
from cohorts.places.services import book

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)"),
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_long_lock_wait_becomes_busy_and_changes_nothing(make_cohort, make_person, settings):
    settings.COHORTS_LOCK_TIMEOUT_MS = 300
    cohort = make_cohort(capacity=5)
    person = make_person("EE")
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():
                book.place_lock(cohort)
                holding.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with pytest.raises(CohortsError) as caught:
            services.enrolment_apply(user=person, cohort=cohort)
    finally:
        release.set()
        holder.join(timeout=10)
    assert caught.value.code == "busy"
    assert "try again" in caught.value.message
    assert not Enrolment.objects.filter(user=person).exists()
    # Once the lock is free the same application goes through.
    assert services.enrolment_apply(user=person, cohort=cohort).state == "accepted"


def _waiting_for_place_locks() -> int:
    with connection.cursor() as cursor:
        # This run's database only: another run's tests may wait on the same server.
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_someone_about_to_take_a_place_is_not_overtaken_by_later_waitlist_answers(make_cohort):
    """A steady stream of "waitlist" answers (shared lock) must not starve a person who may get
    a place (exclusive lock): those who come after the waiting person queue behind them."""
    cohort = make_cohort(capacity=5)
    order: list[str] = []
    release = threading.Event()
    first_sharer_holding = threading.Event()

    def in_thread(name: str, *, shared: bool, hold: threading.Event | None = None):
        def run():
            try:
                with transaction.atomic():
                    book.place_lock(cohort, shared=shared)
                    order.append(name)
                    if hold is not None:
                        first_sharer_holding.set()
                        hold.wait(timeout=10)
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def wait_for_waiters(count: int) -> None:
        for _ in range(200):
            if _waiting_for_place_locks() >= count:
                return
            threading.Event().wait(0.05)
        raise AssertionError(f"expected {count} waiting lock request(s)")

    threads = [in_thread("sharer 1", shared=True, hold=release)]
    assert first_sharer_holding.wait(timeout=10)
    threads.append(in_thread("place taker", shared=False))
    wait_for_waiters(1)
    threads.append(in_thread("sharer 2", shared=True))
    wait_for_waiters(2)
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert order == ["sharer 1", "place taker", "sharer 2"]
