"""One's own place (status, offer, withdrawal, confirmation) and the offer and nomination links
from e-mails."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cohorts.errors import CohortsError
from cohorts.places.forms import (
    NomineeConfirmForm,
    WithdrawForm,
)
from cohorts.places.models import (
    Enrolment,
    EnrolmentSource,
    EnrolmentState,
)
from cohorts.places.selectors import (
    place_of_owner,
    waitlist_position,
)
from cohorts.places.services import (
    enrolment_by_token,
    enrolment_withdraw,
    nomination_confirm,
    nomination_decline,
    nomination_link_open,
    nominee_sets_password,
    offer_respond,
)
from cohorts.places.views.base import login_url, no_referrer
from lms.accounts.services import profile_update
from lms.models import Language, Profile


def _own_place_or_404(request, enrolment_id: int) -> Enrolment:
    enrolment = place_of_owner(user=request.user, enrolment_id=enrolment_id)
    if enrolment is None:
        raise Http404("No such place.")
    return enrolment


def _target_url(enrolment: Enrolment, request) -> str:
    if enrolment.cohort_id:
        return reverse("cohorts:cohort", args=[enrolment.cohort.slug])
    return enrolment.activity.get_url(request) or "/"


def _place_context(request, enrolment: Enrolment) -> dict:
    return {
        "enrolment": enrolment,
        "target": enrolment.target,
        "target_url": _target_url(enrolment, request),
        "is_cohort": bool(enrolment.cohort_id),
        "position": waitlist_position(enrolment),
        "offer_open": enrolment.state == EnrolmentState.OFFERED
        and enrolment.offer_expires_at
        and enrolment.offer_expires_at > timezone.now(),
        "can_withdraw": enrolment.can_become(EnrolmentState.WITHDRAWN),
    }


@never_cache
@login_required
def place(request, enrolment_id: int):
    enrolment = _own_place_or_404(request, enrolment_id)
    context = _place_context(request, enrolment)
    if enrolment.activity_id and enrolment.state in (
        EnrolmentState.ACCEPTED,
        EnrolmentState.COMPLETED,
    ):
        context["online_url"] = enrolment.activity.online_url
    return render(request, "cohorts/place.html", context)


@never_cache
@login_required
def place_withdraw(request, enrolment_id: int):
    """A confirmation page first; only its POST (with `confirm`) gives the place up."""
    enrolment = _own_place_or_404(request, enrolment_id)
    if not enrolment.can_become(EnrolmentState.WITHDRAWN):
        messages.info(request, _("There is nothing to withdraw from any more."))
        return redirect("cohorts:place", enrolment.pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if (
        request.method == "POST"
        and request.POST.get("confirm") == "yes"
        and enrolment.state == EnrolmentState.NOMINATED
    ):
        try:
            nomination_decline(enrolment=enrolment, user=request.user)
        except CohortsError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, NOMINATION_DECLINED_DONE % {"target": enrolment.target})
        return redirect("cohorts:place", enrolment.pk)
    if request.method == "POST" and request.POST.get("confirm") == "yes" and form.is_valid():
        try:
            enrolment_withdraw(
                enrolment=enrolment, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except CohortsError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("You have withdrawn from %(target)s. Thank you for telling us.")
                % {"target": enrolment.target},
            )
        return redirect("cohorts:place", enrolment.pk)
    context = _place_context(request, enrolment)
    context["form"] = form
    return render(request, "cohorts/withdraw_confirm.html", context)


NOMINATION_DECLINED_DONE = gettext_lazy(
    "You have declined the nomination for %(target)s. Whoever nominated you has been told, so "
    "that they can nominate someone else."
)


@require_POST
@login_required
def place_offer(request, enrolment_id: int):
    enrolment = _own_place_or_404(request, enrolment_id)
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        messages.error(request, _("Choose whether to accept or decline the offer."))
        return redirect("cohorts:place", enrolment.pk)
    try:
        offer_respond(enrolment=enrolment, accept=answer == "accept", actor=request.user)
    except CohortsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, OFFER_DONE[answer] % {"target": enrolment.target})
    return redirect("cohorts:place", enrolment.pk)


OFFER_DONE = {
    "accept": gettext_lazy(
        "You have accepted your place in %(target)s. We have sent you a confirmation e-mail."
    ),
    "decline": gettext_lazy(
        "You have declined the place in %(target)s; it goes to the next person waiting."
    ),
}


@require_POST
@login_required
def place_confirm(request, enrolment_id: int):
    """A nominee who is logged in confirms from their status page."""
    enrolment = _own_place_or_404(request, enrolment_id)
    try:
        nomination_confirm(enrolment=enrolment, user=request.user)
    except CohortsError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("You have confirmed your place in %(target)s.") % {"target": enrolment.target},
        )
    return redirect("cohorts:place", enrolment.pk)


# --- Links from e-mails -----------------------------------------------------------------------


def _link_invalid(request, *, kind: str):
    response = render(request, "cohorts/link_invalid.html", {"kind": kind}, status=404)
    return no_referrer(response)


@never_cache
def offer_by_token(request, token: str):
    """The offer e-mail's link: the token is the authority, no login needed."""
    enrolment = enrolment_by_token(token)
    if enrolment is None or enrolment.state != EnrolmentState.OFFERED:
        return _link_invalid(request, kind="offer")
    expired = enrolment.offer_expires_at <= timezone.now()
    error = None
    if request.method == "POST" and not expired:
        answer = request.POST.get("answer")
        if answer in ("accept", "decline"):
            try:
                offer_respond(enrolment=enrolment, accept=answer == "accept")
            except CohortsError as exc:
                error = exc.message
            else:
                place_url = reverse("cohorts:place", args=[enrolment.pk])
                if request.user.is_authenticated and request.user.pk == enrolment.user_id:
                    messages.success(request, OFFER_DONE[answer] % {"target": enrolment.target})
                    return redirect(place_url)
                # Whoever holds the link sees the answer confirmed here, logged in or not.
                response = render(
                    request,
                    "cohorts/offer.html",
                    {
                        "enrolment": enrolment,
                        "target": enrolment.target,
                        "target_url": _target_url(enrolment, request),
                        "answered": answer,
                        "done": OFFER_DONE[answer] % {"target": enrolment.target},
                        "place_url": place_url,
                    },
                )
                return no_referrer(response)
        else:
            error = _("Choose whether to accept or decline the offer.")
    response = render(
        request,
        "cohorts/offer.html",
        {
            "enrolment": enrolment,
            "target": enrolment.target,
            "target_url": _target_url(enrolment, request),
            "expired": expired,
            "error": error,
        },
    )
    return no_referrer(response)


