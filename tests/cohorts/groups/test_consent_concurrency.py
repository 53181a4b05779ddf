"""A guardian's answer racing other writers, with real threads on PostgreSQL: the same link pressed
many times at once decides once; consent and the leader cancelling the booking at the same moment
end in one consistent outcome, never a deadlock or a 500. PostgreSQL only."""

import pytest
from django.conf import settings
from django_q.conf import Conf

from cohorts.models import EnrolmentState
from cohorts.places.services.book import (
    enrolment_reload,
    enrolment_withdraw_under_lock,
    place_lock,
    place_transaction,
)
from lms.consent.services import consent_cancel, consent_give, consent_refuse
from lms.errors import LmsError
from lms.models import ConsentState, Event, GuardianConsent
from tests.cohorts.consent_builders import hold_for_consent, latest_link, member_of, youth_group
from tests.threads import at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GUARDIAN = "anna.berzina@example.lv"


@pytest.fixture(autouse=True)
def queued_jobs(monkeypatch):
    """Jobs go to the queue for the cluster, as from a web process: not what is measured."""
    monkeypatch.setattr(Conf, "SYNC", False)


@pytest.fixture
def held(make_activity):
    activity = make_activity(title="Baltic Youth Exchange: Liepāja", capacity=5)
    return hold_for_consent(activity, member_of(youth_group()))


def test_one_link_pressed_many_times_at_once_decides_once(held):
    token = latest_link(GUARDIAN)
    consent = GuardianConsent.objects.get(subject_key=f"enrolment:{held.pk}")

    def give():
        return consent_give(
            token=token, consent_id=consent.pk, guardian_name="Anna", notice_version="2026-1"
        )

    def refuse():
        return consent_refuse(token=token, consent_id=consent.pk, guardian_name="Anna")

    results, errors = at_once([give, refuse] * 6, workers=12)

    assert len(results) == 1
    assert len(errors) == 11 and all(isinstance(error, LmsError) for error in errors)
    assert {error.code for error in errors} <= {"used", "busy", "conflict"}
    consent.refresh_from_db()
    held.refresh_from_db()
    if consent.state == ConsentState.GIVEN:
        assert held.state == EnrolmentState.ACCEPTED
    else:
        assert consent.state == ConsentState.REFUSED and held.state == EnrolmentState.WITHDRAWN
    decided = Event.objects.filter(name__in=["lms.consent.given", "lms.consent.refused"])
    assert list(decided.values_list("name", flat=True)) == [f"lms.consent.{consent.state}"]


def test_consent_and_the_leader_cancelling_at_once_end_consistently(held):
    token = latest_link(GUARDIAN)
    consent = GuardianConsent.objects.get(subject_key=f"enrolment:{held.pk}")

    def give():
        return consent_give(
            token=token, consent_id=consent.pk, guardian_name="Anna", notice_version="2026-1"
        )

    def cancel_booking():
        # The order a group booking's cancellation takes: the place lock, then the consent.
        with place_transaction():
            enrolment = enrolment_reload(held.pk)
            target = enrolment.activity.specific
            place_lock(target)
            enrolment.refresh_from_db(fields=["state"])
            enrolment_withdraw_under_lock(
                enrolment, target, reason="the group cancelled", actor=None
            )
            consent_cancel(subject_key=f"enrolment:{held.pk}")
        return "cancelled"

    results, errors = at_once([give, cancel_booking], workers=2)

    for error in errors:
        # The loser is told in words (the place is gone, or the link no longer open).
        assert isinstance(error, LmsError) or error.__class__.__name__ == "CohortsError", error
    consent.refresh_from_db()
    held.refresh_from_db()
    assert held.state == EnrolmentState.WITHDRAWN
    assert consent.state == ConsentState.CANCELLED
