"""Activity pages and the upcoming-activities listing as visitors meet them: local times with the
time zone named, the registration window, the agenda by day, filters (and bad filter values),
paging, and the .ics download of one activity."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction

from programmes.models import ActivityKind
from tests.programmes.builders import ActivityPageFactory, local
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

LIST_URL = "/activities/"


@pytest.fixture
def programme(make_programme):
    return make_programme(title="Baltic Excellence Programme", slug="bep")


@pytest.fixture
def make_activity(programme):
    def make(**kwargs):
        kwargs.setdefault("parent", programme)
        return ActivityPageFactory(**kwargs)

    return make


def listed_titles(response) -> list[str]:
    return [activity.title for activity in response.context["activities"]]


def ics_events(content: bytes) -> list:
    return icalendar.Calendar.from_ical(content).walk("VEVENT")


# --- The activity page --------------------------------------------------------------------------


def test_activity_page_shows_local_time_of_the_venue_with_the_zone_name(client, make_activity):
    activity = make_activity(starts_at=local("2030-01-15 09:00"), ends_at=local("2030-01-17 16:00"))

    response = client.get(activity.url)

    assert response.status_code == 200
    text = visible_text(response)
    assert "Tuesday 15 January 2030, 09:00" in text
    assert "Thursday 17 January 2030, 16:00" in text
    assert "Riga time (EET, UTC+2)" in text
    assert "Europe/Riga" not in text
    # The site's own zone (Stockholm, an hour behind Riga) must not leak into the page.
    assert "08:00" not in text
    assert "Latvian State Fire and Rescue Service College, Rīga, Latvia" in text
    assert f'href="{reverse("activity_ics", args=[activity.pk])}"' in response.content.decode()
    assert "Add to calendar (.ics)" in text


def test_activity_page_shows_places_language_eligibility_and_online_link(client, make_activity):
    activity = make_activity(
        kind=ActivityKind.WEBINAR,
        venue_name="",
        venue_city="",
        venue_country="",
        online_url="https://meet.example.org/sendai",
        language="lt",
        capacity=40,
        places_per_country=4,
        min_age=16,
        max_age=25,
        sectors=["youth", "ngo"],
    )

    response = client.get(activity.url)
    text = visible_text(response)

    assert "Webinar" in text
    # The link itself is only for people with a place (tests/cohorts/places/test_participant.py).
    assert "Online (the link is given to people with a place)" in text
    assert "meet.example.org" not in response.content.decode()
    assert "Lietuvių" in text
    assert "40 places; at most 4 per country" in text
    assert "Aged 16 to 25" in text
    assert "Youth organisation, NGO / volunteer" in text


@pytest.mark.parametrize(
    ("opens", "closes", "expected"),
    [
        (-5, 5, "Open until"),
        (3, 10, "Opens on"),
        (-10, -1, "Closed"),
        (None, None, "Open until the activity starts"),
    ],
)
def test_activity_page_says_whether_registration_is_open(
    client, make_activity, opens, closes, expected
):
    now = timezone.now()
    activity = make_activity(
        registration_opens_at=now + timedelta(days=opens) if opens is not None else None,
        registration_closes_at=now + timedelta(days=closes) if closes is not None else None,
    )

    text = visible_text(client.get(activity.url))

    assert expected in text


def test_activity_agenda_is_grouped_by_day(client, make_activity):
    activity = make_activity(
        agenda=[
            ("item", {"day": 1, "starts": "09:00", "ends": "10:30", "title": "Welcome"}),
            ("note", "<p>Coffee is served in the atrium.</p>"),
            ("item", {"day": 1, "starts": "11:00", "title": "Scenario briefing"}),
            ("item", {"day": 2, "starts": "09:00", "title": "Inject one: the dam breaks"}),
        ]
    )

    text = visible_text(client.get(activity.url))

    assert text.count("Day 1") == 1
    assert text.count("Day 2") == 1
    assert (
        text.index("Day 1")
        < text.index("09:00 – 10:30 Welcome")
        < text.index("Coffee is served")
        < text.index("11:00 Scenario briefing")
        < text.index("Day 2")
        < text.index("Inject one")
    )


# --- The listing --------------------------------------------------------------------------------


def test_listing_shows_only_live_public_activities_that_have_not_ended(client, make_activity):
    make_activity(title="Coming up")
    make_activity(title="Draft", live=False)
    make_activity(
        title="Ended",
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=2),
    )
    make_activity(
        title="Under way",
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1),
    )
    private = make_activity(title="Private")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert listed_titles(response) == ["Under way", "Coming up"]
    text = visible_text(response)
    assert "Draft" not in text and "Private" not in text and "Ended" not in text


def test_listing_item_shows_kind_dates_place_and_programme(client, make_activity):
    activity = make_activity(title="Harbour Chlorine Drill")
    make_activity(
        title="Sendai Webinar",
        kind=ActivityKind.WEBINAR,
        venue_name="",
        venue_city="",
        venue_country="",
        online_url="https://meet.example.org/x",
    )

    response = client.get(LIST_URL)

    text = visible_text(response)
    assert "Harbour Chlorine Drill" in text
    assert "Table-top exercise 15 January 2030 – 17 January 2030 · Rīga, Latvia" in text
    assert "Programme: Baltic Excellence Programme" in text
    assert "Webinar 15 January 2030 – 17 January 2030 · Online" in text
    assert f'href="{activity.url}"' in response.content.decode()


def test_listing_filters_by_programme_kind_country_and_month(client, make_programme, make_activity):
    needs = make_programme(title="NEEDS", slug="needs")
    make_activity(title="Riga workshop", kind=ActivityKind.WORKSHOP)
    make_activity(
        title="Tallinn exercise",
        venue_city="Tallinn",
        venue_country="EE",
        starts_at=local("2030-03-02 09:00", "Europe/Tallinn"),
        ends_at=local("2030-03-05 17:00", "Europe/Tallinn"),
        time_zone="Europe/Tallinn",
    )
    ActivityPageFactory(parent=needs, title="NEEDS study visit", kind=ActivityKind.STUDY_VISIT)

    assert listed_titles(client.get(LIST_URL, {"programme": needs.pk})) == ["NEEDS study visit"]
    assert listed_titles(client.get(LIST_URL, {"kind": "workshop"})) == ["Riga workshop"]
    assert listed_titles(client.get(LIST_URL, {"country": "EE"})) == ["Tallinn exercise"]
    assert listed_titles(client.get(LIST_URL, {"month": "2030-03"})) == ["Tallinn exercise"]
    assert listed_titles(client.get(LIST_URL, {"month": "2030-01", "country": "LV"})) == [
        "Riga workshop",
        "NEEDS study visit",
    ]
    response = client.get(LIST_URL, {"month": "2030-06"})
    assert listed_titles(response) == []
    assert "No upcoming activities match these filters" in visible_text(response)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "soon"}, "month"),
        ({"country": "ZZ"}, "country"),
        ({"programme": "abc"}, "programme"),
        ({"programme": "99999"}, "programme"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_bad_filter_values_are_ignored_with_a_note(client, make_activity, params, field):
    make_activity(title="Riga workshop")

    response = client.get(LIST_URL, params)

    assert response.status_code == 200
    assert listed_titles(response) == ["Riga workshop"]
    assert "so it was ignored" in visible_text(response)


def test_a_bad_filter_does_not_drop_the_good_ones(client, make_activity):
    make_activity(title="Riga workshop", kind=ActivityKind.WORKSHOP)
    make_activity(title="Riga exercise")

    response = client.get(LIST_URL, {"kind": "workshop", "month": "2026-13", "page": "x"})

    assert response.status_code == 200
    assert listed_titles(response) == ["Riga workshop"]


def test_listing_form_has_a_label_for_every_filter(client, make_activity):
    content = client.get(LIST_URL).content.decode()

    for name in ("programme", "kind", "country", "month"):
        assert f'<label for="id_{name}">' in content
        assert f'id="id_{name}"' in content


def test_listing_is_paginated_and_keeps_the_filters(client, make_activity):
    for day in range(14):
        make_activity(
            title=f"Workshop {day:02}",
            kind=ActivityKind.WORKSHOP,
            starts_at=local("2030-01-01 09:00") + timedelta(days=day),
            ends_at=local("2030-01-01 17:00") + timedelta(days=day),
        )

    first = client.get(LIST_URL, {"kind": "workshop"})
    second = client.get(LIST_URL, {"kind": "workshop", "page": 2})

    assert len(listed_titles(first)) == 12
    assert listed_titles(second) == ["Workshop 12", "Workshop 13"]
    assert "?kind=workshop&amp;page=2" in first.content.decode()
    assert listed_titles(client.get(LIST_URL, {"page": 99})) == listed_titles(second)


# --- The .ics download --------------------------------------------------------------------------


def test_ics_download_gives_the_venue_time_and_the_right_instant(client, make_activity):
    activity = make_activity(
        title="Storm Surge Table-top: Jānis Bērziņš presents",
        starts_at=local("2030-01-15 09:00"),
        ends_at=local("2030-01-17 16:00"),
    )

    response = client.get(reverse("activity_ics", args=[activity.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert event["dtstart"].params["TZID"] == "Europe/Riga"
    assert start.strftime("%H:%M") == "09:00"
    assert start.astimezone(UTC) == datetime(2030, 1, 15, 7, 0, tzinfo=UTC)
    assert event.decoded("dtend").astimezone(UTC) == datetime(2030, 1, 17, 14, 0, tzinfo=UTC)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Riga"]
    assert str(event["summary"]) == activity.title
    assert "Rīga, Latvia" in str(event["location"])
    assert str(event["url"]).endswith(activity.url)
    assert activity.summary in str(event["description"])


def test_ics_uid_is_stable_across_downloads(client, make_activity):
    activity = make_activity()
    url = reverse("activity_ics", args=[activity.pk])

    first = ics_events(client.get(url).content)[0]["uid"]
    activity.title = "Renamed"
    activity.save_revision().publish()
    second = ics_events(client.get(url).content)[0]["uid"]

    assert first == second


def test_ics_is_not_given_for_drafts_private_pages_or_other_pages(client, make_activity, programme):
    draft = make_activity(live=False)
    private = make_activity()
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)

    for page_id in (draft.pk, private.pk, programme.pk, 999999):
        assert client.get(reverse("activity_ics", args=[page_id])).status_code == 404


def test_unpublished_activity_disappears_from_listing_and_download(client, make_activity):
    activity = make_activity(title="Withdrawn drill")
    activity.unpublish()

    assert listed_titles(client.get(LIST_URL)) == []
    assert client.get(reverse("activity_ics", args=[activity.pk])).status_code == 404
