"""Attendance pages: the participant's pass (page and PDF), the address its QR code carries, and
the check-in desk for an activity's staff — a plain site page rather than a Wagtail admin view,
because it is used standing at a door with a phone: one column, large buttons, the camera."""

import datetime as dt
import io
import re
from urllib.parse import urlencode

from csp.constants import WASM_UNSAFE_EVAL
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_permissions_policy.decorators import permissions_policy_override
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from wagtail.log_actions import log

from cohorts.attendance import passes
from cohorts.attendance import services as attendance
from cohorts.attendance.forms import SessionForm
from cohorts.attendance.models import AttendanceStatus, ParticipantPass
from cohorts.attendance.selectors import (
    attendance_can_manage,
    attendance_grid,
    attendance_table,
    care_notes_access,
    corrections_of,
    days_of,
    desk_can_use,
    desk_counts,
    desk_place,
    desk_row,
    desk_rows,
    records_table,
    session_of,
    sheet_rows,
)
from cohorts.attendance.services import (
    TOKEN_PATTERN,
    check_in_window_reason,
    pass_by_token,
    pass_lookup,
    person_name,
    session_current,
    session_label,
    session_local_date,
    sessions_ensure,
)
from cohorts.desk import exports
from cohorts.errors import CohortsError
from cohorts.places.models import CONFIRMED, EnrolmentState
from cohorts.places.selectors import place_of_owner
from lms.qr import qr_svg_data_uri
from lms.spreadsheets import xlsx_value
from lms.time_zones import zone_name
from programmes.models import ActivityPage

XLSX_CONTENT_TYPE = exports.XLSX_CONTENT_TYPE
PDF_CONTENT_TYPE = "application/pdf"


def _private(response):
    # Passes and desks are personal: never cached, never leaked through a Referer header to
    # other sites ("same-origin": "no-referrer" makes browsers post "Origin: null", which the
    # CSRF check refuses).
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- the participant's pass -------------------------------------------------------------------


def _own_activity_place(request, enrolment_id: int):
    enrolment = place_of_owner(user=request.user, enrolment_id=enrolment_id)
    if enrolment is None or not enrolment.activity_id:
        raise Http404("No such place.")
    return enrolment


@never_cache
@login_required
def pass_page(request, enrolment_id: int):
    enrolment = _own_activity_place(request, enrolment_id)
    with transaction.atomic():
        ticket = attendance.pass_ensure(enrolment=enrolment)
    if ticket is None:
        ticket = ParticipantPass.objects.filter(enrolment_id=enrolment.pk).first()
    activity = enrolment.activity.specific
    context = {
        "enrolment": enrolment,
        "activity": activity,
        "ticket": ticket,
        # A withdrawn place's pass is revoked by the event's handler, after the withdrawal: the
        # place's own state decides meanwhile.
        "valid": ticket is not None and ticket.revoked_at is None and enrolment.state in CONFIRMED,
        "confirmed": enrolment.state in CONFIRMED,
        "withdrawn": enrolment.state == EnrolmentState.WITHDRAWN,
        "name": person_name(request.user),
    }
    if context["valid"]:
        data = attendance.pass_data(enrolment=enrolment, ticket=ticket)
        context.update(data=data, qr=qr_svg_data_uri(data.qr_text))
    return _private(render(request, "cohorts/attendance/pass.html", context))


@never_cache
@login_required
def pass_pdf(request, enrolment_id: int):
    enrolment = _own_activity_place(request, enrolment_id)
    with transaction.atomic():
        pdf = attendance.pass_pdf_render(enrolment=enrolment)
    if pdf is None:
        raise Http404("This place has no pass.")
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        False, attendance.pass_filename(enrolment)
    )
    return _private(response)


