"""The interface's translation catalogues (locale/<language>/LC_MESSAGES/*.po).

catalogues compile   write the .mo files Django reads (the install step runs it; no GNU
                     gettext needed)
catalogues check     fail when a language lacks a catalogue, an entry is empty or fuzzy, a
                     placeholder differs from the English, or the code has strings the
                     catalogues do not (CI runs it; extracting needs GNU gettext)
catalogues status    one line per language: entries, translated, fuzzy (docs/translations.md)
"""

import re
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lms.languages.catalogues import DOMAINS, extracted, key

# Python %-placeholders (named or positional) and the scripts' interpolate() ones.
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def languages() -> list[str]:
    """Every language with a catalogue of its own (English is the source text)."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def catalogue(language: str, domain: str) -> Path:
    return locale_dir() / language.replace("-", "_") / "LC_MESSAGES" / f"{domain}.po"


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text))


def problems(po: polib.POFile) -> list[str]:
    """What keeps a catalogue from being complete."""
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        where = f"msgid {entry.msgid[:60]!r}"
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {where}")
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(i, "") for i in range(len(entry.msgstr_plural))]
            if not forms or not all(forms):
                found.append(f"plural form missing: {where}")
            wanted = _placeholders(entry.msgid_plural)
            for form in forms:
                if form and set(_placeholders(form)) - set(wanted) - {"%d", "%s"}:
                    found.append(f"placeholder differs: {where}")
        else:
            if not entry.msgstr:
                found.append(f"empty: {where}")
            elif _placeholders(entry.msgstr) != _placeholders(entry.msgid):
                found.append(f"placeholder differs: {where}")
    return found


def extracted_msgids() -> dict[str, set[str]]:
    """The strings the code marks today, per domain."""
    with extracted() as found:
        return {domain: {key(e) for e in po} for domain, po in found.items()}


class Command(BaseCommand):
    help = "Compile, check or summarise the interface's translation catalogues."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["compile", "check", "status"])

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")()

    def _compile(self):
        count = 0
        for po_path in sorted(locale_dir().glob("*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            count += 1
        self.stdout.write(f"catalogues: {count} compiled")

    def _status(self):
        for language in languages():
            cells = []
            for domain in DOMAINS:
                path = catalogue(language, domain)
                if not path.exists():
                    cells.append(f"{domain}: missing")
                    continue
                po = polib.pofile(str(path))
                entries = [e for e in po if not e.obsolete]
                cells.append(
                    f"{domain}: {len(po.translated_entries())}/{len(entries)} translated, "
                    f"{len(po.fuzzy_entries())} fuzzy"
                )
            self.stdout.write(f"{language}: " + "; ".join(cells))

    def _check(self):
        failures = []
        wanted = extracted_msgids()
        for language in languages():
            for domain in DOMAINS:
                path = catalogue(language, domain)
                if not path.exists():
                    if wanted[domain]:
                        failures.append(f"{language}/{domain}: no catalogue")
                    continue
                po = polib.pofile(str(path))
                failures += [f"{language}/{domain}: {p}" for p in problems(po)]
                have = {key(e) for e in po if not e.obsolete}
                for missing in sorted(wanted[domain] - have)[:20]:
                    failures.append(
                        f"{language}/{domain}: not in the catalogue (run `make messages`): "
                        f"{missing.split(chr(4), 1)[1][:60]!r}"
                    )
        if failures:
            for line in failures[:200]:
                self.stderr.write(line)
            raise CommandError(f"{len(failures)} catalogue problem(s)")
        self.stdout.write("catalogues: complete")
