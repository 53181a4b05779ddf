"""Which language a request is answered in: the address's, else the reader's choice (a cookie set
by the switcher and at login from the profile), else the browser's preference."""

from django.conf import settings
from django.middleware import locale
from django.utils import translation
from django.utils.cache import patch_vary_headers

from lms.languages import of_user

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


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's, except that a "not found" answered by one of the site's own views (an unknown
    id, a used link) stays a 404: only an address that matches nothing is retried under the
    reader's language, since it may be a public page's address without its language."""

    def process_response(self, request, response):
        if response.status_code == 404 and getattr(request, "resolver_match", None) is not None:
            if not translation.get_language_from_path(request.path_info):
                patch_vary_headers(response, ("Accept-Language",))
            response.headers.setdefault("Content-Language", translation.get_language())
            return response
        return super().process_response(request, response)
