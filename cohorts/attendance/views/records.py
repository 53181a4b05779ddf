"""An activity's attendance list, its sessions, the export and the printed sign-in sheets."""

import datetime as dt
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from wagtail.log_actions import log

from cohorts.attendance import passes
from cohorts.attendance import services as attendance
from cohorts.attendance.forms import SessionForm
from cohorts.attendance.models import AttendanceStatus
from cohorts.attendance.selectors import (
    attendance_can_manage,
    attendance_grid,
    attendance_table,
    corrections_of,
    desk_place,
    records_table,
    session_of,
    sheet_rows,
)
from cohorts.attendance.services import (
    session_label,
    session_local_date,
    sessions_ensure,
)
from cohorts.attendance.views.base import PDF_CONTENT_TYPE, XLSX_CONTENT_TYPE, private_response
from cohorts.attendance.views.desk import organisers_only, staff_activity, today_sessions
from cohorts.errors import CohortsError
from cohorts.places import emails
from lms.spreadsheets import xlsx_value
from lms.time_zones import zone_name


@never_cache
@login_required
def attendance_list(request, activity_id: int):
    """Every person against every session; staff record or correct a status per cell."""
    activity = staff_activity(request, activity_id)
    sessions = sessions_ensure(activity=activity)
    can_manage = attendance_can_manage(request.user, activity)
    # Check-in staff correct today's records; other days are the organisers'.
    editable = {s.pk for s in sessions} if can_manage else today_sessions(activity, sessions)
    q = str((request.POST if request.method == "POST" else request.GET).get("q", ""))[:200]
    back = reverse("cohorts:attendance", args=[activity.pk])
    if request.method == "POST":
        enrolment = desk_place(activity, _int(request.POST.get("enrolment")))
        session = session_of(activity, request.POST.get("session"))
        status = request.POST.get("status", "")
        if enrolment is None or session is None:
            messages.error(request, _("That person or session is not part of this activity."))
        elif session.pk not in editable:
            messages.error(
                request,
                _(
                    "Check-in staff record today's sessions only. Ask the activity's organisers "
                    "(programme admins or the cohort's staff) to correct another day. "
                    "Nothing was changed."
                ),
            )
        else:
            try:
                done = attendance.attendance_set(
                    enrolment=enrolment, session=session, status=status, actor=request.user
                )
            except CohortsError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, done.message)
        anchor = f"#person-{enrolment.pk}" if enrolment is not None else ""
        return private_response(
            redirect(f"{back}?{urlencode({'q': q})}{anchor}" if q else back + anchor)
        )
    grid = attendance_grid(activity, q=q)
    context = {
        "activity": activity,
        "grid": grid,
        "sessions": [(s, session_label(s, activity)) for s in grid.sessions],
        "statuses": AttendanceStatus.choices,
        "q": q,
        "can_manage": can_manage,
        "editable": editable,
        "log_entries": corrections_of(activity),
        "desk_url": reverse("cohorts:check_in_desk", args=[activity.pk]),
    }
    return private_response(render(request, "cohorts/attendance/list.html", context))


def _int(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0


@never_cache
@login_required
def sessions_view(request, activity_id: int):
    """The days and sessions attendance is taken for, with the hours each counts."""
    activity = staff_activity(request, activity_id)
    if not attendance_can_manage(request.user, activity):
        return organisers_only(
            request,
            activity,
            _(
                "To change the days and sessions of %(activity)s, ask the activity's organisers: "
                "the programme admins, or the staff of the cohort it belongs to."
            )
            % {"activity": activity.title},
        )
    sessions = sessions_ensure(activity=activity)
    url = reverse("cohorts:attendance_sessions", args=[activity.pk])
    add_form = SessionForm(prefix_id="new_")
    edit_forms: dict[int, SessionForm] = {}
    if request.method == "POST":
        action = request.POST.get("action")
        session_id = _int(request.POST.get("session"))
        try:
            if action == "delete":
                attendance.session_delete(
                    activity=activity, session_id=session_id, actor=request.user
                )
                messages.success(request, _("The session is removed."))
                return private_response(redirect(url))
            if action in ("add", "edit"):
                form = SessionForm(
                    request.POST, prefix_id=f"s{session_id}_" if session_id else "new_"
                )
                if form.is_valid():
                    attendance.session_save(
                        activity=activity,
                        data=form.session_input(),
                        actor=request.user,
                        session_id=session_id if action == "edit" else None,
                    )
                    messages.success(
                        request,
                        _("The session is saved.") if action == "edit" else _("Session added."),
                    )
                    return private_response(redirect(url))
                if action == "edit" and session_id:
                    edit_forms[session_id] = form
                else:
                    add_form = form
                messages.error(request, _("Please correct the session below."))
            else:
                messages.error(request, _("Choose to add, save or remove a session."))
        except CohortsError as exc:
            messages.error(request, exc.message)
    tz = activity.tz
    rows = []
    for session in sessions:
        form = edit_forms.get(session.pk) or SessionForm(
            prefix_id=f"s{session.pk}_",
            initial={
                "title": session.title,
                "date": session_local_date(session, activity),
                "starts": timezone.localtime(session.starts_at, tz).time(),
                "ends": timezone.localtime(session.ends_at, tz).time(),
                "hours": session.hours,
            },
        )
        rows.append((session, session_label(session, activity), form))
    first, last = attendance.activity_days(activity)
    context = {
        "activity": activity,
        "rows": rows,
        "add_form": add_form,
        "first_day": first,
        "last_day": last,
        "desk_url": reverse("cohorts:check_in_desk", args=[activity.pk]),
    }
    return private_response(render(request, "cohorts/attendance/sessions.html", context))


def _xlsx_sheet(sheet, header: list[str], rows: list[list]) -> None:
    for row in [header, *rows]:
        sheet.append([xlsx_value(value) for value in row])
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, 1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(len(name), 12), 40)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"


