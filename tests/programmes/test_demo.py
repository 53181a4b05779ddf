"""The demo content: `manage.py load_demo` gives a newcomer four readable programmes, and running it
again changes nothing."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from programmes.demo import INDEX_INTRO, PROGRAMMES
from programmes.models import Audience, ProgrammeIndexPage, ProgrammePage
from tests.programmes.conftest import ProgrammeIndexPageFactory, rich_text_items, visible_text

pytestmark = pytest.mark.django_db

EXPECTED = {
    "baltic-excellence-programme": Audience.PROFESSIONALS,
    "needs": Audience.MIXED,
    "secure-kids": Audience.YOUTH,
    "byfores": Audience.MIXED,
}


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_twice_creates_each_programme_exactly_once(client):
    first = load_demo()
    second = load_demo()

    assert "created programme Baltic Excellence Programme" in first
    assert "created programme" not in second
    assert "programmes already present" in second
    assert ProgrammeIndexPage.objects.count() == 1
    for slug in EXPECTED:
        assert ProgrammePage.objects.filter(slug=slug).count() == 1, slug
    assert ProgrammePage.objects.count() == 4

    page = visible_text(client.get("/programmes/"))
    for data in PROGRAMMES:
        assert page.count(data["title"]) == 1, data["title"]


def test_demo_programmes_have_the_designed_slugs_short_names_and_audiences():
    load_demo()

    pages = {page.slug: page for page in ProgrammePage.objects.live()}
    assert {slug: page.audience for slug, page in pages.items()} == EXPECTED
    assert pages["baltic-excellence-programme"].title == "Baltic Excellence Programme"
    assert pages["baltic-excellence-programme"].short_name == "BEP"
    assert pages["needs"].short_name == "NEEDS"
    assert pages["byfores"].short_name == "BYFORES"
    assert pages["secure-kids"].title == "Secure Kids"


def test_load_demo_fills_an_empty_index_intro_once(home, client):
    ProgrammeIndexPageFactory(parent=home, intro="")

    load_demo()
    load_demo()

    assert ProgrammeIndexPage.objects.count() == 1
    assert ProgrammeIndexPage.objects.get().intro == INDEX_INTRO
    assert INDEX_INTRO in visible_text(client.get("/programmes/"))


def test_load_demo_keeps_an_editors_own_index_intro(home, client):
    ProgrammeIndexPageFactory(parent=home, intro="Our training offer for 2026.")

    load_demo()

    assert ProgrammeIndexPage.objects.get().intro == "Our training offer for 2026."
    assert ProgrammePage.objects.count() == 4


@pytest.mark.parametrize("slug", list(EXPECTED))
def test_each_demo_programme_page_describes_people_activities_and_partners(client, slug):
    load_demo()
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


def test_demo_content_names_no_person_and_gives_no_contact_details():
    load_demo()

    for programme in ProgrammePage.objects.all():
        everything = " ".join(
            [programme.summary, programme.goals, programme.partners, programme.contact]
            + [str(block.render()) for block in programme.body]
        )
        assert "@" not in everything, programme.slug
        assert not re.search(r"\+?\d[\d ()-]{7,}\d", everything), programme.slug
        for quote in (b for b in programme.body if b.block_type == "quote_block"):
            assert quote.value["attribution"].startswith("A "), quote.value["attribution"]


def test_demo_content_uses_british_spelling():
    load_demo()

    american = re.compile(
        r"\b(program|programs|organization\w*|organiz\w+|center|centers|defense|enroll\w*|"
        r"behavior\w*|neighbor\w*|catalog|practicing)\b",
        flags=re.I,
    )
    for programme in ProgrammePage.objects.all():
        everything = " ".join(
            [programme.title, programme.summary, programme.goals, programme.partners]
            + [str(block.render()) for block in programme.body]
        )
        assert not american.findall(everything), (programme.slug, american.findall(everything))
