"""Addresses of attendance under /cohorts/: the participant's pass, the address in its QR code,
and an activity's check-in desk and attendance list (staff only). Appended to cohorts.urls."""

from django.urls import path

from cohorts.attendance import views

urlpatterns = [
    path("places/<dbid:enrolment_id>/pass/", views.pass_page, name="pass"),
    path("places/<dbid:enrolment_id>/pass.pdf", views.pass_pdf, name="pass_pdf"),
    path("pass/<str:token>/", views.pass_scan, name="pass_scan"),
    path("activities/<dbid:activity_id>/check-in/", views.desk, name="check_in_desk"),
    path(
        "activities/<dbid:activity_id>/check-in/counts/",
        views.desk_counts_view,
        name="check_in_counts",
    ),
    path("activities/<dbid:activity_id>/check-in/pass/", views.desk_pass, name="check_in_pass"),
    path(
        "activities/<dbid:activity_id>/check-in/<dbid:enrolment_id>/",
        views.desk_check_in,
        name="check_in",
    ),
    path("activities/<dbid:activity_id>/attendance/", views.attendance_list, name="attendance"),
    path(
        "activities/<dbid:activity_id>/attendance/sessions/",
        views.sessions_view,
        name="attendance_sessions",
    ),
    path(
        "activities/<dbid:activity_id>/attendance/export.xlsx",
        views.attendance_export,
        name="attendance_export",
    ),
    path(
        "activities/<dbid:activity_id>/attendance/sign-in-<str:day>.pdf",
        views.sign_in_sheet,
        name="attendance_sheet",
    ),
]
