"""An activity's waitlist offer never runs past the activity's start: near the start its window
shortens, and with too little time left to answer no offer is made at all (the waitlist stays
and nobody is told anything wrong). The expiry job follows the same rule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cohorts.models import EnrolmentState
from cohorts.places import services
from lms.models import OutgoingEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity_starting(make_activity):
    def make(delta: timedelta, **kwargs):
        starts = timezone.now() + delta
        return make_activity(
            title="Table-top exercise: winter storm",
            capacity=1,
            starts_at=starts,
            ends_at=starts + timedelta(hours=8),
            registration_closes_at=starts,
            **kwargs,
        )

    return make


def _full_with_one_waiting(activity, make_person, capture):
    holder, waiting = make_person("EE"), make_person("LV")
    with capture(execute=True):
        services.registration_create(user=holder, activity=activity)
        services.registration_create(user=waiting, activity=activity)
    return activity.registrations.get(user=holder), activity.registrations.get(user=waiting)


def test_an_offer_ends_when_the_activity_starts(
    activity_starting, make_person, django_capture_on_commit_callbacks
):
    # 48 hours would run until well after the start (and the end) of the activity.
    activity = activity_starting(timedelta(hours=10))
    holder, waiting = _full_with_one_waiting(
        activity, make_person, django_capture_on_commit_callbacks
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=holder, actor=holder.user)

    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.OFFERED
    assert waiting.offer_expires_at == activity.starts_at
    offer = OutgoingEmail.objects.get(recipient=waiting.user.email, reason__contains="offered")
    assert "The offer is open for 10 hours" in offer.body_text


@pytest.mark.parametrize("minutes_left, minimum", [(30, 60), (90, 120)])
def test_no_offer_is_made_when_it_could_not_be_answered_in_time(
    settings,
    activity_starting,
    make_person,
    django_capture_on_commit_callbacks,
    minutes_left,
    minimum,
):
    settings.COHORTS_OFFER_MIN_MINUTES = minimum
    activity = activity_starting(timedelta(minutes=minutes_left))
    holder, waiting = _full_with_one_waiting(
        activity, make_person, django_capture_on_commit_callbacks
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=holder, actor=holder.user)

    waiting.refresh_from_db()
    assert (waiting.state, waiting.offer_expires_at) == (EnrolmentState.WAITLISTED, None)
    assert not OutgoingEmail.objects.filter(
        recipient=waiting.user.email, reason__contains="offered"
    ).exists()
    assert services.waitlist_promote(target=activity) == []


def test_the_expiry_job_ends_an_offer_at_the_start_and_offers_no_more(
    clock, activity_starting, make_person, django_capture_on_commit_callbacks
):
    activity = activity_starting(timedelta(hours=5))
    holder, waiting = _full_with_one_waiting(
        activity, make_person, django_capture_on_commit_callbacks
    )
    third = make_person("PL")
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(user=third, activity=activity)
        services.enrolment_withdraw(enrolment=holder, actor=holder.user)
    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.OFFERED
    # An offer made before offers were tied to the start: it would outlive the activity.
    type(waiting).objects.filter(pk=waiting.pk).update(
        offer_expires_at=timezone.now() + timedelta(hours=48)
    )

    clock.advance(hours=5, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.offers_expire() == 1

    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.WITHDRAWN
    assert activity.registrations.get(user=third).state == EnrolmentState.WAITLISTED
    assert not OutgoingEmail.objects.filter(
        recipient=third.email, reason__contains="offered"
    ).exists()
