"""The demo programmes as visitors and editors meet them, read by tests that share one loading of
the demo: listings on the home page and the programme index, each programme page, and editing."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from lms.languages.content import canonical
from lms.models import User
from programmes.demo import PROGRAMMES
from programmes.models import (
    ProgrammeIndexPage,
    ProgrammePage,
)
from tests.factories import NAMES
from tests.programmes.conftest import rich_text_items, visible_text
from tests.shared_demo import demo_once

pytestmark = pytest.mark.django_db

DIACRITICS = ", ".join(NAMES)  # Þórunn Guðmundsdóttir, Jānis Bērziņš, ... Õie Täht


demo_loaded = demo_once()


def edit_form_data(programme: ProgrammePage) -> dict:
    """What the admin edit form posts for `programme` when the editor changes nothing."""

    def block_data(block) -> tuple[str, object]:
        value = block.block.get_prep_value(block.value)
        if block.block_type == "paragraph_block":
            return block.block_type, rich_text(value)
        if block.block_type == "callout_block":
            value = {**value, "text": rich_text(value["text"])}
        return block.block_type, value

    return nested_form_data(
        {
            "title": programme.title,
            "slug": programme.slug,
            "short_name": programme.short_name,
            "summary": programme.summary,
            "audience": programme.audience,
            "goals": rich_text(programme.goals),
            "partners": rich_text(programme.partners),
            "contact": programme.contact,
            "contact_email": programme.contact_email,
            "contact_phone": programme.contact_phone,
            "contact_url": programme.contact_url,
            "body": streamfield([block_data(block) for block in programme.body]),
            "action-publish": "action-publish",
        }
    )


@pytest.fixture
def demo(demo_loaded, db) -> list[ProgrammePage]:
    return [ProgrammePage.objects.get(slug=data["slug"]) for data in PROGRAMMES]


def test_home_page_lists_the_four_programmes_with_links(client, demo):
    response = client.get("/")

    assert response.status_code == 200
    content = response.content.decode()
    text = visible_text(response)
    assert 'href="/programmes/"' in content
    for programme in demo:
        assert f'href="{programme.url}"' in content, programme.title
        assert programme.title in text
        assert programme.summary in text


def test_programme_index_lists_the_four_programmes_with_links_and_audiences(client, demo):
    response = client.get("/programmes/")

    assert response.status_code == 200
    content = response.content.decode()
    text = visible_text(response)
    assert canonical(ProgrammeIndexPage.objects.all()).get().intro in text
    for programme in demo:
        assert f'href="{programme.url}"' in content, programme.title
        assert programme.title in text
        assert programme.summary in text
    assert "Children and young people" in text
    assert "No programmes are published yet" not in text


@pytest.mark.parametrize("position", range(4))
def test_each_programme_page_shows_its_title_summary_audience_and_goals(client, demo, position):
    programme = demo[position]

    response = client.get(programme.url)

    assert response.status_code == 200
    text = visible_text(response)
    assert programme.title in text
    assert programme.summary in text
    assert programme.get_audience_display() in text
    assert "Goals" in text
    goals = rich_text_items(programme.goals)
    assert goals
    for goal in goals:
        assert goal in text
    if programme.short_name:
        assert programme.short_name in text


@pytest.mark.parametrize("position", range(4))
def test_an_editor_can_open_preview_and_republish_each_demo_programme(
    wagtail_page_asserts, client, demo, position
):
    programme = demo[position]
    before = visible_text(client.get(programme.url))
    editor = User.objects.create_superuser(email="editor@example.org", password="x")
    data = edit_form_data(programme)

    wagtail_page_asserts.assertPageIsPreviewable(programme, post_data=data, user=editor)
    client.force_login(editor)
    response = client.post(reverse("wagtailadmin_pages:edit", args=[programme.pk]), data)
    client.logout()

    assert response.status_code == 302, response.context["form"].errors
    assert visible_text(client.get(programme.url)) == before
