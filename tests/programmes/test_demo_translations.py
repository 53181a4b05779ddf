"""The demo's translations: `load_demo` publishes the home page, the programme index, Secure Kids
and BYFORES with their modules and activities in Latvian, Lithuanian and Polish; BEP and NEEDS
stay English with the note; a second run adds nothing; the translation files hold exactly the
strings of those pages' PO exports."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.utils import translation
from wagtail.models import Locale, Page
from wagtail_localize.models import Translation, TranslationSource

from lms.languages.content import canonical
from programmes.demo import BEP, BYFORES, SECURE_KIDS
from programmes.demo.content import ACTIVITIES, MODULES
from programmes.demo.translations import LANGUAGES, pages_translated, texts
from programmes.models import ProgrammePage
from tests.programmes.conftest import visible_text
from tests.programmes.modules import make_module
from tests.shared_demo import demo_once

pytestmark = pytest.mark.django_db

NOTE = "This page has not been translated into your language yet, so it is shown in %(language)s."


def note_start(language: str) -> str:
    """The translation note's words before the language's name, as a reader of `language`
    sees them."""
    with translation.override(language):
        return translation.gettext(NOTE).split("%(")[0].strip()


def load_demo() -> str:
    """`load_demo` as it runs for real: the translations are published once its transactions
    commit (wagtail-localize)."""
    out = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("load_demo", only=["programmes"], stdout=out)
    return out.getvalue()


demo_loaded = demo_once(commit_hooks=True, only=["programmes"])


@pytest.fixture(scope="module")
def demo(demo_loaded, django_db_blocker):
    """The programmes demo loaded once for the module, with its translations published; what
    it printed and the number of pages it left."""
    with django_db_blocker.unblock():
        return {"output": demo_loaded, "after": Page.objects.count()}


def read(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_text(response)


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_secure_kids_reads_in_latvian_without_the_note(demo, client):
    latvian = texts("lv")

    text = read(client, "/lv/programmes/secure-kids/")

    assert latvian[SECURE_KIDS["title"]] in text
    assert latvian[SECURE_KIDS["summary"]] in text
    assert SECURE_KIDS["summary"] not in text
    assert latvian["Who takes part"] in text
    assert note_start("lv") not in text


def test_a_byfores_module_reads_in_polish(demo, client):
    module = MODULES["byfores"][1]
    polish = texts("pl")

    text = read(client, f"/pl/programmes/byfores/{module['slug']}/")

    assert polish[module["title"]] in text
    assert polish[module["summary"]] in text
    assert module["summary"] not in text
    assert polish["Knowledge check"] in text
    # The breadcrumb names the programme in Polish too.
    assert polish[BYFORES["title"]] in text
    assert note_start("pl") not in text


def test_a_secure_kids_activity_reads_in_lithuanian(demo, client):
    activity = next(a for a in ACTIVITIES if a["programme"] == "secure-kids")
    lithuanian = texts("lt")

    text = read(client, f"/lt/programmes/secure-kids/{activity['slug']}/")

    assert lithuanian[activity["title"]] in text
    assert lithuanian[activity["summary"]] in text
    assert lithuanian["Safeguarding and consent"] in text
    assert activity["summary"] not in text
    assert note_start("lt") not in text


def test_bep_stays_english_with_the_note_in_latvian(demo, client):
    text = read(client, f"/lv/programmes/{BEP['slug']}/")

    assert BEP["title"] in text
    assert plain(BEP["summary"]) in text
    assert note_start("lv") in text
    assert note_start("lv") != note_start("en")


def test_the_home_page_and_the_index_read_in_each_language(demo, client):
    for language in LANGUAGES:
        home = read(client, f"/{language}/")
        assert texts(language)["Programmes"] in home, language
        index = read(client, f"/{language}/programmes/")
        assert texts(language)["Programmes"] in index, language
        assert note_start(language) not in index, language


def test_a_second_load_adds_no_page_and_reports_no_translation(demo):
    assert "translated Secure Kids into Latviešu" in demo["output"]
    assert "translated Baltic Youth for a Resilient Society into Polski" in demo["output"]
    translated = len(pages_translated())
    assert translated == 10
    assert demo["output"].count("translated ") == translated * len(LANGUAGES)
    # One page per language for each, and no parent copied on the way as an alias.
    translations = Page.objects.count() - canonical(Page.objects.all()).count()
    assert translations == translated * len(LANGUAGES)
    assert not Page.objects.filter(alias_of__isnull=False).exists()

    second = load_demo()

    assert Page.objects.count() == demo["after"]
    assert "translated" not in second
    assert "programmes already present" in second


def test_a_page_added_under_byfores_by_someone_else_stays_english(demo, client):
    byfores = ProgrammePage.objects.get(slug="byfores")
    make_module(byfores, title="Flood defences in winter", slug="flood-defences-in-winter")

    second = load_demo()

    assert "translated" not in second
    text = read(client, "/lv/programmes/byfores/flood-defences-in-winter/")
    assert "Flood defences in winter" in text
    assert note_start("lv") in text


def test_every_translated_page_is_live_in_each_language_and_slugs_stay_unique(demo):
    for language in LANGUAGES:
        locale = Locale.objects.get(language_code=language)
        for page in pages_translated():
            other = page.get_translation(locale)
            assert other.live and other.alias_of_id is None, (language, page.slug)
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", other.slug), other.slug
            assert other.slug != page.slug, (language, page.slug)
    # A lookup by the English slug finds the English page alone.
    assert ProgrammePage.objects.filter(slug="byfores").count() == 1
    assert ProgrammePage.objects.filter(slug="secure-kids").count() == 1
    assert ProgrammePage.objects.count() == 4 + 2 * len(LANGUAGES)


def _exports() -> dict[str, set[str]]:
    """Each translated page's strings, as wagtail-localize exports them in its PO file."""
    locale = Locale.objects.get(language_code="lv")
    found = {}
    for page in pages_translated():
        source, _ = TranslationSource.get_or_create_from_instance(page)
        found[page.slug] = {
            entry.msgid for entry in Translation(source=source, target_locale=locale).export_po()
        }
    return found


def test_the_translation_files_hold_exactly_the_strings_of_the_pages(demo):
    exports = _exports()
    wanted = set().union(*exports.values())
    assert len(wanted) > 250

    for language in LANGUAGES:
        given = texts(language)
        missing = {slug: sorted(strings - given.keys()) for slug, strings in exports.items()}
        assert not any(missing.values()), (language, missing)
        stale = sorted(given.keys() - wanted)
        assert not stale, (language, stale)
        assert all(value.strip() for value in given.values()), language


def test_translations_keep_the_tags_and_numbers_and_are_used_in_full(demo):
    tags = re.compile(r"<[^>]+>")
    numbers = re.compile(r"\d+")
    for language in LANGUAGES:
        given = texts(language)
        for source, text in given.items():
            assert tags.findall(source) == tags.findall(text), (language, source)
            assert sorted(numbers.findall(source)) == sorted(numbers.findall(text)), source
        # What was published is what the file says, string by string.
        for page in pages_translated():
            job = Translation.objects.get(
                source__object_id=page.translation_key, target_locale__language_code=language
            )
            for entry in job.export_po():
                assert entry.msgstr == given[entry.msgid], (language, entry.msgid)
