"""Attendance pages, one module per use case: `passes` (the participant's pass), `desk` (the
check-in desk), `records` (the attendance list, sessions, export and sign-in sheets) and `groups`
(a youth group's passes and an activity's care notes), on the helpers in `base`. The addresses in
cohorts.attendance.urls and the group hook use the names re-exported here."""

from cohorts.attendance.views.desk import desk, desk_check_in, desk_counts_view, desk_pass
from cohorts.attendance.views.groups import care_notes, group_passes
from cohorts.attendance.views.passes import pass_page, pass_pdf, pass_scan
from cohorts.attendance.views.records import (
    attendance_export,
    attendance_list,
    sessions_view,
    sign_in_sheet,
)

__all__ = [
    "attendance_export",
    "attendance_list",
    "care_notes",
    "desk",
    "desk_check_in",
    "desk_counts_view",
    "desk_pass",
    "group_passes",
    "pass_page",
    "pass_pdf",
    "pass_scan",
    "sessions_view",
    "sign_in_sheet",
]
