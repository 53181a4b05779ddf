"""Someone who withdrew from an activity may register again while registration is open: a new
place through the same rules (the end of the waitlist if the activity is full), the withdrawn one
kept as history. One live place per person and activity stays a database rule. Cohorts take
nobody back."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cohorts.errors import CohortsError
from cohorts.models import Enrolment, EnrolmentState
from cohorts.places import services
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

S = EnrolmentState


@pytest.fixture
def workshop(make_activity):
    return make_activity(
        title="Flood barrier workshop in Pärnu",
        capacity=1,
        registration_opens_at=timezone.now() - timedelta(days=1),
        registration_closes_at=timezone.now() + timedelta(days=10),
        starts_at=timezone.now() + timedelta(days=20),
        ends_at=timezone.now() + timedelta(days=20, hours=3),
    )


def test_a_participant_who_withdrew_registers_again_on_the_activity_page(
    client, make_person, workshop, django_capture_on_commit_callbacks
):
    person = make_person("EE", full_name="Õie Täht")
    first = services.registration_create(user=person, activity=workshop)
    services.enrolment_withdraw(enrolment=first, actor=person)
    client.force_login(person)

    page = visible_text(client.get(workshop.url))
    assert "Withdrawn." in page and "You can register again" in page
    assert f"Register for {workshop.title}" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cohorts:activity_register", args=[workshop.pk]), follow=True
        )

    assert "You are registered" in visible_text(response)
    places = list(Enrolment.objects.filter(user=person, activity=workshop).order_by("pk"))
    assert [p.state for p in places] == [S.WITHDRAWN, S.ACCEPTED]
    assert places[1].participant_pass.revoked_at is None
    page = visible_text(client.get(workshop.url))
    assert "You can register again" not in page and "See or withdraw my registration" in page
    # My learning has one pass for the activity, that of the new place.
    mine = visible_text(client.get(reverse("my_learning")))
    assert mine.count(f"Pass for {workshop.title}") == 1
    assert "Withdrawn" not in mine


def test_registering_again_joins_the_end_of_the_waitlist_when_the_place_went_to_someone_else(
    make_person, workshop
):
    leaver = make_person("LV")
    first = services.registration_create(user=leaver, activity=workshop)
    services.enrolment_withdraw(enrolment=first, actor=leaver)
    newcomer = services.registration_create(user=make_person("LT"), activity=workshop)

    again = services.registration_create(user=leaver, activity=workshop)

    assert newcomer.state == S.ACCEPTED
    assert again.state == S.WAITLISTED


def test_a_live_registration_cannot_be_made_twice(make_person, workshop):
    person = make_person("FI")
    services.registration_create(user=person, activity=workshop)

    with pytest.raises(CohortsError) as error:
        services.registration_create(user=person, activity=workshop)
    assert error.value.message == "You are already registered for this activity."
    # Even a path that forgot to check meets the database's rule.
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(activity=workshop, user=person, country="FI", state=S.WAITLISTED,
                                 waitlist_seq=10**6)  # fmt: skip
    assert Enrolment.objects.filter(user=person, activity=workshop).count() == 1


def test_a_cohort_takes_nobody_back(make_person, make_cohort):
    cohort = make_cohort()
    person = make_person("SE")
    first = services.enrolment_apply(user=person, cohort=cohort)
    services.enrolment_withdraw(enrolment=first, actor=person)

    with pytest.raises(CohortsError) as error:
        services.enrolment_apply(user=person, cohort=cohort)
    assert error.value.code == "duplicate"
