"""The public cohort page, applying to a cohort, and registering for an activity."""

from django.contrib import messages
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
    ApplicationForm,
)
from cohorts.places.models import (
    Cohort,
    EnrolmentMode,
    EnrolmentState,
)
from cohorts.places.selectors import (
    enrolment_of,
    places_taken,
    waitlist_position,
)
from cohorts.places.services import enrolment_apply, focal_point_countries, registration_create
from cohorts.places.views.base import cohort_or_404, login_url, rule_in_words
from lms.languages.content import canonical
from lms.models import Profile
from programmes.models import ActivityPage, ModulePage


def cohort_page(request, slug: str):
    cohort = cohort_or_404(slug)
    now = timezone.now()
    enrolment = enrolment_of(user=request.user, cohort=cohort)
    rules = list(cohort.place_rules.all())
    modules = canonical(ModulePage.objects.live().public()).filter(cohorts=cohort).order_by("path")
    activities = (
        canonical(ActivityPage.objects.live().public())
        .filter(cohorts=cohort)
        .order_by("starts_at", "path")
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
    EnrolmentState.SUBMITTED: gettext_lazy(
        "Your application has been sent. We will e-mail you when the programme staff have decided."
    ),
    EnrolmentState.ACCEPTED: gettext_lazy(
        "You have a place. We have sent you a confirmation e-mail."
    ),
    EnrolmentState.WAITLISTED: gettext_lazy(
        "All places you could take are filled, so you are on the "
        "waitlist. We will e-mail you if a place frees up for you."
    ),
}


@never_cache
@login_required
def cohort_apply(request, slug: str):
    cohort = cohort_or_404(slug)
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
                messages.success(request, APPLIED_MESSAGES.get(enrolment.state, _("Thank you.")))
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
    messages.info(request, _("You have already applied to this cohort. Here is where you stand."))
    return redirect("cohorts:place", enrolment.pk)


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
            messages.success(request, _("You are registered. We have sent you a confirmation."))
        else:
            messages.info(
                request,
                _(
                    "The places you could take are filled, so you are on the waitlist. We will "
                    "e-mail you if a place frees up for you."
                ),
            )
    return redirect((activity.get_url(request) or "/") + "#register")
