"""A youth group's passes and an activity's care notes: attendance pages at addresses under
/groups/ (mounted by a hook in cohorts.attendance.wagtail_hooks)."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cohorts.attendance import passes
from cohorts.attendance import services as attendance
from cohorts.attendance.selectors import (
    care_notes_access,
    desk_can_use,
)
from cohorts.attendance.views.base import PDF_CONTENT_TYPE, private_response
from cohorts.groups.selectors import care_notes_of, group_activity_places, group_for_leader
from lms import languages
from programmes.models import ActivityPage

CARE_NOTES_TEMPLATE = "cohorts/groups/care_notes.html"


@require_GET
@login_required
def group_passes(request, group_id: int, activity_id: int):
    """One PDF with a pass for every confirmed member of the group at the activity, members
    without an account included (a minor's pass comes once the guardian has consented)."""
    group = group_for_leader(request.user, group_id)
    if group is None:
        raise Http404("No such group.")
    places = group_activity_places(group, activity_id)
    if not places:
        raise Http404("The group has no confirmed places at this activity.")
    with transaction.atomic():
        data = []
        for place in places:
            ticket = attendance.pass_ensure(enrolment=place)
            if ticket is not None:
                # A member without an account of their own reads the leader's language.
                language = attendance.pass_language(place, leader=request.user)
                data.append(attendance.pass_data(enrolment=place, ticket=ticket, language=language))
    activity = places[0].activity
    with languages.reading(languages.of_user(request.user)):
        title = _("Passes of %(group)s") % {"group": group.name}
    pdf = passes.passes_pdf(data, title=title)
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    slug = activity.slug or activity.pk
    # An address may keep the region's letters (ā, ī): the header must still name the file.
    response["Content-Disposition"] = content_disposition_header(
        False, f"passes-{slug}-group-{group.pk}.pdf"
    )
    return private_response(response)


@never_cache
@login_required
def care_notes(request, activity_id: int):
    """The dietary and medical notes group leaders gave for an activity: for its staff, while
    they need them (`care_notes_access`); anyone else learns nothing."""
    activity = ActivityPage.objects.filter(pk=activity_id).first()
    if activity is None or not desk_can_use(request.user, activity):
        raise Http404("No such activity.")
    refused = care_notes_access(request.user, activity)
    if refused:
        context = {"activity": activity, "notes": [], "refused": refused}
        return private_response(render(request, CARE_NOTES_TEMPLATE, context, status=403))
    context = {"activity": activity, "notes": care_notes_of(activity)}
    return private_response(render(request, CARE_NOTES_TEMPLATE, context))
