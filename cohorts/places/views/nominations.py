"""Nominations by focal points: nominate, substitute and resend an invitation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cohorts.errors import CohortsError
from cohorts.places.forms import (
    NominationForm,
    SubstituteForm,
)
from cohorts.places.models import (
    Cohort,
    Enrolment,
    EnrolmentMode,
    EnrolmentState,
)
from cohorts.places.selectors import (
    nomination_places,
    nominees_of,
)
from cohorts.places.services import (
    focal_point_countries,
    nomination_create,
    nomination_resend,
    nomination_substitute,
)
from cohorts.places.views.base import cohort_or_404


def _focal_point_cohort(request, slug: str) -> tuple[Cohort, list[str]]:
    cohort = cohort_or_404(slug)
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
                    _(
                        "%(name)s is nominated. We have e-mailed %(email)s an invitation to "
                        "confirm the place."
                    )
                    % {"name": form.cleaned_data["full_name"], "email": enrolment.user.email},
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
                    _("%(name)s takes the place of %(person)s. Both have been told by e-mail.")
                    % {"name": form.cleaned_data["full_name"], "person": _nominee_name(enrolment)},
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
            _("We have sent %(email)s a new invitation; earlier links no longer work.")
            % {"email": enrolment.user.email},
        )
    return redirect("cohorts:nominate", cohort.slug)


def _nominee_name(enrolment: Enrolment) -> str:
    """The name the nominator typed (never an existing account's own profile)."""
    return enrolment.nominee_name or enrolment.user.email
