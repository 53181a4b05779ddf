"""Who reads which language: public pages carry it in their address, a first visit follows the
browser, the switcher keeps the reader on the same page, and a logged-in person's profile
language wins from login on."""

import html
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from lms.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_an_address_without_a_language_follows_the_browser_on_a_first_visit(client):
    response = client.get("/programmes/", HTTP_ACCEPT_LANGUAGE="lv-LV,lv;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert response["Location"] == "/lv/programmes/"

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="pl")
    assert response["Location"] == "/pl/"

    # English, or a language the site does not offer: the English page, at its address.
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB").status_code == 200
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR")
    assert response.status_code == 200
    assert html_lang(response) == "en"


def test_a_chosen_language_outranks_the_browser(client):
    client.cookies[COOKIE] = "lt"
    response = client.get("/programmes/", HTTP_ACCEPT_LANGUAGE="de")
    assert response["Location"] == "/lt/programmes/"


def test_a_public_page_is_served_in_the_language_of_its_address(client):
    response = client.get("/lv/")
    assert response.status_code == 200
    assert html_lang(response) == "lv"
    response = client.get("/uk/")
    assert html_lang(response) == "uk"


def test_the_switcher_links_to_the_same_page_in_every_language(client):
    content = client.get("/lv/").content.decode()
    for code, name in settings.LANGUAGES:
        address = "/" if code == "en" else f"/{code}/"
        assert f'href="{address}" hreflang="{code}" lang="{code}"' in content, code
        assert name in content


def test_a_site_page_without_a_language_in_its_address_follows_the_readers_choice(client):
    # Not found (a page of the site's own answering 404) stays a 404 in every language.
    client.cookies[COOKIE] = "pl"
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert html_lang(response) == "pl"
    assert response["Content-Language"] == "pl"


def test_an_unknown_record_stays_not_found_instead_of_a_redirect(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get("/groups/999999/")
    assert response.status_code == 404


def test_logging_in_switches_to_the_profile_language(client):
    user = UserFactory()
    Profile.objects.filter(user=user).update(preferred_language="et")
    response = client.post(
        reverse("login"),
        {"username": user.email, "password": "Correct-Horse-42"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "et"
    assert html_lang(client.get(reverse("profile"))) == "et"


def test_switching_keeps_the_page_and_remembers_the_choice_in_the_profile(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("language_switch"), {"language": "lt", "next": "/programmes/"})
    assert response.status_code == 302
    assert response["Location"] == "/lt/programmes/"
    assert response.cookies[COOKIE].value == "lt"
    assert Profile.objects.get(user=user).preferred_language == "lt"

    # A page without a language in its address: the same address, now in Lithuanian.
    response = client.post(
        reverse("language_switch"), {"language": "lt", "next": "/account/profile/"}
    )
    assert response["Location"] == "/account/profile/"
    assert html_lang(client.get("/account/profile/")) == "lt"


def test_the_switcher_ignores_a_foreign_next_address_and_an_unknown_language(client):
    response = client.post(
        reverse("language_switch"), {"language": "xx", "next": "https://elsewhere.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[COOKIE].value == "en"


def test_the_switcher_refuses_a_get(client):
    assert client.get(reverse("language_switch")).status_code == 405


def test_each_language_has_its_own_cached_copy_of_a_public_page(client):
    first_lv = client.get("/lv/")
    first_pl = client.get("/pl/")
    assert first_lv["X-Page-Cache"] == "miss"
    assert first_pl["X-Page-Cache"] == "miss"
    again_lv = client.get("/lv/")
    assert again_lv["X-Page-Cache"] == "hit"
    assert html_lang(again_lv) == "lv"
    assert html_lang(client.get("/pl/")) == "pl"
    assert client.get("/")["X-Page-Cache"] == "miss"
    again_en = client.get("/")
    assert again_en["X-Page-Cache"] == "hit"
    assert html_lang(again_en) == "en"
    # A reader of Polish asking for the English address is not served the English copy.
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="pl")
    assert response.status_code == 302
    assert response["Location"] == "/pl/"


def test_an_untranslated_page_is_shown_in_english_with_a_note_in_the_readers_language(client):
    content = client.get("/lv/").content.decode()
    with translation.override("lv"):
        note = gettext(
            "This page has not been translated into your language yet, so it is shown in "
            "%(language)s."
        ) % {"language": translation.get_language_info("en")["name_translated"]}
    assert 'class="translation-note"' in content
    assert html.escape(note) in content or note in content
    assert '<div lang="en">' in content
    # In English, no note.
    assert 'class="translation-note"' not in client.get("/").content.decode()
