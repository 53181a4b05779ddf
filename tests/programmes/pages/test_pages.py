"""Programme pages as visitors and editors meet them: listings on the home page and the programme
index, the programme pages themselves, where editors may create them, and what stays hidden."""

import pytest
from wagtail.models import Page, PageViewRestriction
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from lms.models import HomePage, User
from programmes.models import (
    ActivityPage,
    LessonsLearnedPage,
    ModulePage,
    ProgrammeIndexPage,
    ProgrammePage,
    SurveyPage,
)
from tests.factories import NAMES
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

DIACRITICS = ", ".join(NAMES)  # Þórunn Guðmundsdóttir, Jānis Bērziņš, ... Õie Täht


# --- Listings -----------------------------------------------------------------------------------


def test_programme_index_without_programmes_says_so(client, programme_index):
    text = visible_text(client.get("/programmes/"))

    assert "No programmes are published yet" in text


def test_programmes_are_listed_in_the_order_editors_arranged_them(client, make_programme):
    first = make_programme(title="Forest Fire Study Visit")
    second = make_programme(title="Winter Storm Table-top Exercise")

    text = visible_text(client.get("/programmes/"))

    assert text.index(first.title) < text.index(second.title)


# --- Programme pages ----------------------------------------------------------------------------


def test_programme_page_links_back_to_the_programme_index(client, make_programme):
    programme = make_programme()

    content = client.get(programme.url).content.decode()

    assert 'href="/programmes/"' in content


def test_programme_page_invites_visitors_to_sign_up_but_not_people_already_logged_in(
    client, make_programme, user
):
    programme = make_programme()

    assert "Sign up to take part" in visible_text(client.get(programme.url))
    client.force_login(user)
    assert "Sign up to take part" not in visible_text(client.get(programme.url))


def test_index_and_programme_pages_are_routable_and_renderable(
    wagtail_page_asserts, programme_index, make_programme
):
    programme = make_programme()

    wagtail_page_asserts.assertPageIsRoutable(programme_index)
    wagtail_page_asserts.assertPageIsRenderable(programme_index)
    wagtail_page_asserts.assertPageIsRoutable(programme)
    wagtail_page_asserts.assertPageIsRenderable(programme)


# --- Where editors may create the pages --------------------------------------------------------


def test_programme_pages_may_only_be_created_under_the_programme_index(wagtail_page_asserts):
    wagtail_page_asserts.assertCanCreateAt(ProgrammeIndexPage, ProgrammePage)
    wagtail_page_asserts.assertCanNotCreateAt(HomePage, ProgrammePage)
    wagtail_page_asserts.assertCanNotCreateAt(ProgrammePage, ProgrammePage)
    wagtail_page_asserts.assertCanNotCreateAt(Page, ProgrammePage)
    wagtail_page_asserts.assertAllowedParentPageTypes(ProgrammePage, {ProgrammeIndexPage})
    wagtail_page_asserts.assertAllowedSubpageTypes(ProgrammeIndexPage, {ProgrammePage})
    wagtail_page_asserts.assertAllowedSubpageTypes(
        ProgrammePage, {ModulePage, ActivityPage, SurveyPage, LessonsLearnedPage}
    )


def test_the_programme_index_may_only_be_created_under_the_home_page(wagtail_page_asserts):
    wagtail_page_asserts.assertCanCreateAt(HomePage, ProgrammeIndexPage)
    wagtail_page_asserts.assertCanNotCreateAt(Page, ProgrammeIndexPage)
    wagtail_page_asserts.assertCanNotCreateAt(ProgrammeIndexPage, ProgrammeIndexPage)
    wagtail_page_asserts.assertAllowedParentPageTypes(ProgrammeIndexPage, {HomePage})


def test_a_site_has_at_most_one_programme_index(home):
    assert ProgrammeIndexPage.can_create_at(home)

    home.add_child(instance=ProgrammeIndexPage(title="Programmes", slug="programmes"))

    assert not ProgrammeIndexPage.can_create_at(HomePage.objects.get())


