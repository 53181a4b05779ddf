"""Registering for an activity from its page: the box that says where I stand, the waitlist when
it is full, withdrawing through my place, the online link only for people with a place (page,
calendar files), and My learning's upcoming activities made of real places."""

from datetime import timedelta

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Enrolment, EnrolmentState
from cohorts.places import services
from programmes.models import ActivityKind, CalendarFeed
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

LINK = "https://meet.example.org/bep-sendai-4711"


@pytest.fixture
def webinar(make_activity):
    return make_activity(
        title="Sendai Framework webinar",
        kind=ActivityKind.WEBINAR,
        venue_name="",
        venue_city="",
        venue_country="",
        online_url=LINK,
        capacity=2,
        registration_opens_at=timezone.now() - timedelta(days=1),
        registration_closes_at=timezone.now() + timedelta(days=10),
        starts_at=timezone.now() + timedelta(days=20),
        ends_at=timezone.now() + timedelta(days=20, hours=2),
    )


def register_url(activity) -> str:
    return reverse("cohorts:activity_register", args=[activity.pk])


def test_an_anonymous_visitor_is_asked_to_log_in_and_the_page_stays_cacheable(client, webinar):
    first = client.get(webinar.url)
    second = client.get(webinar.url)

    text = visible_text(first)
    assert "Take part" in text and "Log in to register" in text
    login = reverse("login") + "?next=" + (webinar.url + "#register").replace("/", "%2F")
    assert f'href="{login.replace("#", "%23")}"' in first.content.decode()
    assert LINK not in first.content.decode()
    assert "csrfmiddlewaretoken" not in first.content.decode()
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")


def test_registering_gives_a_place_and_shows_the_online_link_to_me_only(
    client, webinar, make_person
):
    person = make_person("LV")
    client.force_login(person)

    before = client.get(webinar.url)
    response = client.post(register_url(webinar), follow=True)

    assert "Register" in visible_text(before) and LINK not in before.content.decode()
    registration = Enrolment.objects.get(activity=webinar, user=person)
    assert registration.state == EnrolmentState.ACCEPTED
    text = visible_text(response)
    assert "You are registered. We have sent you a confirmation." in text
    assert f"Join online: {LINK}" in text
    assert f'href="{reverse("cohorts:place", args=[registration.pk])}"' in (
        response.content.decode()
    )
    assert LINK in visible_text(client.get(reverse("cohorts:place", args=[registration.pk])))
    assert LINK not in Client().get(webinar.url).content.decode()
    client.force_login(make_person("EE"))
    assert LINK not in client.get(webinar.url).content.decode()


def test_a_full_activity_puts_me_on_the_waitlist_with_my_position(client, webinar, make_person):
    for country in ("EE", "FI"):
        services.registration_create(user=make_person(country), activity=webinar)
    person = make_person("LV")
    client.force_login(person)

    response = client.post(register_url(webinar), follow=True)

    assert Enrolment.objects.get(activity=webinar, user=person).state == "waitlisted"
    text = visible_text(response)
    assert "you are on the waitlist" in text
    assert "You are number 1 on the waitlist" in text
    assert LINK not in response.content.decode()


def test_withdrawing_my_registration_offers_my_place_to_the_next_person(
    client, webinar, make_person, django_capture_on_commit_callbacks
):
    person = make_person("LV")
    mine = services.registration_create(user=person, activity=webinar)
    services.registration_create(user=make_person("EE"), activity=webinar)
    waiting = services.registration_create(user=make_person("FI"), activity=webinar)
    client.force_login(person)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("cohorts:withdraw", args=[mine.pk]), {"confirm": "yes"})

    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.OFFERED
    page = client.get(webinar.url)
    assert "Withdrawn." in visible_text(page)
    assert LINK not in page.content.decode()


def test_closed_registration_offers_no_button_and_refuses_a_post(
    client, make_activity, make_person
):
    activity = make_activity(registration_closes_at=timezone.now() - timedelta(hours=1))
    person = make_person("LV")
    client.force_login(person)

    page = visible_text(client.get(activity.url))
    response = client.post(register_url(activity), follow=True)

    assert "Registration is not open" in page
    assert "Registration for this activity has closed" in visible_text(response)
    assert not Enrolment.objects.filter(activity=activity).exists()


def test_registering_needs_a_post_a_login_and_a_published_activity(
    client, webinar, make_activity, make_person
):
    draft = make_activity(live=False)

    anonymous = client.post(register_url(webinar))
    client.force_login(make_person("LV"))
    by_link = client.get(register_url(webinar))
    unpublished = client.post(register_url(draft))

    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert by_link.status_code == 405
    assert unpublished.status_code == 404
    assert not Enrolment.objects.exists()


def test_without_a_country_the_box_asks_for_one(client, webinar, make_person):
    person = make_person("LV")
    person.profile.country = ""
    person.profile.save()
    client.force_login(person)

    response = client.get(webinar.url)

    assert "please add your country to your profile" in visible_text(response)
    assert f'action="{register_url(webinar)}"' not in response.content.decode()


def test_a_cohort_participant_sees_the_online_link_of_the_cohorts_activities(
    client, webinar, make_cohort, make_person
):
    cohort = make_cohort(title="BEP 2026 — Finnish presidency")
    cohort.activities.add(webinar)
    cohort.save()
    person = make_person("LV")
    services.enrolment_apply(user=person, cohort=cohort)
    client.force_login(person)

    text = visible_text(client.get(webinar.url))

    assert "You take part as a participant of BEP 2026 — Finnish presidency" in text
    assert f"Join online: {LINK}" in text


