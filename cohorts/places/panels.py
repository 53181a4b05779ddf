"""What cohorts adds to programme pages, activity pages and My learning, through the hooks that
programmes defines (programmes never imports cohorts). Imported from CohortsConfig.ready()."""

from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail import hooks

from cohorts.places.models import CONFIRMED, Cohort, EnrolmentState
from cohorts.places.selectors import (
    activity_places_left,
    activity_places_of,
    cohorts_listed,
    cohorts_to_nominate_for,
    cohorts_with_activity_for,
    enrolment_of,
    places_of,
    waitlist_position,
)
from cohorts.places.views import login_url
from lms.models import Profile
from lms.pages import cache as page_cache
from programmes.pages.selectors import (
    ACTIVITY_PAGE_PANELS_HOOK,
    LEARNER_ACTIVITY_IDS_HOOK,
    MY_LEARNING_PANELS_HOOK,
    PROGRAMME_PAGE_PANELS_HOOK,
)

# Anonymous programme pages are cached and list the open cohorts: saving or deleting a cohort
# must purge them, as publishing a page does.
post_save.connect(page_cache.purge_receiver, sender=Cohort, dispatch_uid="cohorts.page_cache.saved")
post_delete.connect(
    page_cache.purge_receiver, sender=Cohort, dispatch_uid="cohorts.page_cache.deleted"
)


@hooks.register(PROGRAMME_PAGE_PANELS_HOOK)
def programme_cohorts_panel(request, page) -> str:
    """The programme's cohorts that take applications or nominations, or are still to come;
    a logged-in person also sees where they stand in each."""
    now = timezone.now()
    cohorts = cohorts_listed(programme=page, now=now)
    if not cohorts:
        return ""
    mine = {}
    if request.user.is_authenticated:
        mine = {
            row.cohort_id: row
            for row in places_of(user=request.user)
            if row.cohort_id in {cohort.pk for cohort in cohorts}
        }
    rows = [
        {
            "cohort": cohort,
            "applications_open": cohort.applications_open(now),
            "nominations_open": cohort.nominations_open(now),
            "enrolment": mine.get(cohort.pk),
        }
        for cohort in cohorts
    ]
    return render_to_string("cohorts/panel_programme.html", {"rows": rows}, request=request)


def _registration_open(activity, now) -> bool:
    return activity.registration_status(now) == "open"


@hooks.register(ACTIVITY_PAGE_PANELS_HOOK)
def activity_registration_panel(request, page) -> str:
    """Register, or where the person stands; the online link only for a confirmed place. An
    anonymous visitor gets the same box as every other (the page is cached for them)."""
    now = timezone.now()
    user = request.user
    registration_open = _registration_open(page, now)
    context = {
        "activity": page,
        "registration_open": registration_open,
        # A count only, never who holds the places; only while registration is open.
        "places_left": activity_places_left(activity=page) if registration_open else None,
        "counted_at": now,
        "ended": bool(page.ends_at and page.ends_at < now),
        "authenticated": user.is_authenticated,
        "login_url": login_url((page.url or "/") + "#register"),
    }
    if user.is_authenticated:
        registration = enrolment_of(user=user, activity=page)
        cohorts = cohorts_with_activity_for(user=user, activity=page)
        # The person's own registration says where they stand (a cohort member too: the
        # activity's rules may have waitlisted them); the cohort speaks only without one.
        if registration is not None and registration.state != EnrolmentState.WITHDRAWN:
            confirmed = registration.state in CONFIRMED
        else:
            confirmed = bool(cohorts)
        profile = Profile.objects.filter(user=user).only("country", "guardian_approval").first()
        context.update(
            {
                "registration": registration,
                "position": waitlist_position(registration) if registration else None,
                "member_of": cohorts,
                "online_url": page.online_url if confirmed else "",
                "needs_country": profile is None or not profile.country,
                "awaiting_guardian": profile is not None and profile.awaiting_guardian,
                "register_url": reverse("cohorts:activity_register", args=[page.pk]),
            }
        )
    return render_to_string("cohorts/panel_activity.html", context, request=request)


@hooks.register(MY_LEARNING_PANELS_HOOK)
def my_cohorts_panel(request) -> str:
    """My cohorts, and activity places that wait for me or for an answer."""
    places = places_of(user=request.user)
    cohorts = [row for row in places if row.cohort_id]
    waiting = [
        row
        for row in places
        if row.activity_id
        and row.state in (EnrolmentState.WAITLISTED, EnrolmentState.OFFERED)
        and row.activity.live
    ]
    return render_to_string(
        "cohorts/panel_my_learning.html",
        {
            "cohorts": cohorts,
            "waiting": waiting,
            "offers": [row for row in places if row.state == EnrolmentState.OFFERED],
            "nominations": [row for row in places if row.state == EnrolmentState.NOMINATED],
        },
        request=request,
    )


@hooks.register(MY_LEARNING_PANELS_HOOK)
def my_nominations_panel(request) -> str:
    """A national focal point's way to the nomination pages of their cohorts."""
    cohorts = cohorts_to_nominate_for(user=request.user)
    if not cohorts:
        return ""
    now = timezone.now()
    rows = [{"cohort": cohort, "open": cohort.nominations_open(now)} for cohort in cohorts]
    return render_to_string("cohorts/panel_focal_point.html", {"rows": rows}, request=request)


@hooks.register(LEARNER_ACTIVITY_IDS_HOOK)
def learner_activity_places(user) -> dict[int, bool]:
    return activity_places_of(user=user)
