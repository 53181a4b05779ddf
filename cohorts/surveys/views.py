"""Answering a survey through the personal link of an invitation: the token is the authority
(no login needed), a logged-in person can only use their own link, answers so far can be saved
and finished later, and a link that has been used opens the thank-you page only."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cohorts.errors import CohortsError
from cohorts.surveys.services import (
    survey_draft_save,
    survey_invitation_by_token,
    survey_invitation_check,
    survey_invitation_submit,
)
from programmes.surveys.answering import survey_draft_data, survey_form, survey_items

# A refused link, by reason: what the page answers with.
STATUS = {"not_found": 404, "other_person": 403, "answered": 409, "closed": 410}


def _private(response):
    # The token in the address must not travel to other sites in a Referer header; "same-origin"
    # rather than "no-referrer", with which browsers send "Origin: null" on the page's own
    # form posts and the CSRF check refuses them.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _unavailable(request, exc: CohortsError, invitation=None):
    status = STATUS.get(exc.code, 400)
    context = {
        "message": exc.message,
        "code": exc.code,
        "survey": getattr(invitation, "survey", None),
    }
    return _private(render(request, "cohorts/surveys/unavailable.html", context, status=status))


def _answer_page(request, invitation, form, *, show_errors: bool, token: str, status: int = 200):
    survey = invitation.survey
    items = survey_items(survey, form, show_errors=show_errors)
    context = {
        "invitation": invitation,
        "survey": survey,
        "page": survey,
        "items": items,
        "problems": [item for item in items if item.errors] if show_errors else [],
        "action_url": reverse("cohorts:survey_answer", args=[token]),
    }
    return _private(render(request, "cohorts/surveys/answer.html", context, status=status))


@never_cache
def survey_answer(request, token: str):
    invitation = survey_invitation_by_token(token)
    try:
        survey_invitation_check(invitation=invitation, user=request.user)
    except CohortsError as exc:
        if exc.code == "answered" and request.method != "POST":
            return redirect("cohorts:survey_thanks", token=token)
        return _unavailable(request, exc, invitation)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "save":
                survey_draft_save(invitation_id=invitation.pk, data=request.POST, user=request.user)
                messages.success(
                    request,
                    _(
                        "Your answers so far are saved. Come back with the link in your e-mail "
                        "to finish; nothing is counted until you send them."
                    ),
                )
                return redirect("cohorts:survey_answer", token=token)
            outcome = survey_invitation_submit(
                invitation_id=invitation.pk, data=request.POST, user=request.user
            )
        except CohortsError as exc:
            return _unavailable(request, exc, invitation)
        if outcome.ok:
            return redirect("cohorts:survey_thanks", token=token)
        return _answer_page(
            request, outcome.invitation, outcome.form, show_errors=True, token=token
        )
    draft = invitation.draft or {}
    form = survey_form(invitation.survey, survey_draft_data(draft) if draft else None)
    return _answer_page(request, invitation, form, show_errors=False, token=token)


@never_cache
def survey_thanks(request, token: str):
    invitation = survey_invitation_by_token(token)
    if invitation is None:
        return _unavailable(
            request, CohortsError("not_found", _("This survey link does not work."))
        )
    if invitation.answered_at is None:
        return redirect("cohorts:survey_answer", token=token)
    context = {"survey": invitation.survey, "page": invitation.survey}
    return _private(render(request, "cohorts/surveys/thanks.html", context))
