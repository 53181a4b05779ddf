"""Fixtures for the programme pages: the site's home page, a programme index, a programme factory
and Wagtail's page-test assertions usable from plain pytest functions."""

import html
import re

import factory
import pytest
from wagtail.coreutils import get_dummy_request
from wagtail.test.utils import WagtailPageTestCase

from lms.models import HomePage
from programmes.models import Audience, ProgrammeIndexPage, ProgrammePage


class _ChildPageFactory(factory.django.DjangoModelFactory):
    """Creates a page as a child of `parent`, the way an editor would in the page tree."""

    class Meta:
        abstract = True

    parent = None

    @classmethod
    def _create(cls, model_class, *args, parent, **kwargs):
        page = model_class(**kwargs)
        parent.add_child(instance=page)
        return page


class ProgrammeIndexPageFactory(_ChildPageFactory):
    class Meta:
        model = ProgrammeIndexPage

    title = "Programmes"
    slug = "programmes"
    intro = "Training and exercises across the Baltic Sea Region."


class ProgrammePageFactory(_ChildPageFactory):
    class Meta:
        model = ProgrammePage

    title = factory.Sequence(lambda n: f"Coastal Flood Exercise {n}")
    slug = factory.Sequence(lambda n: f"coastal-flood-exercise-{n}")
    summary = "Rescue services from three countries rehearse a storm surge together."
    audience = Audience.PROFESSIONALS
    goals = "<ul><li>Agree who leads when the water crosses the border.</li></ul>"


@pytest.fixture
def home(db) -> HomePage:
    return HomePage.objects.get()


@pytest.fixture
def programme_index(home) -> ProgrammeIndexPage:
    return ProgrammeIndexPageFactory(parent=home)


@pytest.fixture
def make_programme(programme_index):
    def make(**kwargs) -> ProgrammePage:
        kwargs.setdefault("parent", programme_index)
        return ProgrammePageFactory(**kwargs)

    return make


@pytest.fixture
def wagtail_page_asserts(client) -> WagtailPageTestCase:
    """Wagtail's page assertions (assertCanCreateAt, assertPageIsRoutable, ...) bound to the
    pytest-django test client, without running a unittest test case."""
    helper = WagtailPageTestCase()
    helper.client = client
    helper.dummy_request = get_dummy_request()
    return helper


def visible_text(response) -> str:
    """The page's text as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    content = response.content.decode(response.charset or "utf-8")
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", content))
    return re.sub(r"\s+", " ", text).strip()


def rich_text_items(rich_text: str) -> list[str]:
    """The visible text of each list item in a rich-text value."""
    items = re.findall(r"<li>(.*?)</li>", rich_text, flags=re.S)
    return [
        re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", item))).strip() for item in items
    ]
