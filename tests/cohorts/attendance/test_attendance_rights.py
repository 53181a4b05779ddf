"""Door staff's rights end some days after the activity, and the group leaders' dietary and
medical notes are shown only to those who look after the participants, while they need them."""

from html import unescape

import pytest
from django.urls import reverse

from cohorts.models import Enrolment, EnrolmentSource, EnrolmentState, YouthGroup
from tests.cohorts import attendance_builders as builders
from tests.cohorts.attendance_builders import DAY_1, DAY_3, at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

desk_staff = builders.desk_staff
organiser = builders.organiser
tabletop = builders.tabletop

NOTES = "Coeliac: gluten-free meals; asthma inhaler in the red bag"


@pytest.fixture
def noted(tabletop):
    """A group-booked place at the exercise with a dietary and medical note."""
    group = YouthGroup.objects.create(
        name="Jaunie glābēji", organisation="VUGD jaunatne", country="LV", kind="rescue_youth"
    )
    child = UserFactory(profile__full_name="Līga Kalniņa", profile__country="LV")
    group.members.create(person=child, first_name="Līga", family_name="Kalniņa", birth_year=2016)
    return Enrolment.objects.create(
        user=child,
        activity=tabletop,
        group=group,
        state=EnrolmentState.ACCEPTED,
        source=EnrolmentSource.GROUP,
        country="LV",
        care_notes=NOTES,
    )


def notes_url(activity) -> str:
    return reverse("groups:care_notes", args=[activity.pk])


def desk_url(activity) -> str:
    return reverse("cohorts:check_in_desk", args=[activity.pk])


def test_door_staff_lose_the_desk_two_days_after_the_activity(
    tabletop, desk_staff, clock, client, settings
):
    settings.CHECKIN_STAFF_ACCESS_DAYS = 2
    client.force_login(desk_staff(tabletop))

    at(clock, f"{DAY_3} 15:00")
    assert client.get(desk_url(tabletop)).status_code == 200
    # The desk has closed: two more days to enter the paper sheets in the list.
    at(clock, "2030-01-19 23:59")
    assert client.get(desk_url(tabletop)).status_code == 200
    assert client.get(reverse("cohorts:attendance", args=[tabletop.pk])).status_code == 200
    at(clock, "2030-01-20 00:00")
    for url in (desk_url(tabletop), reverse("cohorts:attendance", args=[tabletop.pk])):
        assert client.get(url).status_code == 404
    assert "Storm Surge" not in client.get(reverse("my_learning")).content.decode()


def test_organisers_keep_the_desk_after_the_door_staffs_rights_end(
    tabletop, organiser, clock, client
):
    client.force_login(organiser(tabletop))
    at(clock, "2030-02-20 10:00")
    assert client.get(desk_url(tabletop)).status_code == 200


def test_door_staff_see_the_care_notes_on_the_activitys_days_only(
    tabletop, noted, desk_staff, clock, client
):
    client.force_login(desk_staff(tabletop))

    at(clock, "2030-01-14 18:00")  # the evening before
    response = client.get(notes_url(tabletop))
    assert response.status_code == 403
    assert NOTES not in response.content.decode()
    assert "on the activity's days only" in unescape(response.content.decode())
    assert notes_url(tabletop) not in client.get(desk_url(tabletop)).content.decode()

    at(clock, f"{DAY_1} 08:30")
    response = client.get(notes_url(tabletop))
    assert response.status_code == 200
    assert NOTES in response.content.decode() and "Līga Kalniņa" in response.content.decode()
    assert notes_url(tabletop) in client.get(desk_url(tabletop)).content.decode()

    at(clock, "2030-01-18 00:00")  # the desk has closed; the rights last two more days
    response = client.get(notes_url(tabletop))
    assert response.status_code == 403 and NOTES not in response.content.decode()


def test_organisers_see_the_care_notes_to_prepare_until_the_activity_ends(
    tabletop, noted, organiser, clock, client
):
    client.force_login(organiser(tabletop))
    at(clock, "2030-01-05 10:00")
    assert NOTES in client.get(notes_url(tabletop)).content.decode()
    at(clock, "2030-01-18 09:00")
    response = client.get(notes_url(tabletop))
    assert response.status_code == 403
    assert NOTES not in response.content.decode()
    assert "The activity is over" in response.content.decode()


def test_nobody_else_learns_the_care_notes_exist(tabletop, noted, clock, client):
    at(clock, f"{DAY_1} 10:00")
    client.force_login(UserFactory(is_staff=True))
    assert client.get(notes_url(tabletop)).status_code == 404
    client.logout()
    assert client.get(notes_url(tabletop)).status_code in (302, 404)
