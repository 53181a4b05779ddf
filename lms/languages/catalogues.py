"""The strings the code marks for translation, extracted with GNU gettext (through Django's
makemessages) into a scratch folder: for the catalogue check and the tests' pseudo-locale."""

import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

DOMAINS = ("django", "djangojs")
IGNORE = [".venv", "tests", "bench", "static_collected", "var", "vendor", "locale", ".catalogues-*"]


@contextmanager
def extracted() -> Iterator[dict[str, polib.POFile]]:
    """The template catalogue of each domain. The scratch folder sits in the project folder:
    makemessages files every source under the nearest locale folder of its parent, and the
    project's own `locale/` must stay untouched."""
    lock = Path(settings.BASE_DIR) / ".catalogues.lock"
    # makemessages writes a temporary file beside every template it reads: one extraction at a
    # time per project folder (the test processes run in parallel).
    with (
        open(lock, "w") as held,
        _locked(held),
        tempfile.TemporaryDirectory(dir=settings.BASE_DIR, prefix=".catalogues-") as scratch,
    ):
        found = {}
        with override_settings(LOCALE_PATHS=[scratch]):
            for domain in DOMAINS:
                call_command(
                    "makemessages",
                    locale=["en"],
                    domain=domain,
                    keep_pot=True,
                    no_obsolete=True,
                    ignore_patterns=IGNORE,
                    verbosity=0,
                )
                pot = Path(scratch) / f"{domain}.pot"
                found[domain] = polib.pofile(str(pot)) if pot.exists() else polib.POFile()
        yield found


@contextmanager
def _locked(handle):
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)


def key(entry: polib.POEntry) -> str:
    return (entry.msgctxt or "") + "\x04" + entry.msgid
