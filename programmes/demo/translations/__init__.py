"""Translations of part of the demo: the home page, the programme index, Secure Kids and BYFORES
with their modules and activities, in Latvian, Lithuanian and Polish, published through
wagtail-localize as an editor would with PO files. BEP and NEEDS stay English on purpose, so the
demo also shows a page read in English with the note in the reader's language.

Each language's texts are in `<code>.json` beside this file: an object from each English source
string of those pages (the msgid of wagtail-localize's PO export, slugs included) to its
translation. A page already translated into a language (an editor may have changed it since) is
left alone, so loading the demo again changes nothing."""

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from wagtail.models import Locale, Page

from lms.languages.content import canonical, translation_publish
from lms.models import HomePage
from programmes.demo.content import ACTIVITIES, MODULES
from programmes.pages.models import ActivityPage, ModulePage, ProgrammeIndexPage, ProgrammePage

FOLDER = Path(__file__).resolve().parent
LANGUAGES = ("lv", "lt", "pl")
# The programmes translated with the demo's modules and activities; the others stay English, and
# so does a page another demo (or an editor) adds under them: its strings are not in the files.
PROGRAMMES = ("secure-kids", "byfores")


@cache
def texts(language: str) -> dict[str, str]:
    """English source string → translation, for `language`."""
    with open(FOLDER / f"{language}.json", encoding="utf-8") as file:
        return json.load(file)


def pages_translated() -> list[Page]:
    """The English pages the demo translates, each before the pages under it."""
    home = canonical(HomePage.objects.all()).first()
    if home is None:
        return []
    pages: list[Page] = [home]
    index = canonical(ProgrammeIndexPage.objects.child_of(home)).first()
    if index is None:
        return pages
    pages.append(index)
    for slug in PROGRAMMES:
        programme = canonical(ProgrammePage.objects.child_of(index).filter(slug=slug)).first()
        if programme is None:
            continue
        pages.append(programme)
        modules = [data["slug"] for data in MODULES.get(slug, [])]
        activities = [data["slug"] for data in ACTIVITIES if data["programme"] == slug]
        for model, slugs in ((ModulePage, modules), (ActivityPage, activities)):
            pages += model.objects.child_of(programme).filter(slug__in=slugs).order_by("path")
    return pages


def _translated(page: Page, locale: Locale) -> bool:
    """Whether `page` already has a translation into `locale` (an alias copied on the way to a
    page below it is not one)."""
    found = page.get_translation_or_none(locale)
    return found is not None and found.alias_of_id is None


def translations_load() -> list[str]:
    names = dict(settings.LANGUAGES)
    lines = []
    pages = pages_translated()
    for language in LANGUAGES:
        locale = Locale.objects.filter(language_code=language).first()
        if locale is None:
            lines.append(f"no content locale for {names[language]}: translations left out")
            continue
        for page in pages:
            if _translated(page, locale):
                continue
            translation_publish(page, language, texts(language))
            lines.append(f"translated {page.title} into {names[language]}")
    return lines
