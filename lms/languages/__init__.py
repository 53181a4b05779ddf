"""Which language a person reads: the interface languages the site offers, and the one to use
for everything sent to or printed for a given person (their profile's preferred language)."""

from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import translate_url
from django.utils import translation

DEFAULT = "en"


def supported(code: str | None) -> str:
    """`code` when the site offers it (a regional variant falls back to its base), else English."""
    if not code:
        return DEFAULT
    offered = {c for c, _name in settings.LANGUAGES}
    code = code.lower()
    if code in offered:
        return code
    base = code.split("-")[0]
    return base if base in offered else DEFAULT


# The language of each member state (and Ukraine's), for a guardian whose language the group
# leader did not choose: the group's country's.
COUNTRY_LANGUAGES = {
    "DK": "da",
    "DE": "de",
    "EE": "et",
    "FI": "fi",
    "IS": "is",
    "LT": "lt",
    "LV": "lv",
    "NO": "nb",
    "PL": "pl",
    "SE": "sv",
    "UA": "uk",
}


def of_country(code: str | None) -> str:
    """The language of a country (English for the EU and any country without one here)."""
    return supported(COUNTRY_LANGUAGES.get(str(code or "").upper()))


def of_user(user) -> str:
    """The preferred language of a user (English for none, or without a profile)."""
    profile = getattr(user, "profile", None) if user is not None else None
    try:
        return supported(profile.preferred_language if profile is not None else None)
    except Exception:  # a user object without a saved profile row
        return DEFAULT


def of_address(email: str | None) -> str:
    """The preferred language of whoever has an account with this address, else English."""
    if not email:
        return DEFAULT
    user = get_user_model().objects.filter(email__iexact=email).select_related("profile").first()
    return of_user(user)


def address_in(path: str, language: str) -> str:
    """The same page's address in `language` (a public page's address carries its language;
    other addresses stay as they are)."""
    source = translation.get_language_from_path(path) or settings.LANGUAGE_CODE
    with translation.override(source):
        return translate_url(path, language)


@contextmanager
def reading(language: str | None):
    """Render what is inside (an e-mail, a PDF, a subject line) in `language`."""
    with translation.override(supported(language)):
        yield
