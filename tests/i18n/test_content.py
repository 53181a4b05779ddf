"""Page content in the reader's language: an English page translated with wagtail-localize is
read in Latvian at its English address under /lv/, its untranslated neighbours in English with a
note in Latvian, and every record still points at the English page."""

import re

import pytest
from django.utils import translation

from lms.languages.content import canonical, in_language, translation_publish
from programmes.models import ModulePage, ProgrammePage, QuizAttempt
from tests.factories import UserFactory
from tests.programmes.conftest import visible_text
from tests.programmes.modules import make_module, quiz_ids, right_answers, step_ids

pytestmark = pytest.mark.django_db

LATVIAN = {
    "Coastal Flood Exercise": "Piekrastes plūdu mācības",
    "Rescue services from three countries rehearse a storm surge together.": (
        "Trīs valstu glābšanas dienesti kopā trenējas vētras uzplūdiem."
    ),
}
NOTE = "This page has not been translated into your language yet, so it is shown in %(language)s."


def note_start(language: str) -> str:
    """The translation note's words before the language's name, as a reader of `language`
    sees them."""
    with translation.override(language):
        return translation.gettext(NOTE).split("%(")[0].strip()


NOTE_LV = "Šī lapa vēl nav pārtulkota jūsu valodā"


@pytest.fixture
def programme(make_programme) -> ProgrammePage:
    return make_programme(title="Coastal Flood Exercise", slug="coastal-flood")


@pytest.fixture
def translate(django_capture_on_commit_callbacks):
    """Translate and publish as an editor's request would: wagtail-localize publishes once the
    transaction commits."""

    def run(page, language, texts):
        with django_capture_on_commit_callbacks(execute=True):
            made = translation_publish(page, language, texts)
        made.refresh_from_db()
        return made

    return run


def read(client, url: str) -> tuple[int, str, str]:
    response = client.get(url)
    text = visible_text(response) if response.status_code == 200 else ""
    return response.status_code, text, response.content.decode()


def test_a_translated_page_reads_in_latvian_at_its_english_address_under_lv(
    translate, client, programme
):
    translate(programme, "lv", LATVIAN)

    status, text, html = read(client, "/lv/programmes/coastal-flood/")

    assert status == 200
    assert "Piekrastes plūdu mācības" in text
    assert "Trīs valstu glābšanas dienesti" in text
    assert NOTE_LV not in text, "a translated page needs no note"
    assert '<html lang="lv"' in html
    # The English page itself is unchanged, for English readers and in the database.
    status, text, _ = read(client, "/programmes/coastal-flood/")
    assert "Coastal Flood Exercise" in text and "Piekrastes" not in text
    programme.refresh_from_db()
    assert programme.title == "Coastal Flood Exercise"


def test_an_untranslated_page_is_english_with_a_note_in_latvian_and_links_stay_in_latvian(
    translate, client, programme
):
    make_module(programme, title="Cross-border cooperation", slug="cooperation")
    translate(programme, "lv", LATVIAN)

    status, text, html = read(client, "/lv/programmes/coastal-flood/")
    assert status == 200
    # The programme page links to its module under the reader's language.
    assert 'href="/lv/programmes/coastal-flood/cooperation/"' in html

    status, text, html = read(client, "/lv/programmes/coastal-flood/cooperation/")
    assert status == 200
    assert "Cross-border cooperation" in text
    assert NOTE_LV in text
    assert re.search(r'<div lang="en">', html), "the English part is marked as English"
    # Its breadcrumb names the programme in Latvian.
    assert "Piekrastes plūdu mācības" in text


def test_the_translated_pages_own_address_leads_to_the_same_page(translate, client, programme):
    latvian = translate(programme, "lv", {**LATVIAN, "coastal-flood": "piekrastes-pludi"})
    assert latvian.slug == "piekrastes-pludi"
    assert latvian.url.startswith("/lv/")

    status, text, _ = read(client, latvian.url)

    assert status == 200
    assert "Piekrastes plūdu mācības" in text


