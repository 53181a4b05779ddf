"""The check-in desk for an activity's staff — a plain site page rather than a Wagtail admin view,
because it is used standing at a door with a phone: one column, large buttons, the camera."""

from urllib.parse import urlencode

from csp.constants import WASM_UNSAFE_EVAL
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_permissions_policy.decorators import permissions_policy_override

from cohorts.attendance import services as attendance
from cohorts.attendance.selectors import (
    attendance_can_manage,
    care_notes_access,
    days_of,
    desk_can_use,
    desk_counts,
    desk_place,
    desk_row,
    desk_rows,
    session_of,
)
from cohorts.attendance.services import (
    check_in_window_reason,
    pass_lookup,
    session_current,
    session_label,
    session_local_date,
    sessions_ensure,
)
from cohorts.attendance.views.base import private_response
from cohorts.errors import CohortsError
from programmes.models import ActivityPage


def staff_activity(request, activity_id: int) -> ActivityPage:
    """The activity, only for its staff: anyone else gets a 404 and learns nothing."""
    activity = ActivityPage.objects.filter(pk=activity_id).first()
    if activity is None or not desk_can_use(request.user, activity):
        raise Http404("No such check-in desk.")
    return activity


def organisers_only(request, activity, ask: str):
    """The answer to check-in staff who open a page that keeps the whole record; `ask` says
    what to ask the organisers for, as a whole sentence."""
    context = {"activity": activity, "ask": ask, "desk_url": _desk_url(activity)}
    return private_response(
        render(request, "cohorts/attendance/organisers_only.html", context, status=403)
    )


def today_sessions(activity, sessions) -> set[int]:
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
        and not today_sessions(activity, sessions),
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
    activity = staff_activity(request, activity_id)
    sessions = sessions_ensure(activity=activity)
    session = _session(activity, request.GET.get("session"), sessions)
    q = request.GET.get("q", "")[:200]
    context = _desk_context(request, activity, sessions, session, q)
    context["rows"] = desk_rows(activity, session, q=q, pending_consent=True)
    if request.GET.get("fragment") == "roster":
        return private_response(render(request, "cohorts/attendance/_roster.html", context))
    days = days_of(activity, sessions)
    context["sheets"] = [
        (day, reverse("cohorts:attendance_sheet", args=[activity.pk, day.isoformat()]))
        for day in days
    ]
    return private_response(render(request, "cohorts/attendance/desk.html", context))


@never_cache
@login_required
@require_GET
def desk_counts_view(request, activity_id: int):
    activity = staff_activity(request, activity_id)
    session = _session(activity, request.GET.get("session"))
    return private_response(JsonResponse(_counts_payload(activity, session)))


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
        return private_response(JsonResponse(data))
    (messages.success if ok else messages.error)(request, message)
    anchor = f"#place-{enrolment_id}" if enrolment_id else ""
    return private_response(redirect(_desk_url(activity, session, q) + anchor))


@never_cache
@login_required
def desk_pass(request, activity_id: int):
    """A scanned or typed pass: GET shows who it is (or why it is refused), POST checks in."""
    activity = staff_activity(request, activity_id)
    data = request.POST if request.method == "POST" else request.GET
    session = _session(activity, data.get("session"))
    code = str(data.get("code", ""))[:500]
    if request.method == "POST":
        method = "scan" if data.get("method") == "scan" else "code"
        if session is None:
            return _result(
                request, activity, session, ok=False, message=_("This activity has no sessions.")
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
    return private_response(render(request, template, context))


@never_cache
@login_required
@require_POST
def desk_check_in(request, activity_id: int, enrolment_id: int):
    """One tap on a name found by search: present for the session."""
    activity = staff_activity(request, activity_id)
    session = _session(activity, request.POST.get("session"))
    q = str(request.POST.get("q", ""))[:200]
    enrolment = desk_place(activity, enrolment_id)
    if enrolment is None:
        return _result(
            request, activity, session, ok=False, message=_("This person has no place here."), q=q
        )
    if session is None:
        return _result(
            request,
            activity,
            session,
            ok=False,
            message=_("This activity has no sessions."),
            q=q,
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
