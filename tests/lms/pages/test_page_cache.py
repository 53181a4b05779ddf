"""The anonymous page cache as visitors and editors meet it: repeat visits cost no database work,
logged-in people always see their own pages, and every change an editor makes to the page tree is
visible at once."""

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from wagtail.models import PageViewRestriction

from lms import urls as project_urls
from lms.models import HomePage
from lms.pages.cache import anonymous_cacheable
from tests.programmes.conftest import (
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    visible_text,
)
from tests.programmes.modules import make_module

pytestmark = pytest.mark.django_db

HEADER = "X-Page-Cache"


@anonymous_cacheable
def _greeting_with_message(request):
    messages.info(request, "Your certificate is on its way.")
    return TemplateResponse(request, "base.html", {})


@anonymous_cacheable
def _private_greeting(request):
    response = HttpResponse("Only for you")
    response["Cache-Control"] = "private"
    return response


@anonymous_cacheable
def _public_greeting(request):
    return HttpResponse("Hello, Baltic Sea Region")


urlpatterns = [
    path("cache-test/message/", _greeting_with_message),
    path("cache-test/private/", _private_greeting),
    path("cache-test/public/", _public_greeting),
    *project_urls.urlpatterns,
]


@pytest.fixture
def programme_index(db):
    return ProgrammeIndexPageFactory(parent=HomePage.objects.get())


@pytest.fixture
def programme(programme_index):
    return ProgrammePageFactory(
        parent=programme_index, title="Baltic Excellence Programme", slug="bep"
    )


def test_second_anonymous_visit_is_served_from_the_cache_without_the_database(
    client, programme, django_assert_num_queries
):
    first = client.get(programme.url)
    assert first.status_code == 200
    assert first[HEADER] == "miss"

    with django_assert_num_queries(0):
        second = client.get(programme.url)

    assert second.status_code == 200
    assert second[HEADER] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Baltic Excellence Programme" in visible_text(second)


def test_head_is_served_from_the_cache_without_a_body(client, programme):
    client.get(programme.url)

    response = client.head(programme.url)

    assert response[HEADER] == "hit"
    assert response.content == b""


def test_logged_in_visitor_never_gets_the_anonymous_page(client, programme, user):
    client.get(programme.url)  # an anonymous visitor fills the cache

    client.force_login(user)
    response = client.get(programme.url)

    assert response.status_code == 200
    assert response[HEADER] == "bypass"
    text = visible_text(response)
    assert "Log out" in text
    assert "My learning" in text
    assert "Sign up" not in text


def test_logged_in_page_is_never_stored_for_anonymous_visitors(client, programme, user):
    client.force_login(user)
    assert "Log out" in visible_text(client.get(programme.url))

    client.logout()
    response = client.get(programme.url)

    assert response[HEADER] == "miss"
    text = visible_text(response)
    assert "Log out" not in text
    assert "Sign up" in text


def test_publishing_a_new_revision_shows_at_once(client, programme):
    assert "Baltic Excellence Programme" in visible_text(client.get(programme.url))

    programme.title = "Baltic Excellence Programme 2026"
    programme.save_revision().publish()
    response = client.get(programme.url)

    assert response[HEADER] == "miss"
    assert "Baltic Excellence Programme 2026" in visible_text(response)


def test_a_draft_does_not_purge_or_show(client, programme):
    client.get(programme.url)

    programme.title = "Unreviewed draft title"
    programme.save_revision()
    response = client.get(programme.url)

    assert response[HEADER] == "hit"
    assert "Unreviewed draft title" not in visible_text(response)


def test_unpublishing_gives_404_at_once(client, programme):
    assert client.get(programme.url).status_code == 200
    url = programme.url

    programme.unpublish()

    assert client.get(url).status_code == 404


def test_deleting_gives_404_at_once_and_leaves_the_listing(client, programme, programme_index):
    url = programme.url
    client.get(url)
    assert "Baltic Excellence Programme" in visible_text(client.get(programme_index.url))

    programme.delete()

    assert client.get(url).status_code == 404
    assert "Baltic Excellence Programme" not in visible_text(client.get(programme_index.url))


