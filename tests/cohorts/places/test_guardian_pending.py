"""An account waiting for a guardian's approval takes no place: registering for an activity,
applying to a cohort and confirming a nomination are refused with a clear message, and work once
the guardian has approved from the e-mailed link."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cohorts.errors import CohortsError
from cohorts.models import Enrolment, EnrolmentMode, EnrolmentState
from cohorts.places import services
from lms.models import Profile, User
from tests.lms.minors import consent_token, guardian_answers, signup, signup_data
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

PENDING = (
    "Your account is waiting for your guardian's approval; you can register once they have "
    "approved it."
)


@pytest.fixture
def workshop(make_activity):
    return make_activity(
        title="Youth first-aid workshop",
        capacity=10,
        registration_opens_at=timezone.now() - timedelta(days=1),
        registration_closes_at=timezone.now() + timedelta(days=10),
        starts_at=timezone.now() + timedelta(days=20),
        ends_at=timezone.now() + timedelta(days=20, hours=3),
    )


@pytest.fixture
def minor(client, django_capture_on_commit_callbacks) -> User:
    """A 14-year-old Dane who signed up, reading the site in English, and is logged in with
    `client`."""
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, signup_data(years=14, preferred_language="en"))
    user = User.objects.get(email="soren@example.dk")
    assert user.profile.awaiting_guardian
    return user


def test_a_pending_account_cannot_register_for_an_activity(client, minor, workshop):
    response = client.post(reverse("cohorts:activity_register", args=[workshop.pk]), follow=True)

    assert response.status_code == 200
    assert PENDING in visible_text(response)
    assert not Enrolment.objects.filter(user=minor).exists()
    with pytest.raises(CohortsError) as error:
        services.registration_create(user=minor, activity=workshop)
    assert (error.value.code, error.value.message) == ("guardian_pending", PENDING)


def test_the_activity_page_says_why_instead_of_offering_to_register(client, minor, workshop):
    page = visible_text(client.get(workshop.url))
    assert PENDING in page
    assert "Register for Youth first-aid workshop" not in page


def test_a_pending_account_cannot_apply_to_a_cohort(client, minor, make_cohort):
    cohort = make_cohort()

    response = client.post(reverse("cohorts:apply", args=[cohort.slug]), {})

    assert response.status_code == 200
    assert PENDING in visible_text(response)
    assert not Enrolment.objects.filter(user=minor).exists()


def test_a_pending_account_cannot_confirm_a_nomination(minor, make_cohort, staff):
    cohort = make_cohort()
    enrolment = Enrolment.objects.create(
        cohort=cohort, user=minor, country="DK", state=EnrolmentState.NOMINATED
    )

    with pytest.raises(CohortsError) as error:
        services.nomination_confirm(enrolment=enrolment, user=minor)

    assert error.value.code == "guardian_pending"
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.NOMINATED


def test_a_focal_point_cannot_nominate_a_pending_account(minor, make_cohort, make_focal_point):
    cohort = make_cohort(
        enrolment_mode=EnrolmentMode.NOMINATION,
        nomination_deadline=timezone.now() + timedelta(days=14),
    )
    focal_point = make_focal_point("DK")

    with pytest.raises(CohortsError) as error:
        services.nomination_create(
            actor=focal_point,
            cohort=cohort,
            nominee=services.Nominee(email=minor.email, full_name="Søren Ærø", country="DK"),
        )

    # The same neutral words as for any account that cannot be nominated: nothing says it is a
    # young person's.
    assert error.value.code == "not_nominable"
    assert error.value.message == services.NOT_NOMINABLE.format(email=minor.email)
    assert "guardian" not in error.value.message
    assert not Enrolment.objects.filter(user=minor).exists()


def test_once_the_guardian_approves_the_young_person_can_register(
    client, minor, workshop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        guardian_answers(Client(), consent_token(), "give")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cohorts:activity_register", args=[workshop.pk]), follow=True
        )

    assert "You are registered. We have sent you a confirmation." in visible_text(response)
    assert PENDING not in visible_text(client.get(workshop.url))
    registration = Enrolment.objects.get(user=minor, activity=workshop)
    assert registration.state == EnrolmentState.ACCEPTED
    assert str(registration.country) == "DK"
    assert not Profile.objects.get(user=minor).awaiting_guardian