# --- My learning and the calendars ------------------------------------------------------------


def feed_events(client, user) -> dict[str, icalendar.Event]:
    client.get(reverse("my_learning"))
    url = reverse("calendar_feed", args=[CalendarFeed.objects.get(user=user).token])
    calendar = icalendar.Calendar.from_ical(client.get(url).content)
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def test_my_upcoming_activities_are_my_places_and_the_cohorts_activities(
    client, webinar, make_activity, make_cohort, make_person
):
    exercise = make_activity(title="Harbour chlorine drill")
    make_activity(title="Study visit without me")
    cohort = make_cohort()
    cohort.activities.add(exercise)
    cohort.save()
    person = make_person("LV")
    services.registration_create(user=person, activity=webinar)
    services.enrolment_apply(user=person, cohort=cohort)
    client.force_login(person)

    text = visible_text(client.get(reverse("my_learning")))

    assert "My upcoming activities" in text
    assert "Sendai Framework webinar" in text
    assert "Harbour chlorine drill" in text
    assert "Study visit without me" not in text


def test_a_waitlisted_activity_is_among_those_i_wait_for_not_my_upcoming_ones(
    client, webinar, make_person
):
    for country in ("EE", "FI"):
        services.registration_create(user=make_person(country), activity=webinar)
    person = make_person("LV")
    services.registration_create(user=person, activity=webinar)
    client.force_login(person)

    text = visible_text(client.get(reverse("my_learning")))

    assert "Activities I am waiting for Sendai Framework webinar · number 1 on the waitlist" in (
        text
    )
    assert "You have no place at an upcoming activity yet" in text


def test_the_calendar_feed_gives_the_online_link_only_with_a_confirmed_place(
    client, webinar, make_activity, make_person, run_promotion
):
    second = make_activity(
        title="Crisis communication webinar",
        online_url="https://meet.example.org/crisis-comms",
        capacity=1,
    )
    person = make_person("LV")
    services.registration_create(user=person, activity=webinar)
    holder = make_person("EE")
    held = services.registration_create(user=holder, activity=second)
    services.registration_create(user=person, activity=second)
    run_promotion(held, holder)
    client.force_login(person)

    events = feed_events(client, person)

    assert LINK in str(events["Sendai Framework webinar"]["description"])
    # An offered place is tentative until accepted, and says so.
    offered = events["Crisis communication webinar (place offered, not yet accepted)"]
    assert offered["status"] == "TENTATIVE"
    assert "crisis-comms" not in str(offered["description"]) + str(offered["location"])


def test_the_public_calendar_file_never_carries_the_online_link(client, webinar):
    response = client.get(reverse("activity_ics", args=[webinar.pk]))

    [event] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert LINK not in response.content.decode()
    assert str(event["location"]) == "Online"


@pytest.fixture
def run_promotion(django_capture_on_commit_callbacks):
    def withdraw(enrolment, actor):
        with django_capture_on_commit_callbacks(execute=True):
            services.enrolment_withdraw(enrolment=enrolment, actor=actor)

    return withdraw


def test_withdrawing_asks_why_and_keeps_the_answer_with_the_withdrawal(
    client, webinar, make_person, django_capture_on_commit_callbacks
):
    person = make_person("LV")
    mine = services.registration_create(user=person, activity=webinar)
    client.force_login(person)
    url = reverse("cohorts:withdraw", args=[mine.pk])

    confirm = visible_text(client.get(url))
    assert "Why are you withdrawing? (optional)" in confirm
    too_long = client.post(url, {"confirm": "yes", "reason": "x" * 1001})
    assert too_long.status_code == 200
    assert "at most 1000 characters" in visible_text(too_long)
    mine.refresh_from_db()
    assert mine.state == EnrolmentState.ACCEPTED

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirm": "yes", "reason": "My unit is deployed to a flood."})

    mine.refresh_from_db()
    assert (mine.state, mine.decision_reason) == (
        EnrolmentState.WITHDRAWN,
        "My unit is deployed to a flood.",
    )
    assert "Reason: My unit is deployed to a flood." in visible_text(
        client.get(reverse("cohorts:place", args=[mine.pk]))
    )
    # Without an answer the withdrawal goes through all the same.
    other = make_person("EE")
    theirs = services.registration_create(user=other, activity=webinar)
    client.force_login(other)
    client.post(reverse("cohorts:withdraw", args=[theirs.pk]), {"confirm": "yes"})
    theirs.refresh_from_db()
    assert theirs.state == EnrolmentState.WITHDRAWN


def test_the_activity_page_shows_places_left_while_registration_is_open(
    client, webinar, make_activity, make_person
):
    page = visible_text(client.get(webinar.url))
    assert "2 places left of 2" in page
    services.registration_create(user=make_person("LV"), activity=webinar)
    services.registration_create(user=make_person("EE"), activity=webinar)
    client.force_login(make_person("FI"))
    page = visible_text(client.get(webinar.url))
    assert "All 2 places are taken: you can join the waitlist" in page.replace(" :", ":")

    closed = make_activity(capacity=30, registration_closes_at=timezone.now() - timedelta(hours=1))
    assert "places left" not in visible_text(client.get(closed.url))
    unlimited = make_activity(capacity=None, registration_closes_at=None)
    assert "places left" not in visible_text(client.get(unlimited.url))
