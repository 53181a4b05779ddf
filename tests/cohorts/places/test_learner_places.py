"""A cohort member whom an activity's own rules put on its waitlist does not see that activity
as theirs: My learning lists it among the activities they wait for, with the position, the
private calendar feed leaves it out, and its page keeps the online link back. An offered place
is in the feed as tentative."""

from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from cohorts.models import EnrolmentState
from cohorts.places import services
from programmes.progress.services import calendar_feed_ensure
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

LINK = "https://meet.example.org/study-visit-0815"


@pytest.fixture
def visit_cohort(make_cohort, make_activity):
    """A cohort of two whose study visit has one place: set up before the admin refused it, or
    by a path that does not check (the places service itself still has to cope)."""
    starts = timezone.now() + timedelta(days=30)
    visit = make_activity(
        title="Study visit: crisis management in a capital city",
        slug="study-visit",
        capacity=1,
        online_url=LINK,
        starts_at=starts,
        ends_at=starts + timedelta(hours=8),
    )
    cohort = make_cohort(capacity=2)
    cohort.activities.set([visit])
    cohort.save()
    return cohort, visit


def _members(cohort, make_person, django_capture_on_commit_callbacks):
    first, second = make_person("FI"), make_person("FI")
    for person in (first, second):
        with django_capture_on_commit_callbacks(execute=True):
            services.enrolment_apply(user=person, cohort=cohort)
    return first, second


def _feed(client, user) -> icalendar.Calendar:
    feed = calendar_feed_ensure(user=user)
    response = client.get(reverse("calendar_feed", args=[feed.token]))
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def _events(calendar) -> dict[str, icalendar.Event]:
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def test_a_member_waitlisted_for_the_cohorts_activity_sees_it_as_waitlisted_not_as_theirs(
    client, visit_cohort, make_person, django_capture_on_commit_callbacks
):
    cohort, visit = visit_cohort
    first, second = _members(cohort, make_person, django_capture_on_commit_callbacks)
    assert visit.registrations.get(user=second).state == EnrolmentState.WAITLISTED

    client.force_login(second)
    text = visible_text(client.get(reverse("my_learning")))
    assert f"Activities I am waiting for {visit.title} · number 1 on the waitlist" in text
    upcoming = text.split("My upcoming activities", 1)[1].split("My calendar feed", 1)[0]
    assert visit.title not in upcoming
    assert "You have no place at an upcoming activity yet" in upcoming
    assert _events(_feed(client, second)) == {}
    # Nor does the activity's page give them the online link.
    assert LINK not in client.get(visit.url).content.decode()

    client.force_login(first)
    text = visible_text(client.get(reverse("my_learning")))
    upcoming = text.split("My upcoming activities", 1)[1].split("My calendar feed", 1)[0]
    assert visit.title in upcoming and "not confirmed" not in upcoming
    event = _events(_feed(client, first))[visit.title]
    assert event["status"] == "CONFIRMED"
    assert LINK in str(event["description"])


def test_an_offered_place_is_tentative_in_the_feed_and_says_so(
    client, visit_cohort, make_person, django_capture_on_commit_callbacks
):
    cohort, visit = visit_cohort
    first, second = _members(cohort, make_person, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=visit.registrations.get(user=first), actor=first)
    assert visit.registrations.get(user=second).state == EnrolmentState.OFFERED

    client.force_login(second)
    events = _events(_feed(client, second))
    (summary, event), *_ = events.items()
    assert summary == f"{visit.title} (place offered, not yet accepted)"
    assert event["status"] == "TENTATIVE"
    assert LINK not in str(event["description"])
    text = visible_text(client.get(reverse("my_learning")))
    assert "a place is offered to you: accept it to confirm" in text
