"""What the programmes demo holds, read by tests that share one loading of it: four readable
programmes with course modules and upcoming activities."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from lms.languages.content import canonical
from programmes.models import (
    ActivityPage,
    Audience,
    ModulePage,
    ModulePrerequisite,
    ProgrammePage,
)
from tests.programmes.conftest import rich_text_items, visible_text
from tests.shared_demo import demo_once

pytestmark = pytest.mark.django_db

EXPECTED = {
    "baltic-excellence-programme": Audience.PROFESSIONALS,
    "needs": Audience.MIXED,
    "secure-kids": Audience.YOUTH,
    "byfores": Audience.MIXED,
}


demo_loaded = demo_once(only=["programmes"])


def load_demo() -> str:
    # The programmes' own demo: the cohorts loader on top is tested in tests/cohorts.
    out = StringIO()
    call_command("load_demo", only=["programmes"], stdout=out)
    return out.getvalue()


def _texts(value) -> list[str]:
    """Every text in raw stream data, leaving out block ids and type names."""
    if isinstance(value, dict):
        return [
            text
            for key, item in value.items()
            if key not in ("id", "type")
            for text in _texts(item)
        ]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return [value] if isinstance(value, str) else []


def _module_text(module: ModulePage) -> str:
    return " ".join(
        [module.title, module.summary, module.learning_outcomes]
        + _texts(module.lessons.get_prep_value())
    )


def _activity_text(activity: ActivityPage) -> str:
    return " ".join(
        [activity.title, activity.summary, activity.description, activity.venue_city]
        + _texts(activity.agenda.get_prep_value())
    )


def test_demo_programmes_have_the_designed_slugs_short_names_and_audiences(demo_loaded):

    pages = {page.slug: page for page in canonical(ProgrammePage.objects.live())}
    assert {slug: page.audience for slug, page in pages.items()} == EXPECTED
    assert pages["baltic-excellence-programme"].title == "Baltic Excellence Programme"
    assert pages["baltic-excellence-programme"].short_name == "BEP"
    assert pages["needs"].short_name == "NEEDS"
    assert pages["byfores"].short_name == "BYFORES"
    assert pages["secure-kids"].title == "Secure Kids"


@pytest.mark.parametrize("slug", list(EXPECTED))
def test_each_demo_programme_page_describes_people_activities_and_partners(
    demo_loaded, client, slug
):
    programme = ProgrammePage.objects.get(slug=slug)

    response = client.get(programme.url)

    assert response.status_code == 200
    text = visible_text(response)
    assert len(rich_text_items(programme.goals)) >= 4
    headings = [
        block.value["heading_text"]
        for block in programme.body
        if block.block_type == "heading_block"
    ]
    assert "Who takes part" in headings
    for heading in headings:
        assert heading in text
    assert "Partners and funding" in text
    assert programme.contact in text
    # Several paragraphs of description, not a stub.
    assert len(text) > 2500


def test_demo_content_names_no_person_and_gives_no_contact_details(demo_loaded):

    for programme in canonical(ProgrammePage.objects.all()):
        everything = " ".join(
            [programme.summary, programme.goals, programme.partners, programme.contact]
            + [str(block.render()) for block in programme.body]
        )
        assert "@" not in everything, programme.slug
        assert not re.search(r"\+?\d[\d ()-]{7,}\d", everything), programme.slug
        for quote in (b for b in programme.body if b.block_type == "quote_block"):
            assert quote.value["attribution"].startswith("A "), quote.value["attribution"]


def test_demo_content_uses_british_spelling(demo_loaded):

    american = re.compile(
        r"\b(program|programs|organization\w*|organiz\w+|center|centers|defense|enroll\w*|"
        r"behavior\w*|neighbor\w*|catalog|practicing)\b",
        flags=re.I,
    )
    for programme in canonical(ProgrammePage.objects.all()):
        everything = " ".join(
            [programme.title, programme.summary, programme.goals, programme.partners]
            + [str(block.render()) for block in programme.body]
        )
        assert not american.findall(everything), (programme.slug, american.findall(everything))


@pytest.mark.parametrize("slug", list(EXPECTED))
def test_each_programme_has_live_modules_with_one_marked_quiz(demo_loaded, slug):
    programme = ProgrammePage.objects.get(slug=slug)

    modules = ModulePage.objects.child_of(programme).live()

    assert modules.count() >= 2
    for module in modules:
        assert module.summary and module.estimated_minutes > 0, module.slug
        assert len(rich_text_items(module.learning_outcomes)) >= 3, module.slug
        kinds = [step.block_type for step in module.lessons]
        assert 3 <= len(kinds) <= 6, (module.slug, kinds)
        assert kinds.count("quiz") == 1, module.slug
        assert {"section", "reflection"} <= set(kinds), module.slug
        quiz = next(step.value for step in module.lessons if step.block_type == "quiz")
        questions = list(quiz["questions"])
        assert 3 <= len(questions) <= 4, module.slug
        assert any(question["multiple"] for question in questions), module.slug
        for question in questions:
            options = list(question["options"])
            assert any(option["correct"] for option in options), question["prompt"]
            assert all(option["feedback"] for option in options), question["prompt"]
            if not question["multiple"]:
                assert sum(option["correct"] for option in options) == 1, question["prompt"]
        # Passable without a perfect score: at most one question may be wrong.
        assert 0 < quiz["pass_mark"] <= round(100 * (len(questions) - 1) / len(questions))


def test_a_later_module_requires_the_first_one(demo_loaded):

    sendai = ModulePage.objects.get(slug="sendai-framework")

    assert [link.prerequisite.slug for link in sendai.prerequisites.all()] == [
        "cross-border-cooperation"
    ]
    # The published revision carries the prerequisite, so an editor's next publish keeps it.
    latest = sendai.get_latest_revision_as_object()
    assert [link.prerequisite_id for link in latest.prerequisites.all()] == [
        link.prerequisite_id for link in sendai.prerequisites.all()
    ]
    assert ModulePrerequisite.objects.count() >= 2


def test_demo_modules_and_activities_name_no_person_and_use_british_spelling(demo_loaded):

    american = re.compile(
        r"\b(program|programs|organization\w*|organiz\w+|center|centers|defense|enroll\w*|"
        r"behavior\w*|neighbor\w*|catalog|practicing|color\w*|favorite)\b",
        flags=re.I,
    )
    texts = [(m.slug, _module_text(m)) for m in canonical(ModulePage.objects.all())] + [
        (a.slug, _activity_text(a)) for a in canonical(ActivityPage.objects.all())
    ]
    for slug, text in texts:
        assert "@" not in text, slug
        assert not re.search(r"\+?\d[\d ()-]{7,}\d", text), slug
        assert not american.findall(text), (slug, american.findall(text))
    for module in canonical(ModulePage.objects.all()):
        for step in module.lessons:
            if step.block_type == "section":
                for block in step.value["content"]:
                    if block.block_type == "quote":
                        assert block.value["attribution"].startswith("A "), module.slug
