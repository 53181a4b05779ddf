"""The language switcher: `{% language_switcher %}` lists the site's languages, each linking to
this page in that language (public pages carry the language in their address) or, where the
address has none or the reader is logged in, as a form that remembers the choice."""

from django import template
from django.conf import settings
from django.utils import translation

from lms.languages import address_in, content, supported
from lms.languages.middleware import PUBLIC_VIEWS

register = template.Library()


@register.inclusion_tag("includes/language_switcher.html", takes_context=True)
def language_switcher(context):
    request = context.get("request")
    current = translation.get_language()
    path = request.get_full_path() if request is not None else "/"
    match = getattr(request, "resolver_match", None)
    # A public page has an address in every language (English ones without a prefix).
    public = match is not None and match.url_name in PUBLIC_VIEWS
    # Error pages answered before authentication ran have no user: anonymous.
    user = getattr(request, "user", None)
    logged_in = bool(user is not None and user.is_authenticated)
    languages = []
    for code, name in settings.LANGUAGES:
        languages.append(
            {
                "code": code,
                "name": name,
                "current": code == current,
                "url": address_in(path, code) if public else "",
            }
        )
    return {
        "languages": languages,
        "current_code": current,
        "current_name": dict(settings.LANGUAGES).get(current, current),
        # Links for anonymous readers of public pages (cached pages carry no form token); a
        # form otherwise, which also updates the profile.
        "as_links": public and not logged_in,
        "next": path,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def in_reader_language(page):
    """`page` with its texts in the reader's language where it is translated."""
    return content.in_language([page])[0] if page is not None else None


@register.simple_tag
def content_language(page) -> str:
    """The language a Wagtail page is shown in: a translation's laid over it (see
    lms/languages/content.py), else its locale's; "" for no page."""
    overlaid = content.translated_into(page)
    if overlaid:
        return overlaid
    locale_id = getattr(page, "locale_id", None)
    if locale_id is None:
        return ""
    return supported(content.locale_code(locale_id) or settings.LANGUAGE_CODE)
