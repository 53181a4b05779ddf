"""Which language a request is answered in: the address's, else the reader's choice (a cookie set
by the switcher and at login from the profile), else the browser's preference."""

from django.conf import settings
from django.middleware import locale
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers

from lms.languages import address_in, of_user

LOGIN_LANGUAGE = "_language_at_login"


def on_login(sender, request, user, **kwargs) -> None:
    """Signal receiver: a person who logs in reads in their preferred language from now on, on
    this device too (the language cookie follows their profile)."""
    if request is not None:
        setattr(request, LOGIN_LANGUAGE, of_user(user))


class LanguageCookieMiddleware:
    """Writes the language cookie chosen during this request (at login), so that the pages
    without a language in their address follow the person's profile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        language = getattr(request, LOGIN_LANGUAGE, None)
        if language:
            set_cookie(response, language)
        return response


def set_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )


# Views of public pages, which carry their language in the address (lms/urls.py).
PUBLIC_VIEWS = frozenset({"wagtail_serve", "search", "activity_list"})


def reader_language(request) -> str:
    """The reader's own language: their choice (the cookie, set by the switcher and at login),
    else their browser's preference, else English."""
    return translation.get_language_from_request(request, check_path=False)


def _public_in_english(path: str) -> bool:
    """Whether `path` is the English address of a public page (public pages are matched by
    the address's language, so the question is asked in English)."""
    with translation.override(settings.LANGUAGE_CODE):
        try:
            return resolve(path).url_name in PUBLIC_VIEWS
        except Resolver404:
            return False


def goes_elsewhere(request) -> bool:
    """Whether an address without a language is a public page that this reader will be sent
    to in their own language (the page cache serves it to nobody else)."""
    return (
        request.method in ("GET", "HEAD")
        and not translation.get_language_from_path(request.path_info)
        and reader_language(request) != settings.LANGUAGE_CODE
    )


class LocaleMiddleware(locale.LocaleMiddleware):
    """The language of each request: the address's for public pages (English ones have no
    prefix), else the reader's own. A public page's English address asked for by someone who
    reads another language redirects to that language's address, so that a first visit follows
    the browser and a chosen language sticks."""

    def process_request(self, request):
        language = translation.get_language_from_path(request.path_info)
        if not language:
            language = reader_language(request)
            if language != settings.LANGUAGE_CODE and _public_in_english(request.path_info):
                if request.method in ("GET", "HEAD"):
                    target = address_in(request.get_full_path(), language)
                    response = self.response_redirect_class(target)
                    patch_vary_headers(response, ("Accept-Language", "Cookie"))
                    return response
                # A public page's address without a language is the English page's.
                language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        if not translation.get_language_from_path(request.path_info):
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