@never_cache
@login_required
@require_GET
def attendance_export(request, activity_id: int):
    """XLSX: a sheet per person × session, and every record with who took it and when."""
    activity = staff_activity(request, activity_id)
    if not attendance_can_manage(request.user, activity):
        return organisers_only(
            request,
            activity,
            _(
                "To export the attendance of %(activity)s, ask the activity's organisers: the "
                "programme admins, or the staff of the cohort it belongs to."
            )
            % {"activity": activity.title},
        )
    sessions_ensure(activity=activity)
    workbook = Workbook()
    summary = workbook.active
    # Translators: the name of a spreadsheet's sheet (at most 31 characters).
    summary.title = _("Attendance")[:31]
    header, rows = attendance_table(activity)
    _xlsx_sheet(summary, header, rows)
    record_header, record_rows = records_table(activity)
    # Translators: the name of a spreadsheet's sheet (at most 31 characters).
    _xlsx_sheet(workbook.create_sheet(_("Records")[:31]), record_header, record_rows)
    out = io.BytesIO()
    workbook.save(out)
    setup = attendance.attendance_setup_ensure(activity=activity)
    log(
        instance=setup,
        action="cohorts.attendance.export",
        user=request.user,
        data={"activity_id": activity.pk, "rows": len(rows)},
    )
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    name = f"{activity.slug}-attendance-{timezone.localdate():%Y-%m-%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return private_response(response)


@never_cache
@login_required
@require_GET
def sign_in_sheet(request, activity_id: int, day: str):
    """The paper fallback of one day: a PDF to print before the doors open."""
    activity = staff_activity(request, activity_id)
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404("No such day.") from None
    sessions = [
        s for s in sessions_ensure(activity=activity) if session_local_date(s, activity) == date
    ]
    if not sessions:
        raise Http404("The activity has no session on that day.")
    tz = activity.tz
    columns = tuple(
        # Translators: a column of the sign-in sheet: "Day 2, 09:00–17:00: signature".
        _("%(session)s, %(starts)s–%(ends)s: signature")
        % {
            "session": s.title or _("Session"),
            "starts": formats.time_format(timezone.localtime(s.starts_at, tz), "TIME_FORMAT"),
            "ends": formats.time_format(timezone.localtime(s.ends_at, tz), "TIME_FORMAT"),
        }
        for s in sessions
    )
    labels = dict(AttendanceStatus.choices)
    people = tuple(
        passes.SheetPerson(
            name=row.name,
            country=row.country,
            organisation=row.organisation,
            recorded=tuple(
                _("%(status)s (recorded at the desk)") % {"status": labels[statuses[s.pk]]}
                if s.pk in statuses
                else ""
                for s in sessions
            ),
        )
        for row, statuses in sheet_rows(activity, sessions)
    )
    item = emails.activity_item(activity)
    sheet = passes.SheetData(
        activity_title=activity.title,
        day=date,
        day_text=attendance.day_text(date),
        venue=item["where"],
        sessions=columns,
        people=people,
        printed_at=_("Printed %(moment)s %(zone)s.")
        % {
            "moment": f"{timezone.localtime(timezone.now(), tz):%Y-%m-%d %H:%M}",
            "zone": zone_name(activity.time_zone),
        },
    )
    response = HttpResponse(passes.sign_in_sheet_pdf(sheet), content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        False, f"{activity.slug}-sign-in-{date.isoformat()}.pdf"
    )
    return private_response(response)