@never_cache
def nomination_by_token(request, token: str):
    """The nominee's invitation. A new account made by the nomination completes its profile,
    chooses its password, confirms and is logged in; an account that already existed is never
    logged into by a link: its owner logs in as usual and confirms as themselves."""
    enrolment = enrolment_by_token(token)
    if (
        enrolment is None
        or enrolment.state != EnrolmentState.NOMINATED
        or not enrolment.cohort_id
        or not enrolment.user.is_active
    ):
        return _link_invalid(request, kind="nomination")
    if not nomination_link_open(enrolment):
        return _link_invalid(request, kind="nomination_expired")
    nominee = enrolment.user
    place_url = reverse("cohorts:place", args=[enrolment.pk])
    context = {"enrolment": enrolment, "cohort": enrolment.cohort, "nominee": nominee}
    context.update(_nominator_context(enrolment))
    if request.user.is_authenticated and request.user.pk != nominee.pk:
        return no_referrer(render(request, "cohorts/nomination_other_account.html", context))
    new_account = nominee_sets_password(enrolment)
    if not request.user.is_authenticated and not new_account:
        # Opening or posting the link changes nothing for an existing account.
        context["login_url"] = login_url(place_url)
        return no_referrer(render(request, "cohorts/nomination_log_in.html", context))
    decline = request.POST.get("decline") if request.method == "POST" else None
    if decline == "yes":
        try:
            nomination_decline(enrolment=enrolment, user=nominee)
        except CohortsError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, NOMINATION_DECLINED_DONE % {"target": enrolment.target})
        return redirect("cohorts:cohort", enrolment.cohort.slug)
    if decline == "ask":
        return no_referrer(render(request, "cohorts/nomination_decline.html", context))
    profile = Profile.objects.filter(user=nominee).select_related("organisation").first()
    if request.method == "POST":
        form = NomineeConfirmForm(request.POST, user=nominee)
        if form.is_valid():
            try:
                _nominee_confirm(request, enrolment, profile, form, new_account=new_account)
            except CohortsError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Welcome, %(name)s: your place in %(cohort)s is confirmed.")
                    % {"name": form.cleaned_data["full_name"], "cohort": enrolment.cohort},
                )
                return redirect(place_url)
    else:
        initial = {"full_name": nominee.get_full_name()}
        if profile is not None:
            initial = {
                "full_name": profile.full_name,
                "organisation_name": profile.organisation.name if profile.organisation else "",
                "sector": profile.sector,
                "level": profile.level,
            }
        form = NomineeConfirmForm(initial=initial, user=nominee)
    context["form"] = form
    response = render(request, "cohorts/nomination.html", context)
    return no_referrer(response)


def _nominator_context(enrolment: Enrolment) -> dict:
    """Who nominated, in words true to it: the national focal point, or the cohort's staff
    (an import from the cohort desk)."""
    return {"by_focal_point": enrolment.source == EnrolmentSource.NOMINATION}


def _nominee_confirm(
    request, enrolment: Enrolment, profile: Profile | None, form, *, new_account: bool
) -> None:
    """The profile first, so that the confirmation e-mail already has the name as the nominee
    wrote it; the place is then confirmed, and a new account logged in."""
    nominee = enrolment.user
    data = form.cleaned_data
    profile_update(
        user=nominee,
        full_name=data["full_name"],
        preferred_language=profile.preferred_language if profile else Language.ENGLISH,
        country=str(profile.country or enrolment.country) if profile else str(enrolment.country),
        organisation_name=data["organisation_name"],
        sector=data["sector"],
        level=data["level"],
        date_of_birth=profile.date_of_birth if profile else None,
        gender=profile.gender if profile else "",
    )
    if new_account and form.needs_password:
        nominee.set_password(data["password1"])
        nominee.save(update_fields=["password"])
    nomination_confirm(enrolment=enrolment, user=nominee)
    if new_account and not request.user.is_authenticated:
        login(request, nominee, backend="django.contrib.auth.backends.ModelBackend")
