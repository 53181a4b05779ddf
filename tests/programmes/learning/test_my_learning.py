"""My learning: my programmes and modules with progress and where to resume, my upcoming
activities (those where I have a place, as the layer above reports it through a hook), and my
private calendar feed (secret, revocable, never showing anyone else's data)."""

from datetime import timedelta

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail import hooks

from programmes.models import CalendarFeed
from programmes.pages.selectors import LEARNER_ACTIVITY_IDS_HOOK
from programmes.progress.services import calendar_feed_ensure
from tests.factories import UserFactory
from tests.programmes.builders import ActivityPageFactory, ModulePageFactory, record_progress
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

URL = "/my-learning/"


@pytest.fixture
def bep(make_programme):
    return make_programme(title="Baltic Excellence Programme", slug="bep")


@pytest.fixture
def needs(make_programme):
    return make_programme(title="NEEDS", slug="needs")


@pytest.fixture
def give_place():
    """Places as cohorts reports them through the learner hook (tests/cohorts covers the real
    registrations): give_place(user, activity, ...) gives that person a confirmed place."""
    granted: dict[int, dict[int, bool]] = {}

    def hook(user):
        return granted.get(user.pk, {})

    def give(user, *activities, confirmed=True):
        granted.setdefault(user.pk, {}).update({a.pk: confirmed for a in activities})

    with hooks.register_temporarily(LEARNER_ACTIVITY_IDS_HOOK, hook):
        yield give


def feed_url(user) -> str:
    return reverse("calendar_feed", args=[CalendarFeed.objects.get(user=user).token])


def feed_titles(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return sorted(
        str(e["summary"]) for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    )


def test_my_learning_requires_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_my_learning_without_progress_invites_to_start(client, user, bep):
    client.force_login(user)

    response = client.get(URL)

    assert response.status_code == 200
    assert "You have not started a module yet" in visible_text(response)


def test_my_learning_shows_progress_next_step_and_modules_not_started(client, user, bep):
    sendai = ModulePageFactory(parent=bep, title="The Sendai Framework")
    ModulePageFactory(parent=bep, title="CBRNE Preparedness")
    record_progress(user=user, module=sendai, done=["step-1"])
    client.force_login(user)

    response = client.get(URL)

    content = response.content.decode()
    text = visible_text(response)
    assert "Baltic Excellence Programme" in text
    assert "The Sendai Framework" in text
    assert "25% · 1 of 4 steps done" in text
    assert f'<progress id="progress-{sendai.pk}" max="100" value="25"' in content
    assert f'href="{sendai.url}step/step-2/"' in content
    assert "Continue: The Sendai Framework" in text
    assert "Not started yet" in text
    assert text.index("Not started yet") < text.index("CBRNE Preparedness")


def test_completed_module_says_so(client, user, bep):
    module = ModulePageFactory(parent=bep)
    record_progress(
        user=user,
        module=module,
        done=["step-1", "step-2", "step-3", "step-4"],
        completed=timezone.now(),
    )
    client.force_login(user)

    text = visible_text(client.get(URL))

    assert "100% · 4 of 4 steps done" in text
    assert "Completed" in text


def test_my_learning_shows_only_my_own_progress(client, user, bep, needs):
    mine = ModulePageFactory(parent=bep, title="Cross-border Cooperation")
    theirs = ModulePageFactory(parent=needs, title="Volunteers and Local Authorities")
    record_progress(user=user, module=mine, done=["step-1"])
    other = UserFactory()
    record_progress(user=other, module=mine, done=["step-1", "step-2", "step-3"])
    record_progress(user=other, module=theirs, done=["step-1"])
    ActivityPageFactory(parent=needs, title="NEEDS study visit")
    client.force_login(user)

    text = visible_text(client.get(URL))

    assert "25% · 1 of 4 steps done" in text
    assert "75%" not in text
    assert "NEEDS" not in text
    assert "Volunteers and Local Authorities" not in text
    assert "NEEDS study visit" not in text


def test_my_upcoming_activities_are_those_where_i_have_a_place(
    client, user, bep, needs, give_place
):
    record_progress(user=user, module=ModulePageFactory(parent=bep), done=[])
    riga = ActivityPageFactory(parent=bep, title="BEP workshop in Rīga")
    draft = ActivityPageFactory(parent=bep, title="BEP draft", live=False)
    past = ActivityPageFactory(
        parent=bep,
        title="BEP past",
        starts_at=timezone.now() - timedelta(days=5),
        ends_at=timezone.now() - timedelta(days=4),
    )
    ActivityPageFactory(parent=bep, title="BEP exercise without me")
    conference = ActivityPageFactory(parent=needs, title="NEEDS conference")
    give_place(user, riga, draft, past, conference)
    client.force_login(user)

    text = visible_text(client.get(URL))

    assert "BEP workshop in Rīga" in text
    assert "NEEDS conference" in text, "a place counts even where I have started no module"
    for hidden in ("BEP draft", "BEP past", "BEP exercise without me"):
        assert hidden not in text


def test_without_a_place_my_upcoming_activities_invite_me_to_register(client, user, bep):
    record_progress(user=user, module=ModulePageFactory(parent=bep), done=[])
    ActivityPageFactory(parent=bep, title="BEP workshop in Rīga")
    client.force_login(user)

    text = visible_text(client.get(URL))

    assert "BEP workshop in Rīga" not in text
    assert "You have no place at an upcoming activity yet" in text


def test_my_learning_queries_stay_bounded(client, user, make_programme, give_place):
    """The page's queries do not grow with what a person has: each panel (cohorts, passes,
    peer group, certificates, surveys) costs a fixed few."""

    def add_learning():
        programme = make_programme()
        for m in range(4):
            module = ModulePageFactory(parent=programme)
            if m < 3:
                record_progress(user=user, module=module, done=["step-1", "step-2"][: m + 1])
        for _ in range(3):
            give_place(user, ActivityPageFactory(parent=programme))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL)
        assert response.status_code == 200
        return len(captured)

    add_learning()
    client.force_login(user)
    client.get(URL)  # creates the calendar feed and the passes
    small = queries()
    for _ in range(3):
        add_learning()
    client.get(URL)
    large = queries()

    response = client.get(URL)
    assert visible_text(response).count("Not started yet") == 4
    assert len(response.context["activities"]) == 12
    assert large == small
    assert large <= 25  # one of them reads the session, kept in the database


