"""Participant-side addresses of cohorts. The fixed prefixes come before the cohort's slug."""

from django.urls import include, path

from cohorts.attendance.urls import urlpatterns as attendance_urlpatterns
from cohorts.places import views

app_name = "cohorts"

urlpatterns = [
    path("places/<dbid:enrolment_id>/", views.place, name="place"),
    path("places/<dbid:enrolment_id>/withdraw/", views.place_withdraw, name="withdraw"),
    path("places/<dbid:enrolment_id>/offer/", views.place_offer, name="place_offer"),
    path("places/<dbid:enrolment_id>/confirm/", views.place_confirm, name="place_confirm"),
    path("offer/<str:token>/", views.offer_by_token, name="offer"),
    path("nomination/<str:token>/", views.nomination_by_token, name="nomination"),
    path(
        "activities/<dbid:activity_id>/register/",
        views.activity_register,
        name="activity_register",
    ),
    *attendance_urlpatterns,
    path("surveys/", include("cohorts.surveys.urls")),
    # A cohort's own addresses come last: its slug must not shadow the fixed ones above
    # (cohorts.models.RESERVED_SLUGS keeps such slugs from being chosen).
    path("<slug:slug>/", views.cohort_page, name="cohort"),
    path("<slug:slug>/apply/", views.cohort_apply, name="apply"),
    path("<slug:slug>/nominate/", views.nominate, name="nominate"),
    path(
        "<slug:slug>/nominate/<dbid:enrolment_id>/substitute/",
        views.nomination_substitute_view,
        name="substitute",
    ),
    path(
        "<slug:slug>/nominate/<dbid:enrolment_id>/resend/",
        views.nomination_resend_view,
        name="nomination_resend",
    ),
]