@never_cache
def pass_scan(request, token: str):
    """The address in a pass's QR code. Staff of the activity land on the desk with the pass
    read; the holder sees their pass; anyone else learns only what the code is for."""
    ticket = pass_by_token(token) if len(token) == 43 and _is_token(token) else None
    if ticket is None:
        response = render(request, "cohorts/attendance/pass_unknown.html", status=404)
        return _private(response)
    activity = ticket.enrolment.activity
    if request.user.is_authenticated and desk_can_use(request.user, activity):
        query = urlencode({"code": token})
        return _private(redirect(f"{reverse('cohorts:check_in_pass', args=[activity.pk])}?{query}"))
    if request.user.is_authenticated and request.user.pk == ticket.enrolment.user_id:
        return _private(redirect("cohorts:pass", ticket.enrolment_id))
    login = f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
    response = render(request, "cohorts/attendance/pass_public.html", {"login_url": login})
    return _private(response)


def _is_token(text: str) -> bool:
    return re.fullmatch(TOKEN_PATTERN, text) is not None


# --- the desk ---------------------------------------------------------------------------------


def _staff_activity(request, activity_id: int) -> ActivityPage:
    """The activity, only for its staff: anyone else gets a 404 and learns nothing."""
    activity = ActivityPage.objects.filter(pk=activity_id).first()
    if activity is None or not desk_can_use(request.user, activity):
        raise Http404("No such check-in desk.")
    return activity


def _organisers_only(request, activity, what: str):
    """The answer to check-in staff who open a page that keeps the whole record."""
    context = {"activity": activity, "what": what, "desk_url": _desk_url(activity)}
    return _private(render(request, "cohorts/attendance/organisers_only.html", context, status=403))


def _today_sessions(activity, sessions) -> set[int]:
    """The ids of the sessions on today's date in the activity's own time zone."""
    today = timezone.localtime(timezone.now(), activity.tz).date()
    return {s.pk for s in sessions if session_local_date(s, activity) == today}


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _desk_url(activity, session=None, q: str = "") -> str:
    query = {}
    if session is not None:
        query["session"] = session.pk
    if q:
        query["q"] = q
    url = reverse("cohorts:check_in_desk", args=[activity.pk])
    return f"{url}?{urlencode(query)}" if query else url


def _session(activity, value, sessions=None):
    sessions = sessions if sessions is not None else sessions_ensure(activity=activity)
    return session_of(activity, value) or session_current(sessions, activity)


def _counts_payload(activity, session) -> dict:
    counts = desk_counts(activity, session)
    return {**counts, "session": session.pk if session else None}


def _desk_context(request, activity, sessions, session, q: str) -> dict:
    closed_reason = check_in_window_reason(activity)
    return {
        "activity": activity,
        "sessions": [(s, session_label(s, activity)) for s in sessions],
        "session": session,
        "session_label": session_label(session, activity) if session else "",
        "q": q,
        "counts": desk_counts(activity, session),
        "closed_reason": closed_reason,
        # Open, yet no session today (say, the sessions were moved by hand): say where to fix it.
        "no_session_today": closed_reason is None
        and bool(sessions)
        and not _today_sessions(activity, sessions),
        "desk_url": reverse("cohorts:check_in_desk", args=[activity.pk]),
        "can_manage": attendance_can_manage(request.user, activity),
        "care_notes_shown": care_notes_access(request.user, activity) is None,
        "counts_url": reverse("cohorts:check_in_counts", args=[activity.pk]),
        "pass_url": reverse("cohorts:check_in_pass", args=[activity.pk]),
    }


# The desk alone may use the camera (to scan passes), and run the vendored WebAssembly barcode
# reader where the browser has no reader of its own.
@csp_update({"script-src": [WASM_UNSAFE_EVAL]})
@permissions_policy_override({**settings.PERMISSIONS_POLICY, "camera": ["self"]})
@never_cache
@login_required
@require_GET
def desk(request, activity_id: int):
    activity = _staff_activity(request, activity_id)
    sessions = sessions_ensure(activity=activity)
    session = _session(activity, request.GET.get("session"), sessions)
    q = request.GET.get("q", "")[:200]
    context = _desk_context(request, activity, sessions, session, q)
    context["rows"] = desk_rows(activity, session, q=q, pending_consent=True)
    if request.GET.get("fragment") == "roster":
        return _private(render(request, "cohorts/attendance/_roster.html", context))
    days = days_of(activity, sessions)
    context["sheets"] = [
        (day, reverse("cohorts:attendance_sheet", args=[activity.pk, day.isoformat()]))
        for day in days
    ]
    return _private(render(request, "cohorts/attendance/desk.html", context))


