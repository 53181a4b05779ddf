"""The participant's pass (page and PDF) and the address its QR code carries."""

import re
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache

from cohorts.attendance import services as attendance
from cohorts.attendance.models import ParticipantPass
from cohorts.attendance.selectors import (
    desk_can_use,
)
from cohorts.attendance.services import (
    TOKEN_PATTERN,
    pass_by_token,
    person_name,
)
from cohorts.attendance.views.base import PDF_CONTENT_TYPE, private_response
from cohorts.places.models import CONFIRMED, EnrolmentState
from cohorts.places.selectors import place_of_owner
from lms.qr import qr_svg_data_uri


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
        # The page is in the language it is read in (the PDF in its holder's).
        data = attendance.pass_data(
            enrolment=enrolment, ticket=ticket, language=translation.get_language()
        )
        context.update(data=data, qr=qr_svg_data_uri(data.qr_text))
    return private_response(render(request, "cohorts/attendance/pass.html", context))


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
    return private_response(response)


@never_cache
def pass_scan(request, token: str):
    """The address in a pass's QR code. Staff of the activity land on the desk with the pass
    read; the holder sees their pass; anyone else learns only what the code is for."""
    ticket = pass_by_token(token) if len(token) == 43 and _is_token(token) else None
    if ticket is None:
        response = render(request, "cohorts/attendance/pass_unknown.html", status=404)
        return private_response(response)
    activity = ticket.enrolment.activity
    if request.user.is_authenticated and desk_can_use(request.user, activity):
        query = urlencode({"code": token})
        return private_response(
            redirect(f"{reverse('cohorts:check_in_pass', args=[activity.pk])}?{query}")
        )
    if request.user.is_authenticated and request.user.pk == ticket.enrolment.user_id:
        return private_response(redirect("cohorts:pass", ticket.enrolment_id))
    login = f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
    response = render(request, "cohorts/attendance/pass_public.html", {"login_url": login})
    return private_response(response)


def _is_token(text: str) -> bool:
    return re.fullmatch(TOKEN_PATTERN, text) is not None