def test_an_editor_creates_and_publishes_a_programme_in_the_admin(
    wagtail_page_asserts, client, programme_index
):
    editor = User.objects.create_superuser(email="editor@example.org", password="x")
    client.force_login(editor)
    data = nested_form_data(
        {
            "title": "Søren Ærø Maritime Rescue Course",
            "slug": "maritime-rescue-course",
            "short_name": "MRC",
            "summary": "Search and rescue at sea, from the first call to the last survivor.",
            "audience": "professionals",
            "goals": rich_text(
                "<ul><li>Coordinate ships and helicopters across borders.</li></ul>"
            ),
            "partners": rich_text(""),
            "contact": "Maritime rescue training team",
            "body": streamfield(
                [("paragraph_block", rich_text("<p>Five days in the Gulf of Finland.</p>"))]
            ),
        }
    )

    wagtail_page_asserts.assertCanCreate(programme_index, ProgrammePage, data)

    client.logout()
    text = visible_text(client.get("/programmes/maritime-rescue-course/"))
    assert "Søren Ærø Maritime Rescue Course" in text
    assert "Coordinate ships and helicopters across borders." in text
    assert "Five days in the Gulf of Finland." in text
    assert "Søren Ærø Maritime Rescue Course" in visible_text(client.get("/programmes/"))


# --- What the public does not see ---------------------------------------------------------------


def test_a_draft_programme_is_not_listed_and_gives_404_to_the_public(client, make_programme):
    published = make_programme(title="Published Flood Course")
    draft = make_programme(title="Draft Flood Course", live=False)

    for url in ("/", "/programmes/"):
        text = visible_text(client.get(url))
        assert published.title in text
        assert draft.title not in text
    assert draft.url == f"/programmes/{draft.slug}/"
    response = client.get(draft.url)
    assert response.status_code == 404
    assert draft.title not in visible_text(response)


def test_an_unpublished_programme_disappears_from_listings_and_its_url(client, make_programme):
    programme = make_programme(title="Ice Rescue Workshop")
    url = programme.url
    assert client.get(url).status_code == 200
    assert programme.title in visible_text(client.get("/programmes/"))

    programme.unpublish()

    assert client.get(url).status_code == 404
    assert programme.title not in visible_text(client.get("/programmes/"))
    assert programme.title not in visible_text(client.get("/"))


def test_a_password_protected_programme_is_not_listed(client, make_programme):
    programme = make_programme(title="Closed CBRNE Briefing")
    PageViewRestriction.objects.create(
        page=programme, restriction_type=PageViewRestriction.PASSWORD, password="briefing-2026"
    )

    assert programme.title not in visible_text(client.get("/programmes/"))
    assert programme.title not in visible_text(client.get("/"))
    assert programme.summary not in visible_text(client.get("/"))


# --- Names of the region ------------------------------------------------------------------------


def test_titles_and_texts_with_diacritics_survive_on_every_page(client, make_programme):
    programme = make_programme(
        title="Þórunn Guðmundsdóttir Leadership Fellowship",
        slug="",
        summary=f"Mentors this year: {DIACRITICS}.",
        goals="<ul><li>Learn from Jānis Bērziņš how Rīga runs its flood drills.</li></ul>",
        contact="Secretariat of the Łódź–Tórshavn exchange",
    )

    assert programme.slug == "þórunn-guðmundsdóttir-leadership-fellowship"
    page = client.get(programme.url)
    assert page.status_code == 200
    assert page["Content-Type"] == "text/html; charset=utf-8"
    content = page.content.decode("utf-8")
    for expected in (
        "Þórunn Guðmundsdóttir Leadership Fellowship",
        DIACRITICS,
        "Learn from Jānis Bērziņš how Rīga runs its flood drills.",
        "Secretariat of the Łódź–Tórshavn exchange",
    ):
        assert expected in content
    for url in ("/", "/programmes/"):
        listing = client.get(url).content.decode("utf-8")
        assert "Þórunn Guðmundsdóttir Leadership Fellowship" in listing
        assert DIACRITICS in listing
        assert f'href="{programme.url}"' in listing
