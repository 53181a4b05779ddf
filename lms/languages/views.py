"""The language switcher's answer: the same page in the chosen language."""

from django.http import HttpResponseRedirect
from django.urls import translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lms.accounts.services import profile_language_set
from lms.languages import supported
from lms.languages.middleware import set_cookie


@require_POST
def language_switch(request):
    """Switch to the posted language and go back to the page the switcher was on, in that
    language when its address carries one. A logged-in person's profile keeps the choice, so
    their e-mails and documents follow it too. An unknown language or a `next` address on
    another site is ignored (English, the home page), never an error."""
    language = supported(request.POST.get("language"))
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    with translation.override(language):
        target = translate_url(target, language)
    if request.user.is_authenticated:
        profile_language_set(user=request.user, language=language)
    response = HttpResponseRedirect(target)
    set_cookie(response, language)
    return response
