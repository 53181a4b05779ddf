"""The guardian's pages, opened from the e-mailed link: read what the activity is and what data
is kept, then give or refuse consent (a POST — opening the link never decides); withdraw
consent from the link in the confirmation e-mail. The token in the address is the authority."""

from django.conf import settings
from django.core import signing
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from lms.consent import services as consent_service
from lms.consent.models import ConsentPurpose, ConsentState, ConsentToken, GuardianConsent
from lms.consent.services import ConsentLink, consent_link_check, notice_current, person_name
from lms.errors import LmsError
from lms.names import name_clean
from lms.tokens import token_digest

DONE_SALT = "lms.consent.done"
DONE_MAX_AGE = 3600
# How each kind of bad link answers; the page always says what is wrong in words.
STATUS = {
    "malformed": 400,
    "unknown": 404,
    "other_consent": 400,
    "wrong_link": 400,
    "used": 410,
    "expired": 410,
    "not_open": 410,
    "subject_gone": 410,
    "busy": 503,
    "conflict": 503,
}
# Failures after which the guardian stays on the page to answer again.
ANSWER_AGAIN = {"notice_changed", "name_missing", "no_notice", "busy", "conflict"}


def _private(response):
    # The token in the address must not travel to other sites in a Referer header. Not
    # "no-referrer": under it browsers send "Origin: null" with the page's own forms, which
    # Django's CSRF check refuses.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _invalid(request, error: LmsError, token: str = ""):
    response = render(
        request,
        "lms/consent/invalid.html",
        {"message": error.message, "code": error.code, "is_account": _for_account(token)},
        status=STATUS.get(error.code, 400),
    )
    return _private(response)


def _for_account(token: str) -> bool:
    """Whether a (used, expired …) link was for a young person's own account, so that the page
    does not send the guardian to a group leader there is none of."""
    if not consent_service.token_well_formed(token):
        return False
    return ConsentToken.objects.filter(
        digest=token_digest(token), consent__purpose=ConsentPurpose.ACCOUNT
    ).exists()


def _in_guardian_language(request, consent: GuardianConsent) -> None:
    """The guardian reads the page in the language they are written to in (chosen by the group
    leader), unless they picked another with the switcher on the page."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    translation.activate(consent_service.guardian_language(consent))
    request.LANGUAGE_CODE = translation.get_language()


def _page(
    request,
    link: ConsentLink,
    *,
    error: str = "",
    name: str = "",
    status: int = 200,
    confirm_refuse: bool = False,
):
    consent = link.consent
    _in_guardian_language(request, consent)
    if link.action == ConsentToken.Action.WITHDRAW:
        template = "lms/consent/withdraw.html"
    else:
        template = "lms/consent/decide.html"
    context = {
        "consent": consent,
        # Described again in the page's language (the link was checked before it was known).
        "facts": consent_service.consent_describe(consent) or link.facts,
        "person_name": person_name(consent.person),
        "notice": notice_current(consent.purpose),
        "link": link.token,
        "expires_text": consent_service.moment_text(link.token.expires_at),
        "decided_text": consent_service.moment_text(consent.decided_at)
        if consent.decided_at
        else "",
        "error": error,
        "name": name,
        "is_account": consent.purpose == "account",
        "confirm_refuse": confirm_refuse,
    }
    return _private(render(request, template, context, status=status))


@never_cache
def consent_page(request, token: str):
    """GET shows the page for the link; POST records the answer the buttons send."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method != "POST":
        try:
            link = consent_link_check(token=token)
        except LmsError as exc:
            return _invalid(request, exc, token)
        return _page(request, link)
    decision = str(request.POST.get("decision", ""))
    # The form names the consent it was shown for; without it the token alone decides.
    consent_id = str(request.POST.get("consent", ""))[:20] or None
    name = name_clean(request.POST.get("guardian_name"))
    try:
        if decision == "give":
            consent = consent_service.consent_give(
                token=token,
                consent_id=consent_id,
                guardian_name=name,
                notice_version=str(request.POST.get("notice_version", ""))[:20],
            )
        elif decision == "refuse" and request.POST.get("confirm") != "yes":
            # A refusal is final: ask once more before recording it (the link stays unused).
            link = consent_link_check(
                token=token, consent_id=consent_id, action=ConsentToken.Action.DECIDE
            )
            return _page(request, link, name=name, confirm_refuse=True)
        elif decision == "refuse":
            consent = consent_service.consent_refuse(
                token=token, consent_id=consent_id, guardian_name=name
            )
        elif decision == "withdraw":
            consent = consent_service.consent_withdraw(token=token, consent_id=consent_id)
        else:
            raise LmsError("no_decision")
    except LmsError as exc:
        if exc.code not in ANSWER_AGAIN and exc.code != "no_decision":
            return _invalid(request, exc, token)
        try:
            link = consent_link_check(token=token, consent_id=consent_id)
        except LmsError as again:
            return _invalid(request, again, token)
        status = 409 if exc.code == "notice_changed" else 400
        return _page(request, link, error=exc.message, name=name, status=status)
    done = signing.dumps({"c": consent.pk, "s": consent.state}, salt=DONE_SALT)
    return _private(redirect(f"{reverse('consent:done')}?r={done}"))


@never_cache
def consent_done(request):
    """After the answer: what was recorded, and what happens next."""
    try:
        value = signing.loads(
            str(request.GET.get("r", ""))[:500], salt=DONE_SALT, max_age=DONE_MAX_AGE
        )
        consent = GuardianConsent.objects.select_related("person__profile", "notice").get(
            pk=int(value["c"])
        )
        state = str(value["s"])
    except (signing.BadSignature, GuardianConsent.DoesNotExist, KeyError, TypeError, ValueError):
        return _invalid(
            request,
            LmsError(
                "malformed",
                _(
                    "This confirmation page has expired or its address is incomplete. The "
                    "answer you gave is recorded either way; the confirmation e-mail has the "
                    "details."
                ),
            ),
        )
    _in_guardian_language(request, consent)
    facts = consent_service.consent_describe(consent) or {"title": consent.subject_title}
    context = {
        "consent": consent,
        "state": state,
        "given": state == ConsentState.GIVEN,
        "refused": state == ConsentState.REFUSED,
        "withdrawn": state == ConsentState.WITHDRAWN,
        "facts": facts,
        "person_name": person_name(consent.person),
        "decided_text": consent_service.moment_text(consent.decided_at)
        if consent.decided_at
        else "",
        "withdrawn_text": consent_service.moment_text(consent.withdrawn_at)
        if consent.withdrawn_at
        else "",
        "is_account": consent.purpose == "account",
    }
    return _private(render(request, "lms/consent/done.html", context))


@never_cache
def consent_blank(request, token: str = ""):
    """An address under /consent/ that cannot be a link (empty, or with extra parts)."""
    return _invalid(request, LmsError("malformed", consent_service.MALFORMED))