@never_cache
@login_required
@require_GET
def desk_counts_view(request, activity_id: int):
    activity = _staff_activity(request, activity_id)
    session = _session(activity, request.GET.get("session"))
    return _private(JsonResponse(_counts_payload(activity, session)))


def _result(request, activity, session, *, ok: bool, message: str, enrolment_id=None, q=""):
    """The outcome of a check-in: JSON for the desk's script, else a message and the desk."""
    if _wants_json(request):
        data = {"ok": ok, "message": message, "counts": _counts_payload(activity, session)}
        row = desk_row(activity, session, enrolment_id) if enrolment_id else None
        if row is not None:
            data["enrolment_id"] = enrolment_id
            data["row"] = render_to_string(
                "cohorts/attendance/_row.html",
                {"row": row, "session": session, "activity": activity, "q": q},
                request=request,
            )
        return _private(JsonResponse(data))
    (messages.success if ok else messages.error)(request, message)
    anchor = f"#place-{enrolment_id}" if enrolment_id else ""
    return _private(redirect(_desk_url(activity, session, q) + anchor))


@never_cache
@login_required
def desk_pass(request, activity_id: int):
    """A scanned or typed pass: GET shows who it is (or why it is refused), POST checks in."""
    activity = _staff_activity(request, activity_id)
    data = request.POST if request.method == "POST" else request.GET
    session = _session(activity, data.get("session"))
    code = str(data.get("code", ""))[:500]
    if request.method == "POST":
        method = "scan" if data.get("method") == "scan" else "code"
        if session is None:
            return _result(
                request, activity, session, ok=False, message="This activity has no sessions."
            )
        try:
            done = attendance.check_in_by_token(
                activity=activity, text=code, session=session, actor=request.user, method=method
            )
        except CohortsError as exc:
            return _result(request, activity, session, ok=False, message=exc.message)
        return _result(
            request,
            activity,
            session,
            ok=True,
            message=done.message,
            enrolment_id=done.enrolment.pk,
        )
    found = pass_lookup(activity=activity, text=code)
    row = desk_row(activity, session, found.enrolment.pk) if found.ok else None
    context = {
        "activity": activity,
        "session": session,
        "session_label": session_label(session, activity) if session else "",
        "found": found,
        "row": row,
        "code": code,
        "method": "scan" if request.GET.get("method") == "scan" else "code",
        "desk_url": _desk_url(activity, session),
        "pass_url": reverse("cohorts:check_in_pass", args=[activity.pk]),
    }
    template = (
        "cohorts/attendance/_pass_card.html"
        if request.GET.get("fragment")
        else "cohorts/attendance/desk_pass.html"
    )
    return _private(render(request, template, context))


@never_cache
@login_required
@require_POST
def desk_check_in(request, activity_id: int, enrolment_id: int):
    """One tap on a name found by search: present for the session."""
    activity = _staff_activity(request, activity_id)
    session = _session(activity, request.POST.get("session"))
    q = str(request.POST.get("q", ""))[:200]
    enrolment = desk_place(activity, enrolment_id)
    if enrolment is None:
        return _result(
            request, activity, session, ok=False, message="This person has no place here.", q=q
        )
    if session is None:
        return _result(
            request, activity, session, ok=False, message="This activity has no sessions.", q=q
        )
    try:
        done = attendance.check_in(
            enrolment=enrolment, session=session, actor=request.user, method="search"
        )
    except CohortsError as exc:
        return _result(
            request, activity, session, ok=False, message=exc.message, enrolment_id=None, q=q
        )
    return _result(
        request, activity, session, ok=True, message=done.message, enrolment_id=enrolment.pk, q=q
    )


