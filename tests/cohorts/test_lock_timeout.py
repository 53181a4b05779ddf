"""A place transaction that waits too long for the cohort's lock gives a friendly "busy" and
changes nothing, instead of a server error. PostgreSQL only (SQLite serialises writers)."""

import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from cohorts import services
from cohorts.models import Cohort, Enrolment

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
                list(Cohort.objects.select_for_update().filter(pk=cohort.pk))
                holding.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with pytest.raises(services.CohortsError) as caught:
            services.enrolment_apply(user=person, cohort=cohort)
    finally:
        release.set()
        holder.join(timeout=10)
    assert caught.value.code == "busy"
    assert "try again" in caught.value.message
    assert not Enrolment.objects.filter(user=person).exists()
    # Once the lock is free the same application goes through.
    assert services.enrolment_apply(user=person, cohort=cohort).state == "accepted"
