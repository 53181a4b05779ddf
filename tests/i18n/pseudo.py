"""A pseudo-locale for the tests (`en-xa`): every string the code marks for translation comes out
as ⟦Ŧĥíš⟧ — accented and between markers — so that text a page, an e-mail or a PDF shows outside
the markers is either data (names, titles typed by editors) or a string nobody marked.

The catalogue is made from the committed catalogues' strings into a scratch folder that the tests
add to LOCALE_PATHS."""

import re
from pathlib import Path

import polib
from django.conf import settings

from lms.languages.catalogues import DOMAINS

CODE = "en-xa"
OPEN, CLOSE = "⟦", "⟧"
ACCENTS = str.maketrans(
    "abcdeghiklmnorstuyzABCDEGHIKLNORSTUYZ",
    "àƀçđéğĥíķĺɱñóŕšţúýžÀƁÇĐÉĜĤÍĶĹÑÓŔŠŢÚÝŽ",
)
# Placeholders, markup and entities pass through unchanged.
KEEP = re.compile(r"%\(\w+\)[sdif]|%[sdif]|<[^>]*>|&\w+;|\{\{[^}]*\}\}|\{%[^%]*%\}")


def accented(text: str) -> str:
    out, last = [], 0
    for match in KEEP.finditer(text):
        out.append(text[last : match.start()].translate(ACCENTS))
        out.append(match.group(0))
        last = match.end()
    out.append(text[last:].translate(ACCENTS))
    return OPEN + "".join(out) + CLOSE


def build(scratch: Path) -> Path:
    """Write the compiled pseudo catalogues under `scratch`; returns the folder to add to
    LOCALE_PATHS. The strings come from a committed catalogue (Latvian's: every language holds
    every marked string, which `manage.py catalogues check` makes sure of in CI), so the tests
    need no GNU gettext."""
    target = scratch / "en_XA" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    for domain in DOMAINS:
        source = Path(settings.BASE_DIR) / "locale" / "lv" / "LC_MESSAGES" / f"{domain}.po"
        po = polib.pofile(str(source))
        po.metadata = {
            "Content-Type": "text/plain; charset=UTF-8",
            "Language": CODE,
            "Plural-Forms": "nplurals=2; plural=(n != 1);",
        }
        for entry in po:
            entry.flags = [f for f in entry.flags if f != "fuzzy"]
            if entry.msgid_plural:
                entry.msgstr_plural = {0: accented(entry.msgid), 1: accented(entry.msgid_plural)}
            else:
                entry.msgstr = accented(entry.msgid)
        po.save_as_mofile(str(target / f"{domain}.mo"))
    return scratch