# --- the attendance list, sessions, exports ---------------------------------------------------


@never_cache
@login_required
def attendance_list(request, activity_id: int):
    """Every person against every session; staff record or correct a status per cell."""
    activity = _staff_activity(request, activity_id)
    sessions = sessions_ensure(activity=activity)
    can_manage = attendance_can_manage(request.user, activity)
    # Check-in staff correct today's records; other days are the organisers'.
    editable = {s.pk for s in sessions} if can_manage else _today_sessions(activity, sessions)
    q = str((request.POST if request.method == "POST" else request.GET).get("q", ""))[:200]
    back = reverse("cohorts:attendance", args=[activity.pk])
    if request.method == "POST":
        enrolment = desk_place(activity, _int(request.POST.get("enrolment")))
        session = session_of(activity, request.POST.get("session"))
        status = request.POST.get("status", "")
        if enrolment is None or session is None:
            messages.error(request, "That person or session is not part of this activity.")
        elif session.pk not in editable:
            messages.error(
                request,
                "Check-in staff record today's sessions only. Ask the activity's organisers "
                "(programme admins or the cohort's staff) to correct another day. "
                "Nothing was changed.",
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
        return _private(redirect(f"{back}?{urlencode({'q': q})}{anchor}" if q else back + anchor))
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
    return _private(render(request, "cohorts/attendance/list.html", context))


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
    activity = _staff_activity(request, activity_id)
    if not attendance_can_manage(request.user, activity):
        return _organisers_only(request, activity, "change the days and sessions")
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
                messages.success(request, "The session is removed.")
                return _private(redirect(url))
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
                        request, "The session is saved." if action == "edit" else "Session added."
                    )
                    return _private(redirect(url))
                if action == "edit" and session_id:
                    edit_forms[session_id] = form
                else:
                    add_form = form
                messages.error(request, "Please correct the session below.")
            else:
                messages.error(request, "Choose to add, save or remove a session.")
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
    return _private(render(request, "cohorts/attendance/sessions.html", context))


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
    activity = _staff_activity(request, activity_id)
    if not attendance_can_manage(request.user, activity):
        return _organisers_only(request, activity, "export the attendance")
    sessions_ensure(activity=activity)
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Attendance"
    header, rows = attendance_table(activity)
    _xlsx_sheet(summary, header, rows)
    record_header, record_rows = records_table(activity)
    _xlsx_sheet(workbook.create_sheet("Records"), record_header, record_rows)
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
    return _private(response)


@never_cache
@login_required
@require_GET
def sign_in_sheet(request, activity_id: int, day: str):
    """The paper fallback of one day: a PDF to print before the doors open."""
    activity = _staff_activity(request, activity_id)
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
        f"{s.title or 'Session'}, {timezone.localtime(s.starts_at, tz):%H:%M}–"
        f"{timezone.localtime(s.ends_at, tz):%H:%M}: signature"
        for s in sessions
    )
    labels = dict(AttendanceStatus.choices)
    people = tuple(
        passes.SheetPerson(
            name=row.name,
            country=row.country,
            organisation=row.organisation,
            recorded=tuple(
                f"{labels[statuses[s.pk]]} (recorded at the desk)" if s.pk in statuses else ""
                for s in sessions
            ),
        )
        for row, statuses in sheet_rows(activity, sessions)
    )
    item = attendance.emails.activity_item(activity)
    sheet = passes.SheetData(
        activity_title=activity.title,
        day=date,
        day_text=attendance.day_text(date),
        venue=item["where"],
        sessions=columns,
        people=people,
        printed_at=f"Printed {timezone.localtime(timezone.now(), tz):%Y-%m-%d %H:%M} "
        f"{zone_name(activity.time_zone)}.",
    )
    response = HttpResponse(passes.sign_in_sheet_pdf(sheet), content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        False, f"{activity.slug}-sign-in-{date.isoformat()}.pdf"
    )
    return _private(response)
