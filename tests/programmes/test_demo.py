"""The demo content: `manage.py load_demo` gives a newcomer four readable programmes with course
modules and upcoming activities, and running it again changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone

from lms.languages.content import canonical
from lms.models import Sector
from programmes.demo import INDEX_INTRO, PROGRAMMES
from programmes.models import (
    TIME_ZONES,
    ActivityKind,
    ActivityPage,
    Audience,
    ModulePage,
    ModulePrerequisite,
    ProgrammeIndexPage,
    ProgrammePage,
)
from tests.programmes.conftest import ProgrammeIndexPageFactory, visible_text

pytestmark = pytest.mark.django_db

EXPECTED = {
    "baltic-excellence-programme": Audience.PROFESSIONALS,
    "needs": Audience.MIXED,
    "secure-kids": Audience.YOUTH,
    "byfores": Audience.MIXED,
}


def load_demo() -> str:
    # The programmes' own demo: the cohorts loader on top is tested in tests/cohorts.
    out = StringIO()
    call_command("load_demo", only=["programmes"], stdout=out)
    return out.getvalue()


def test_load_demo_twice_creates_each_programme_exactly_once(client):
    first = load_demo()
    second = load_demo()

    assert "created programme Baltic Excellence Programme" in first
    assert "created programme" not in second
    assert "programmes already present" in second
    assert canonical(ProgrammeIndexPage.objects.all()).count() == 1
    for slug in EXPECTED:
        assert ProgrammePage.objects.filter(slug=slug).count() == 1, slug
    assert canonical(ProgrammePage.objects.all()).count() == 4

    page = visible_text(client.get("/programmes/"))
    for data in PROGRAMMES:
        assert page.count(data["title"]) == 1, data["title"]


def test_load_demo_fills_an_empty_index_intro_once(home, client):
    ProgrammeIndexPageFactory(parent=home, intro="")

    load_demo()
    load_demo()

    assert canonical(ProgrammeIndexPage.objects.all()).count() == 1
    assert canonical(ProgrammeIndexPage.objects.all()).get().intro == INDEX_INTRO
    assert INDEX_INTRO in visible_text(client.get("/programmes/"))


def test_load_demo_keeps_an_editors_own_index_intro(home, client):
    ProgrammeIndexPageFactory(parent=home, intro="Our training offer for 2026.")

    load_demo()

    assert canonical(ProgrammeIndexPage.objects.all()).get().intro == "Our training offer for 2026."
    assert canonical(ProgrammePage.objects.all()).count() == 4


# --- Modules and activities ---------------------------------------------------------------------


def test_demo_activities_are_upcoming_valid_and_varied():
    before = timezone.now()
    load_demo()

    activities = list(canonical(ActivityPage.objects.live()))

    assert len(activities) >= 5
    kinds = {activity.kind for activity in activities}
    assert {ActivityKind.WORKSHOP, ActivityKind.TABLETOP, ActivityKind.STUDY_VISIT} <= kinds
    countries = {str(activity.venue_country) for activity in activities if activity.venue_country}
    assert len(countries) >= 4
    assert {a.get_parent().specific.short_name for a in activities} >= {"BEP", "NEEDS"}
    for activity in activities:
        activity.full_clean()
        assert activity.starts_at > before, activity.slug
        assert activity.ends_at >= activity.starts_at, activity.slug
        assert activity.time_zone in TIME_ZONES, activity.slug
        assert activity.registration_opens_at <= activity.registration_closes_at
        assert activity.registration_closes_at <= activity.starts_at
        assert activity.venue_city or activity.online_url, activity.slug
        assert len([b for b in activity.agenda if b.block_type == "item"]) >= 3, activity.slug
        assert set(activity.sectors) <= set(Sector.values)
    by_kind = {activity.kind: activity for activity in activities}
    workshop = ActivityPage.objects.get(slug="cbrn-physical-protection-workshop")
    assert (workshop.local_ends_at.date() - workshop.local_starts_at.date()).days == 2
    assert workshop.places_per_country == 2
    tabletop = by_kind[ActivityKind.TABLETOP]
    assert (tabletop.local_ends_at.date() - tabletop.local_starts_at.date()).days == 3
    assert by_kind[ActivityKind.STUDY_VISIT].places_per_country == 1
    assert by_kind[ActivityKind.WEBINAR].is_online
    assert "example." in by_kind[ActivityKind.WEBINAR].online_url
    camp = ActivityPage.objects.get(slug="byfores-youth-camp")
    assert camp.min_age and camp.max_age and camp.min_age < camp.max_age
    # Times are wall-clock times at the venue: the workshop in Riga opens at 9 o'clock there.
    assert workshop.local_starts_at.hour == 9
    assert str(workshop.local_starts_at.tzinfo) == "Europe/Riga"


def test_running_load_demo_twice_creates_no_module_activity_or_prerequisite_again():
    load_demo()
    counts = (
        ModulePage.objects.count(),
        ActivityPage.objects.count(),
        ModulePrerequisite.objects.count(),
    )
    dates = dict(ActivityPage.objects.values_list("slug", "starts_at"))

    second = load_demo()

    assert "created" not in second
    assert counts == (
        ModulePage.objects.count(),
        ActivityPage.objects.count(),
        ModulePrerequisite.objects.count(),
    )
    assert dates == dict(ActivityPage.objects.values_list("slug", "starts_at"))


def test_load_demo_restores_a_deleted_module_and_keeps_the_others():
    load_demo()
    ModulePage.objects.get(slug="knowledge-needs").delete()
    kept = ModulePage.objects.get(slug="cbrne-critical-infrastructure")
    kept_ids = [step.id for step in kept.lessons]

    out = load_demo()

    assert "created module Identifying knowledge needs in societal security" in out
    assert out.count("created") == 1
    kept = ModulePage.objects.get(slug="cbrne-critical-infrastructure")
    assert [step.id for step in kept.lessons] == kept_ids


def _ids(module: ModulePage) -> list:
    """Ids of every step, quiz question, option and decision point."""
    ids = []
    for step in module.lessons:
        ids.append(step.id)
        if step.block_type == "quiz":
            for question in step.value["questions"].bound_blocks:
                ids.append(question.id)
                ids += [option.id for option in question.value["options"].bound_blocks]
        if step.block_type == "scenario":
            ids += [point.id for point in step.value["decision_points"].bound_blocks]
    return ids


def test_step_question_and_option_ids_are_stored_and_stable():
    load_demo()
    load_demo()

    for pk in ModulePage.objects.values_list("pk", flat=True):
        first = _ids(ModulePage.objects.get(pk=pk))
        again = _ids(ModulePage.objects.get(pk=pk))
        revision = _ids(ModulePage.objects.get(pk=pk).get_latest_revision_as_object())

        assert all(first), pk
        assert len(set(first)) == len(first), pk
        assert first == again == revision, pk


def _template_exists(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def test_demo_activity_pages_render_for_anonymous_visitors(client):
    if not _template_exists("programmes/activity_page.html"):
        pytest.skip("templates/programmes/activity_page.html is not written yet")
    load_demo()

    for activity in canonical(ActivityPage.objects.live()):
        response = client.get(activity.url)

        assert response.status_code == 200, activity.slug
        assert activity.title in visible_text(response)


def test_demo_module_pages_render_for_anonymous_visitors(client):
    if not _template_exists("programmes/module_page.html"):
        pytest.skip("templates/programmes/module_page.html is not written yet")
    load_demo()

    for module in canonical(ModulePage.objects.live()):
        response = client.get(module.url)

        assert response.status_code == 200, module.slug
        assert module.title in visible_text(response)


def test_load_demo_only_an_unknown_app_says_so_and_loads_nothing():
    from django.core.management.base import CommandError

    from programmes.models import ProgrammePage

    with pytest.raises(CommandError, match="No demo content for: nope"):
        call_command("load_demo", only=["nope"], stdout=StringIO())
    assert not ProgrammePage.objects.exists()