def test_lists_hold_each_page_once_and_records_point_at_the_english_page(
    translate, client, programme, django_user_model
):
    module = make_module(programme, title="Cross-border cooperation", slug="cooperation")
    translate(module, "lv", {"Cross-border cooperation": "Pārrobežu sadarbība"})

    assert list(canonical(ModulePage.objects.live())) == [module]
    assert ModulePage.objects.live().count() == 2, "the translation is a page of its own"

    # The programme page lists the module once, in Latvian, linking to the English module's
    # address under /lv/.
    status, text, html = read(client, "/lv/programmes/coastal-flood/")
    assert text.count("Pārrobežu sadarbība") == 1
    assert "Cross-border cooperation" not in text
    assert 'href="/lv/programmes/coastal-flood/cooperation/"' in html


def test_a_page_shown_in_another_language_is_never_saved(translate, programme):
    translate(programme, "lv", LATVIAN)
    page = ProgrammePage.objects.get(pk=programme.pk)
    with translation.override("lv"):
        in_language([page])

    assert page.title == "Piekrastes plūdu mācības"
    with pytest.raises(RuntimeError):
        page.save()
    with pytest.raises(RuntimeError):
        page.save_revision()
    assert ProgrammePage.objects.get(pk=programme.pk).title == "Coastal Flood Exercise"


def test_english_readers_and_other_languages_keep_the_english_texts(translate, client, programme):
    translate(programme, "lv", LATVIAN)

    status, text, _ = read(client, "/lt/programmes/coastal-flood/")

    assert status == 200
    assert "Coastal Flood Exercise" in text and "Piekrastes" not in text
    assert note_start("lt") in text
    assert note_start("lv").startswith(NOTE_LV)


def test_search_finds_a_page_by_the_words_of_the_readers_language(translate, client, programme):
    translate(programme, "lv", LATVIAN)

    status, text, html = read(client, "/lv/search/?q=plūdu")

    assert status == 200
    assert "Piekrastes plūdu mācības" in text
    assert 'href="/lv/programmes/coastal-flood/"' in html
    # Found by its English words too, once, shown in Latvian.
    status, text, html = read(client, "/lv/search/?q=coastal")
    assert text.count("Piekrastes plūdu mācības") == 1
    # English readers search the English texts only.
    status, text, _ = read(client, "/search/?q=plūdu")
    assert "Coastal Flood Exercise" not in text and "Piekrastes" not in text


MODULE_LV = {
    "Cross-border cooperation": "Pārrobežu sadarbība",
    "Knowledge check": "Zināšanu pārbaude",
    "Which framework guides disaster risk reduction?": (
        "Kurš regulējums vada katastrofu riska mazināšanu?"
    ),
    "Sendai Framework": "Sendai regulējums",
}


def test_a_quiz_answered_in_latvian_counts_on_the_english_module(translate, client, programme):
    module = make_module(programme, title="Cross-border cooperation", slug="cooperation")
    latvian = translate(module, "lv", MODULE_LV)
    # wagtail-localize keeps every step's and question's identity in the translation.
    assert quiz_ids(latvian)[0][0] == quiz_ids(module)[0][0]
    assert step_ids(latvian) == step_ids(module)
    user = UserFactory()
    client.force_login(user)
    url = f"/lv/programmes/coastal-flood/cooperation/step/{step_ids(module)['quiz']}/"

    status, text, html = read(client, url)
    assert status == 200
    assert "Zināšanu pārbaude" in text and "Sendai regulējums" in text
    nonce = re.search(r'name="nonce" value="([^"]+)"', html).group(1)
    answers = {f"q-{question}": options for question, options in right_answers(module).items()}
    response = client.post(url, {"nonce": nonce, **answers})

    assert response.status_code in (200, 302)
    attempt = QuizAttempt.objects.get(progress__user=user)
    assert attempt.progress.module_id == module.pk, "recorded on the English module"
    assert attempt.passed
