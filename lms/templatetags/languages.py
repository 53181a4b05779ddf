"""The language switcher: `{% language_switcher %}` lists the site's languages, each linking to
this page in that language (public pages carry the language in their address) or, where the
address has none or the reader is logged in, as a form that remembers the choice."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation

register = template.Library()


@register.inclusion_tag("includes/language_switcher.html", takes_context=True)
def language_switcher(context):
    request = context.get("request")
    current = translation.get_language()
    path = request.get_full_path() if request is not None else "/"
    in_address = bool(request is not None and translation.get_language_from_path(request.path))
    logged_in = bool(request is not None and request.user.is_authenticated)
    languages = []
    for code, name in settings.LANGUAGES:
        languages.append(
            {
                "code": code,
                "name": name,
                "current": code == current,
                "url": translate_url(path, code) if in_address else "",
            }
        )
    return {
        "languages": languages,
        "current_code": current,
        "current_name": dict(settings.LANGUAGES).get(current, current),
        # Links for anonymous readers of pages with the language in their address (cached
        # pages carry no form token); a form otherwise, which also updates the profile.
        "as_links": in_address and not logged_in,
        "next": path,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
