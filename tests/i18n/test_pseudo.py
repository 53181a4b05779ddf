"""Nothing left in English: every page of the site, every e-mail and the PDFs rendered in the
pseudo-locale show no text outside the translation markers except data — names, titles and
texts typed by people, country and language names, and the words of the libraries' own
catalogues (Django's form errors, Wagtail's admin). A string nobody marked fails here."""

import html
import io
import re
import zoneinfo
from pathlib import Path

import django
import polib
import pytest
import wagtail
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django_countries import countries
from pypdf import PdfReader

from certificates.models import CertificateState
from certificates.services.render import certificate_render
from cohorts.groups.models import GroupMember
from lms.models import OutgoingEmail, Profile
from programmes.models import ActivityPage
from tests.certificates.conftest import certificate_create
from tests.i18n import pseudo
from tests.security.urlconf import project_urls, url_for
from tests.security.world import build

pytestmark = pytest.mark.django_db

WORD = re.compile(r"[^\W\d_]{2,}")
MARKED = re.compile(rf"{pseudo.OPEN}[^{pseudo.OPEN}{pseudo.CLOSE}]*{pseudo.CLOSE}")
ALWAYS = {"BSR", "Academy", "QR", "PDF", "CSV", "XLSX", "Excel", "UTC", "ID", "OK", "BEP", "NEEDS"}


def words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def unmarked_words(text: str) -> set[str]:
    while True:
        stripped = MARKED.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    return words(text)


TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")


def page_text(content: str) -> str:
    """What a reader sees or hears: text and the attributes read aloud; not scripts, styles,
    codes (secrets, identifiers) or the SVG icons' internals."""
    content = re.sub(r"<(script|style|template|code|svg)\b.*?</\1>", " ", content, flags=re.S)
    content = re.sub(r"<!--.*?-->", " ", content, flags=re.S)
    attributes = " ".join(re.findall(r'\s(?:aria-label|title|placeholder|alt)="([^"]*)"', content))
    return html.unescape(TAG.sub(" ", content) + " " + attributes)


def library_words() -> set[str]:
    """The libraries' own words (they have no pseudo-locale), in English and in the site's
    languages; and the site's own translations. Wagtail's admin forms keep some labels in the
    language the process first built them in (its page chooser's "Choose a page (…)"), so an
    admin page can show a real language's words where the pseudo-locale's are expected: those
    are translated text, not strings left unmarked, which is what this test looks for."""
    found = set()
    roots = [Path(django.__file__).parent, Path(wagtail.__file__).parent]
    roots += [Path(p).parent for p in Path(django.__file__).parent.parent.glob("*/__init__.py")]
    codes = [code.replace("-", "_") for code, _name in settings.LANGUAGES if code != "en"]
    catalogues = [Path(settings.BASE_DIR) / "locale" / code / "LC_MESSAGES" for code in codes]
    for root in roots:
        catalogues += [root.glob(f"**/locale/{code}/LC_MESSAGES") for code in codes]
    for folder in catalogues:
        folders = [folder] if isinstance(folder, Path) else list(folder)
        for path in folders:
            for po in path.glob("django*.po"):
                for entry in polib.pofile(str(po)):
                    plural = " ".join(entry.msgstr_plural.values())
                    found |= words(
                        f"{entry.msgid} {entry.msgid_plural or ''} {entry.msgstr} {plural}"
                    )
    return found


def data_words() -> set[str]:
    """Every word stored in the database (names, titles, texts typed by people)."""
    found = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            found |= words(" ".join(str(v) for v in row if v))
    return found


def allowed_words() -> set[str]:
    """Data: stored texts, the libraries' words, language, country and time-zone names."""
    found = words(" ".join(ALWAYS)) | data_words() | library_words()
    found |= words(" ".join(name for _code, name in settings.LANGUAGES))
    found |= words(" ".join(str(name) for _code, name in countries))
    found |= words(" ".join(settings.COUNTRIES_OVERRIDE.values()))
    found |= words(" ".join(zoneinfo.available_timezones()).replace("_", " "))
    return found


@pytest.fixture
def pseudo_world(in_pseudo, programme, clock, mailoutbox, monkeypatch):
    """The security tests' world, built by people who all read the pseudo-locale (and whose
    guardians are written to in it)."""
    monkeypatch.setattr(Profile._meta.get_field("preferred_language"), "default", in_pseudo)
    monkeypatch.setattr(GroupMember._meta.get_field("guardian_language"), "default", in_pseudo)
    return build(programme, clock)


def test_every_page_shows_only_marked_text_and_data(pseudo_world, in_pseudo):
    allowed = allowed_words()
    leaks = {}
    users = [None, pseudo_world.owner, pseudo_world.users["administrator"]]
    for user in users:
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = in_pseudo
        if user is not None:
            client.force_login(user)
        for url in project_urls():
            address = url_for(pseudo_world, url)
            response = client.get(address)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            words = unmarked_words(page_text(response.content.decode())) - allowed
            if words:
                leaks[address] = sorted(words)[:15]
    assert not leaks, "\n".join(f"{address}: {words}" for address, words in leaks.items())


def test_every_email_shows_only_marked_text_and_data(pseudo_world):
    allowed = allowed_words()
    leaks = {}
    emails = OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SUPPRESSED)
    assert emails.exists()
    for email in emails:
        text = email.subject + " " + email.body_text + " " + page_text(email.body_html)
        words = unmarked_words(text) - allowed
        if words:
            leaks[email.reason] = sorted(words)[:15]
    assert not leaks, "\n".join(f"{reason}: {words}" for reason, words in leaks.items())


def test_the_certificate_shows_only_marked_text_and_data(pseudo_world):
    """Printed by the rendering job, as every certificate is, for a holder who reads the
    pseudo-locale: its fixed labels are marked, the rest is the holder's and the editor's."""
    activity = ActivityPage.objects.get(pk=pseudo_world.kwargs["activity_id"])
    pending = certificate_create(
        user=pseudo_world.owner, activity=activity, state=CertificateState.PENDING
    )
    certificate = certificate_render(certificate_id=pending.pk)
    assert certificate.state == CertificateState.ISSUED
    with certificate.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
        text = " ".join(page.extract_text() for page in reader.pages)
    assert pseudo.OPEN in text
    assert not unmarked_words(text) - allowed_words()
