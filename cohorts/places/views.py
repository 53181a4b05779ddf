"""Participant-side pages of cohorts: the public cohort page, applying, one's own place (status,
offer, withdrawal), the offer and nomination links from e-mails, focal points' nominations and
activity registration."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_countries import countries

from cohorts.errors import CohortsError
from cohorts.places.forms import (
    ApplicationForm,
    NominationForm,
    NomineeConfirmForm,
    SubstituteForm,
    WithdrawForm,
)
from cohorts.places.models import (
    Cohort,
    Enrolment,
    EnrolmentMode,
    EnrolmentSource,
    EnrolmentState,
    PlaceRule,
    RuleAttribute,
    RuleKind,
)
from cohorts.places.selectors import (
    cohort_public,
    enrolment_of,
    nomination_places,
    nominees_of,
    place_of_owner,
    places_taken,
    waitlist_position,
)
from cohorts.places.services import (
    enrolment_apply,
    enrolment_by_token,
    enrolment_withdraw,
    focal_point_countries,
    nomination_confirm,
    nomination_create,
    nomination_decline,
    nomination_link_open,
    nomination_resend,
    nomination_substitute,
    nominee_sets_password,
    offer_respond,
    registration_create,
)
from lms.accounts.services import profile_update
from lms.models import Gender, Language, Level, Organisation, Profile, Sector
from lms.time_zones import moment_text
from programmes.models import ActivityPage, ModulePage

ATTRIBUTE_LABELS = {
    RuleAttribute.SECTOR: dict(Sector.choices),
    RuleAttribute.LEVEL: dict(Level.choices),
    RuleAttribute.GENDER: dict(Gender.choices),
}


def login_url(next_path: str) -> str:
    return f"{reverse('login')}?{urlencode({'next': next_path})}"


def _moment(value, zone: str) -> str:
    return moment_text(value, zone, "j F Y, H:i")


def _value_label(rule: PlaceRule) -> str:
    if rule.attribute == RuleAttribute.COUNTRY:
        return countries.name(rule.value) or rule.value
    if rule.attribute == RuleAttribute.ORGANISATION:
        name = None
        if rule.value.isdigit():
            name = Organisation.objects.filter(pk=rule.value).values_list("name", flat=True).first()
        return name or rule.value
    return ATTRIBUTE_LABELS.get(rule.attribute, {}).get(rule.value, rule.value)


def rule_in_words(rule: PlaceRule, cohort: Cohort) -> str:
    """“At most 2 per country”, “at least 1 kept for Municipality until 1 March 2026”."""
    attribute = rule.get_attribute_display().lower()
    if rule.kind == RuleKind.CAP:
        if not rule.value:
            return f"At most {rule.limit} per {attribute}"
        return f"At most {rule.limit} from {_value_label(rule)}"
    text = f"At least {rule.limit} kept for {_value_label(rule)}"
    until = rule.reserved_until or cohort.applications_close_at
    return f"{text} until {_moment(until, cohort.zone)}" if until else text


def _cohort_or_404(slug: str) -> Cohort:
    cohort = cohort_public(slug=slug)
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def _no_referrer(response):
    # The token in the address must not travel to other sites in a Referer header. Not
    # "no-referrer": under it browsers send "Origin: null" with the page's own forms, which
    # Django's CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- The public cohort page and applying ------------------------------------------------------


def cohort_page(request, slug: str):
    cohort = _cohort_or_404(slug)
    now = timezone.now()
    enrolment = enrolment_of(user=request.user, cohort=cohort)
    rules = list(cohort.place_rules.all())
    modules = ModulePage.objects.live().public().filter(cohorts=cohort).order_by("path")
    activities = (
        ActivityPage.objects.live().public().filter(cohorts=cohort).order_by("starts_at", "path")
    )
    taken = places_taken(target=cohort)
    return render(
        request,
        "cohorts/cohort_page.html",
        {
            "cohort": cohort,
            "enrolment": enrolment,
            "position": waitlist_position(enrolment) if enrolment else None,
            "rules": [rule_in_words(rule, cohort) for rule in rules],
            "modules": list(modules),
            "activities": list(activities),
            "places_left": max(0, cohort.capacity - taken),
            "applications_open": cohort.applications_open(now),
            "nominations_open": cohort.nominations_open(now),
            "not_yet_open": bool(cohort.applications_open_at and now < cohort.applications_open_at),
            "is_nomination": cohort.enrolment_mode == EnrolmentMode.NOMINATION,
            "is_focal_point": bool(focal_point_countries(user=request.user, cohort=cohort)),
            "apply_url": reverse("cohorts:apply", args=[cohort.slug]),
            "login_to_apply_url": login_url(reverse("cohorts:apply", args=[cohort.slug])),
        },
    )


APPLIED_MESSAGES = {
    EnrolmentState.SUBMITTED: "Your application has been sent. We will e-mail you when the "
    "programme staff have decided.",
    EnrolmentState.ACCEPTED: "You have a place. We have sent you a confirmation e-mail.",
    EnrolmentState.WAITLISTED: "All places you could take are filled, so you are on the "
    "waitlist. We will e-mail you if a place frees up for you.",
}


@never_cache
@login_required
def cohort_apply(request, slug: str):
    cohort = _cohort_or_404(slug)
    questions = list(cohort.questions.all())
    error_code = None
    if request.method == "POST":
        form = ApplicationForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                enrolment = enrolment_apply(
                    user=request.user, cohort=cohort, answers=form.answers()
                )
            except CohortsError as error:
                if error.code == "duplicate":
                    return _already_applied(request, cohort)
                error_code = error.code
                form.add_error(None, error.message)
            else:
                messages.success(request, APPLIED_MESSAGES.get(enrolment.state, "Thank you."))
                return redirect("cohorts:place", enrolment.pk)
    else:
        if enrolment_of(user=request.user, cohort=cohort) is not None:
            return _already_applied(request, cohort)
        form = ApplicationForm(questions=questions)
    profile = Profile.objects.filter(user=request.user).select_related("organisation").first()
    return render(
        request,
        "cohorts/apply.html",
        {
            "cohort": cohort,
            "form": form,
            "profile": profile,
            "error_code": error_code,
            "applications_open": cohort.applications_open(),
            "is_nomination": cohort.enrolment_mode == EnrolmentMode.NOMINATION,
        },
    )


def _already_applied(request, cohort: Cohort):
    enrolment = enrolment_of(user=request.user, cohort=cohort)
    if enrolment is None:
        raise Http404("No such place.")
    messages.info(request, "You have already applied to this cohort. Here is where you stand.")
    return redirect("cohorts:place", enrolment.pk)


# --- My place ---------------------------------------------------------------------------------


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
        messages.info(request, "There is nothing to withdraw from any more.")
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
            messages.success(request, NOMINATION_DECLINED_DONE.format(target=enrolment.target))
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
                request, f"You have withdrawn from {enrolment.target}. Thank you for telling us."
            )
        return redirect("cohorts:place", enrolment.pk)
    context = _place_context(request, enrolment)
    context["form"] = form
    return render(request, "cohorts/withdraw_confirm.html", context)


NOMINATION_DECLINED_DONE = (
    "You have declined the nomination for {target}. Whoever nominated you has been told, so "
    "that they can nominate someone else."
)


@require_POST
@login_required
def place_offer(request, enrolment_id: int):
    enrolment = _own_place_or_404(request, enrolment_id)
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        messages.error(request, "Choose whether to accept or decline the offer.")
        return redirect("cohorts:place", enrolment.pk)
    try:
        offer_respond(enrolment=enrolment, accept=answer == "accept", actor=request.user)
    except CohortsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, OFFER_DONE[answer].format(target=enrolment.target))
    return redirect("cohorts:place", enrolment.pk)


OFFER_DONE = {
    "accept": "You have accepted your place in {target}. We have sent you a confirmation e-mail.",
    "decline": "You have declined the place in {target}; it goes to the next person waiting.",
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
        messages.success(request, f"You have confirmed your place in {enrolment.target}.")
    return redirect("cohorts:place", enrolment.pk)


# --- Links from e-mails -----------------------------------------------------------------------


def _link_invalid(request, *, kind: str):
    response = render(request, "cohorts/link_invalid.html", {"kind": kind}, status=404)
    return _no_referrer(response)


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
                    messages.success(request, OFFER_DONE[answer].format(target=enrolment.target))
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
                        "done": OFFER_DONE[answer].format(target=enrolment.target),
                        "place_url": place_url,
                    },
                )
                return _no_referrer(response)
        else:
            error = "Choose whether to accept or decline the offer."
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
    return _no_referrer(response)


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
        return _no_referrer(render(request, "cohorts/nomination_other_account.html", context))
    new_account = nominee_sets_password(enrolment)
    if not request.user.is_authenticated and not new_account:
        # Opening or posting the link changes nothing for an existing account.
        context["login_url"] = login_url(place_url)
        return _no_referrer(render(request, "cohorts/nomination_log_in.html", context))
    decline = request.POST.get("decline") if request.method == "POST" else None
    if decline == "yes":
        try:
            nomination_decline(enrolment=enrolment, user=nominee)
        except CohortsError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, NOMINATION_DECLINED_DONE.format(target=enrolment.target))
        return redirect("cohorts:cohort", enrolment.cohort.slug)
    if decline == "ask":
        return _no_referrer(render(request, "cohorts/nomination_decline.html", context))
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
                    f"Welcome, {form.cleaned_data['full_name']}: your place in "
                    f"{enrolment.cohort} is confirmed.",
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
    return _no_referrer(response)


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


# --- Nominations by focal points --------------------------------------------------------------


def _focal_point_cohort(request, slug: str) -> tuple[Cohort, list[str]]:
    cohort = _cohort_or_404(slug)
    if cohort.enrolment_mode != EnrolmentMode.NOMINATION:
        raise Http404("This cohort does not take nominations.")
    codes = focal_point_countries(user=request.user, cohort=cohort)
    if not codes:
        raise PermissionDenied("Only national focal points nominate.")
    return cohort, codes


@never_cache
@login_required
def nominate(request, slug: str):
    cohort, codes = _focal_point_cohort(request, slug)
    if request.method == "POST":
        form = NominationForm(request.POST, country_codes=codes)
        if form.is_valid():
            try:
                enrolment = nomination_create(
                    actor=request.user, cohort=cohort, nominee=form.nominee()
                )
            except CohortsError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    f"{form.cleaned_data['full_name']} is nominated. We have e-mailed "
                    f"{enrolment.user.email} an invitation to confirm the place.",
                )
                return redirect("cohorts:nominate", cohort.slug)
    else:
        form = NominationForm(country_codes=codes)
    return render(
        request,
        "cohorts/nominate.html",
        {
            "cohort": cohort,
            "form": form,
            "open": cohort.nominations_open(),
            "places": nomination_places(cohort=cohort, country_codes=codes),
            "nominees": nominees_of(cohort=cohort, country_codes=codes),
            "substitutable": (EnrolmentState.NOMINATED, EnrolmentState.ACCEPTED),
        },
    )


@never_cache
@login_required
def nomination_substitute_view(request, slug: str, enrolment_id: int):
    cohort, codes = _focal_point_cohort(request, slug)
    enrolment = (
        Enrolment.objects.select_related("user__profile", "cohort")
        .filter(pk=enrolment_id, cohort=cohort, country__in=codes)
        .first()
    )
    if enrolment is None:
        raise Http404("No such nominee of your country.")
    if request.method == "POST":
        form = SubstituteForm(request.POST, country_codes=codes)
        if form.is_valid():
            try:
                nomination_substitute(
                    actor=request.user,
                    enrolment=enrolment,
                    nominee=form.nominee(country=str(enrolment.country)),
                )
            except CohortsError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    f"{form.cleaned_data['full_name']} takes the place of "
                    f"{_nominee_name(enrolment)}. Both have been told by e-mail.",
                )
                return redirect("cohorts:nominate", cohort.slug)
    else:
        form = SubstituteForm(country_codes=codes)
    return render(
        request,
        "cohorts/substitute.html",
        {
            "cohort": cohort,
            "enrolment": enrolment,
            "person": _nominee_name(enrolment),
            "form": form,
            "open": cohort.nominations_open(),
            "can_pass": enrolment.state in (EnrolmentState.NOMINATED, EnrolmentState.ACCEPTED),
        },
    )


@require_POST
@login_required
def nomination_resend_view(request, slug: str, enrolment_id: int):
    cohort, codes = _focal_point_cohort(request, slug)
    enrolment = Enrolment.objects.filter(pk=enrolment_id, cohort=cohort, country__in=codes).first()
    if enrolment is None:
        raise Http404("No such nominee of your country.")
    try:
        nomination_resend(actor=request.user, enrolment=enrolment)
    except CohortsError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"We have sent {enrolment.user.email} a new invitation; earlier links no longer work.",
        )
    return redirect("cohorts:nominate", cohort.slug)


def _nominee_name(enrolment: Enrolment) -> str:
    """The name the nominator typed (never an existing account's own profile)."""
    return enrolment.nominee_name or enrolment.user.email


# --- Activity registration --------------------------------------------------------------------


@require_POST
@login_required
def activity_register(request, activity_id: int):
    activity = ActivityPage.objects.live().public().filter(pk=activity_id).first()
    if activity is None:
        raise Http404("No such activity.")
    try:
        registration = registration_create(user=request.user, activity=activity)
    except CohortsError as error:
        messages.error(request, error.message)
    else:
        if registration.state == EnrolmentState.ACCEPTED:
            messages.success(request, "You are registered. We have sent you a confirmation.")
        else:
            messages.info(
                request,
                "The places you could take are filled, so you are on the waitlist. We will "
                "e-mail you if a place frees up for you.",
            )
    return redirect((activity.get_url(request) or "/") + "#register")