def test_moving_a_module_moves_its_url_and_listing_at_once(client, programme, programme_index):
    other = ProgrammePageFactory(parent=programme_index, title="NEEDS", slug="needs")
    module = make_module(programme, title="Sendai Framework", slug="sendai")
    old_url = module.url
    assert client.get(old_url).status_code == 200
    assert "Sendai Framework" in visible_text(client.get(programme.url))
    assert "Sendai Framework" not in visible_text(client.get(other.url))

    module.move(other, pos="last-child")
    module.refresh_from_db()

    assert module.url.startswith(other.url)
    old = client.get(old_url)  # Wagtail leaves a redirect behind
    assert old.status_code in (301, 302, 404)
    assert old.get("Location", module.url) == module.url
    assert client.get(module.url).status_code == 200
    assert "Sendai Framework" not in visible_text(client.get(programme.url))
    assert "Sendai Framework" in visible_text(client.get(other.url))


def test_making_a_page_private_applies_at_once(client, programme):
    assert client.get(programme.url).status_code == 200

    PageViewRestriction.objects.create(page=programme, restriction_type=PageViewRestriction.LOGIN)

    assert client.get(programme.url).status_code == 302


def test_query_string_bypasses_the_cache(client, programme):
    client.get(programme.url)

    response = client.get(programme.url, {"utm_source": "newsletter"})

    assert response.status_code == 200
    assert response[HEADER] == "bypass"


def test_a_page_seen_with_a_query_string_is_not_stored(client, programme):
    client.get(programme.url, {"q": "flood"})

    assert client.get(programme.url)[HEADER] == "miss"


def test_post_is_never_served_from_or_stored_in_the_cache(client, programme):
    client.post(programme.url, {"anything": "1"})
    assert client.get(programme.url)[HEADER] == "miss"

    response = client.post(programme.url, {"anything": "1"})

    assert response[HEADER] == "bypass"


def _messages_cookie(text: str) -> str:
    storage = CookieStorage(HttpRequest())
    storage.add(messages.INFO, text)
    response = HttpResponse()
    storage.update(response)
    return response.cookies["messages"].value


def test_a_page_showing_a_pending_message_is_neither_served_from_nor_stored_in_the_cache(
    client, programme
):
    client.get(programme.url)  # cached without the message
    client.cookies["messages"] = _messages_cookie("Thank you for registering.")

    shown = client.get(programme.url)

    assert shown[HEADER] == "bypass"
    assert "Thank you for registering." in visible_text(shown)
    client.cookies.pop("messages", None)
    assert "Thank you for registering." not in visible_text(client.get(programme.url))


def test_a_response_that_shows_a_message_is_not_stored(client, settings):
    settings.ROOT_URLCONF = __name__

    first = client.get("/cache-test/message/")
    second = client.get("/cache-test/message/")

    assert "Your certificate is on its way." in visible_text(first)
    assert first[HEADER] == second[HEADER] == "uncacheable"


def test_a_private_response_is_not_stored(client, settings):
    settings.ROOT_URLCONF = __name__

    client.get("/cache-test/private/")

    assert client.get("/cache-test/private/")[HEADER] == "uncacheable"


def test_a_marked_view_outside_the_page_tree_is_cached(client, settings):
    settings.ROOT_URLCONF = __name__

    assert client.get("/cache-test/public/")[HEADER] == "miss"
    assert client.get("/cache-test/public/")[HEADER] == "hit"


def test_views_outside_the_page_tree_are_not_cached(client, programme):
    response = client.get("/account/login/")

    assert response.status_code == 200
    assert HEADER not in response


def test_each_host_has_its_own_entry(client, programme):
    client.get(programme.url)

    response = client.get(programme.url, HTTP_HOST="localhost")

    assert response[HEADER] == "miss"


def test_modules_step_pages_are_never_cached(client, programme, user):
    module = make_module(programme, title="Sendai Framework", slug="sendai")
    step_url = f"{module.url}step/{module.lessons[0].id}/"

    anonymous = client.get(step_url)
    assert anonymous.status_code == 302
    client.force_login(user)
    response = client.get(step_url)

    assert response.status_code == 200
    assert response[HEADER] == "bypass"
