"""Dates, numbers and plural forms follow the reader's language: Latvian, Lithuanian, Polish
and Ukrainian have three or four plural forms, and the catalogues fill each one."""

import re

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import ngettext

from tests.programmes.builders import ActivityPageFactory, local
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

MANY_FORMS = ("lv", "lt", "pl", "uk")
# Numbers that take each form, by the languages' own plural rules (CLDR): one, few, many.
SAMPLES = {"lv": (1, 2, 0), "lt": (1, 2, 10), "pl": (1, 2, 5), "uk": (1, 2, 5)}
MATCHES = "%(counter)s activity matches your filters."
MATCHES_PLURAL = "%(counter)s activities match your filters."


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(settings.LOCALE_PATHS[0] / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", MANY_FORMS)
def test_every_plural_entry_has_every_form_of_the_language(language):
    po = catalogue(language)
    forms = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))
    assert forms >= 3
    plural = [e for e in po if e.msgid_plural and not e.obsolete]
    assert plural
    for entry in plural:
        assert len(entry.msgstr_plural) == forms, entry.msgid
        assert all(entry.msgstr_plural[i].strip() for i in range(forms)), entry.msgid


@pytest.mark.parametrize("language", MANY_FORMS)
def test_counts_take_the_languages_own_forms(language):
    entry = catalogue(language).find(MATCHES)
    one, few, many = SAMPLES[language]
    with translation.override(language):
        texts = [ngettext(MATCHES, MATCHES_PLURAL, n) % {"counter": n} for n in (one, few, many)]
    # Each the catalogue's form for its number (Latvian may write 0 as it writes 2), none of it
    # English; Lithuanian, Polish and Ukrainian need all three.
    shapes = {t.replace(str(n), "#") for t, n in zip(texts, (one, few, many), strict=True)}
    assert len(shapes) >= (2 if language == "lv" else 3)
    for text in texts:
        assert text in {
            form % {"counter": n} for form in entry.msgstr_plural.values() for n in (one, few, many)
        }
        assert "activit" not in text


def make_activities(programme, count: int):
    for number in range(count):
        ActivityPageFactory(
            parent=programme,
            title=f"Harbour drill {number}",
            starts_at=local("2030-03-02 09:00", "Europe/Riga"),
            ends_at=local("2030-03-03 17:00", "Europe/Riga"),
        )


@pytest.mark.parametrize(("language", "count"), [("lv", 2), ("pl", 2), ("pl", 5), ("lt", 1)])
def test_the_activity_list_counts_and_dates_in_the_readers_language(
    client, make_programme, language, count
):
    programme = make_programme(title="Baltic Excellence Programme", slug="bep")
    make_activities(programme, count)
    response = client.get(f"/{language}/activities/?kind=tabletop")
    text = visible_text(response)
    with translation.override(language):
        expected = ngettext(MATCHES, MATCHES_PLURAL, count) % {"counter": count}
        # March as Django's catalogue names it in the language (plain or in the genitive).
        march = {
            str(translation.gettext("March")).lower(),
            str(translation.pgettext("alt. month", "March")).lower(),
        }
    assert expected in text
    assert "March" not in text
    assert any(name in text.lower() for name in march)
