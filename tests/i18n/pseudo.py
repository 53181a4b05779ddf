"""A pseudo-locale for the tests (`en-xa`): every string the code marks for translation comes out
as ⟦Ŧĥíš⟧ — accented and between markers — so that text a page, an e-mail or a PDF shows outside
the markers is either data (names, titles typed by editors) or a string nobody marked.

The catalogue is made from the strings the code marks today (extracted with GNU gettext) into a
scratch folder that the tests add to LOCALE_PATHS."""

import re
from pathlib import Path

from lms.languages.catalogues import extracted

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
    LOCALE_PATHS."""
    target = scratch / "en_XA" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with extracted() as found:
        for domain, po in found.items():
            po.metadata = {
                "Content-Type": "text/plain; charset=UTF-8",
                "Language": CODE,
                "Plural-Forms": "nplurals=2; plural=(n != 1);",
            }
            for entry in po:
                entry.flags = [f for f in entry.flags if f != "fuzzy"]
                if entry.msgid_plural:
                    entry.msgstr_plural = {
                        0: accented(entry.msgid),
                        1: accented(entry.msgid_plural),
                    }
                else:
                    entry.msgstr = accented(entry.msgid)
            po.save_as_mofile(str(target / f"{domain}.mo"))
    return scratch