# --- The personal calendar feed -----------------------------------------------------------------


def test_visiting_my_learning_creates_a_feed_that_lists_my_activities(
    client, user, bep, give_place
):
    record_progress(user=user, module=ModulePageFactory(parent=bep), done=["step-1"])
    give_place(
        user,
        ActivityPageFactory(parent=bep, title="BEP workshop in Rīga"),
        ActivityPageFactory(parent=bep, title="BEP draft", live=False),
    )
    ActivityPageFactory(parent=bep, title="BEP exercise without me")
    client.force_login(user)

    response = client.get(URL)

    url = feed_url(user)
    assert url in response.content.decode()
    client.logout()
    assert feed_titles(client, url) == ["BEP workshop in Rīga"]


def test_someone_elses_feed_never_shows_my_activities(client, user, bep, needs, give_place):
    record_progress(user=user, module=ModulePageFactory(parent=bep), done=["step-1"])
    give_place(user, ActivityPageFactory(parent=bep, title="Mine"))
    other = UserFactory()
    record_progress(user=other, module=ModulePageFactory(parent=needs), done=[])
    give_place(other, ActivityPageFactory(parent=needs, title="Theirs"))
    for person in (user, other):
        client.force_login(person)
        client.get(URL)

    assert feed_titles(client, feed_url(user)) == ["Mine"]
    assert feed_titles(client, feed_url(other)) == ["Theirs"]


def test_resetting_the_link_makes_the_old_one_404(client, user, bep, give_place):
    record_progress(user=user, module=ModulePageFactory(parent=bep), done=[])
    give_place(user, ActivityPageFactory(parent=bep, title="BEP workshop"))
    client.force_login(user)
    client.get(URL)
    old = feed_url(user)

    response = client.post(reverse("calendar_feed_reset"), follow=True)

    new = feed_url(user)
    assert new != old
    assert "The old link no longer works" in visible_text(response)
    assert new in response.content.decode()
    assert client.get(old).status_code == 404
    assert feed_titles(client, new) == ["BEP workshop"]


def test_reset_needs_a_post_and_a_login(client, user):
    assert client.post(reverse("calendar_feed_reset")).status_code == 302
    client.force_login(user)
    assert client.get(reverse("calendar_feed_reset")).status_code == 405


def test_unknown_or_inactive_feed_tokens_404(client, user):
    feed = calendar_feed_ensure(user=user)
    assert client.get(reverse("calendar_feed", args=["not-a-token"])).status_code == 404
    user.is_active = False
    user.save()
    assert client.get(reverse("calendar_feed", args=[feed.token])).status_code == 404
