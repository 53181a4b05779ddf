"""Admin registrations of attendance (imported by cohorts.wagtail_hooks): the audit-log actions,
the *Check-in desks* menu, the attendance set-up, and links from a cohort desk to the check-in
desks of the cohort's activities."""

from django.urls import path, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from cohorts.attendance import services as attendance
from cohorts.attendance import views
from cohorts.attendance.desk import ActivityAttendanceViewSet, CheckInIndexView
from cohorts.attendance.selectors import desk_activities_for
from cohorts.desk.views import DESK_LINKS_HOOK, DeskLink
from cohorts.groups.views import GROUP_URLS_HOOK
from cohorts.places.handlers import PLACE_EMAIL_ATTACH_HOOK

ATTENDANCE_ACTIONS = {
    "correct": (gettext_lazy("Correct attendance"), gettext_lazy("Corrected an attendance record")),
    "unmet": (
        gettext_lazy("Attendance rule no longer met"),
        gettext_lazy("No longer counted as having attended"),
    ),
    "session_add": (gettext_lazy("Add session"), gettext_lazy("Added an attendance session")),
    "session_edit": (gettext_lazy("Change session"), gettext_lazy("Changed an attendance session")),
    "session_delete": (
        gettext_lazy("Remove session"),
        gettext_lazy("Removed an attendance session"),
    ),
    "export": (gettext_lazy("Export attendance"), gettext_lazy("Exported the attendance")),
}


@hooks.register("register_log_actions")
def register_attendance_actions(actions):
    for action, (label, message) in ATTENDANCE_ACTIONS.items():
        actions.register_action(f"cohorts.attendance.{action}", label, message)


@hooks.register("register_admin_urls")
def register_check_in_urls():
    return [
        path("attendance/desks/", CheckInIndexView.as_view(), name="cohorts_check_in_index"),
    ]


class CheckInMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(desk_activities_for(request.user))


@hooks.register("register_admin_menu_item")
def register_check_in_menu_item():
    return CheckInMenuItem(
        gettext_lazy("Check-in desks"),
        reverse("cohorts_check_in_index"),
        icon_name="tick-inverse",
        order=242,
    )


@hooks.register("register_admin_viewset")
def register_attendance_setup():
    return ActivityAttendanceViewSet("cohorts_attendance_setup", url_prefix="attendance/setup")


@hooks.register(DESK_LINKS_HOOK)
def cohort_check_in_links(request, cohort):
    return [
        DeskLink(
            label=_("Check-in: %(activity)s") % {"activity": activity.title},
            url=reverse("cohorts:check_in_desk", args=[activity.pk]),
            summary=formats.date_format(activity.local_starts_at, "DATE_FORMAT"),
        )
        for activity in cohort.activities.order_by("starts_at")
    ]


@hooks.register(PLACE_EMAIL_ATTACH_HOOK)
def pass_attach(*, email, enrolment):
    """The e-mail confirming an activity place carries its pass."""
    attendance.pass_attach(email=email, enrolment=enrolment)


@hooks.register(GROUP_URLS_HOOK)
def group_urls():
    """A group's passes and an activity's care notes, at their addresses under /groups/."""
    return [
        path(
            "<dbid:group_id>/activities/<dbid:activity_id>/passes.pdf",
            views.group_passes,
            name="passes",
        ),
        path("activities/<dbid:activity_id>/care-notes/", views.care_notes, name="care_notes"),
    ]
