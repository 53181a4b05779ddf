"""The group leader's pages under /groups/: my groups, a group with its members, co-leaders and
bookings (with each minor's consent), member and booking forms, and the group's passes as one
PDF. Only a group's leaders see anything of it: for anyone else it does not exist (404)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cohorts.desk import imports
from cohorts.errors import CohortsError
from cohorts.groups import imports as member_imports
from cohorts.groups.forms import BookingForm, GroupForm, LeaderForm, MemberForm, MembersImportForm
from cohorts.groups.selectors import (
    age_day,
    bookable_targets,
    bookings_of,
    group_for_leader,
    groups_led_by,
    member_for_leader,
    member_rows,
    open_invitations_of,
    target_by_value,
)
from cohorts.groups.services import (
    GroupBookingRefused,
    group_book,
    group_booking_cancel,
    group_consent_resend,
    group_create,
    group_delete,
    group_update,
    leader_invitation_accept,
    leader_invitation_by_token,
    leader_invitation_cancel,
    leader_invite,
    leader_refusal,
    leader_remove,
    member_add,
    member_remove,
    member_update,
    members_import,
)

# Pages of capabilities built on groups that live under /groups/ (see cohorts.groups.urls).
GROUP_URLS_HOOK = "bsr_group_urls"


def _private(response):
    # Members' names, age bands and guardians' addresses: never cached or sent to other sites.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _render(request, template: str, context: dict, status: int = 200):
    return _private(render(request, f"cohorts/groups/{template}", context, status=status))


def _group_or_404(request, group_id: int):
    group = group_for_leader(request.user, group_id)
    if group is None:
        raise Http404("No such group.")
    return group


def _to_group(group, anchor: str = ""):
    return redirect(reverse("groups:group", args=[group.pk]) + (f"#{anchor}" if anchor else ""))


# --- my groups and the group itself -----------------------------------------------------------


@never_cache
@login_required
def my_groups(request):
    return _render(
        request,
        "my_groups.html",
        {"groups": groups_led_by(request.user), "refusal": leader_refusal(request.user)},
    )


@never_cache
@login_required
def group_new(request):
    refusal = leader_refusal(request.user)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            group = group_create(actor=request.user, data=form.data_object())
        except CohortsError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(group)s is registered. Add its members, then book places.")
                % {"group": group.name},
            )
            return _to_group(group)
    return _render(request, "group_form.html", {"form": form, "group": None, "refusal": refusal})


@never_cache
@login_required
def group_edit(request, group_id: int):
    group = _group_or_404(request, group_id)
    initial = {
        "name": group.name,
        "organisation": group.organisation,
        "country": group.country.code,
        "kind": group.kind,
    }
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            group = group_update(actor=request.user, group=group, data=form.data_object())
        except CohortsError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("The details of %(group)s are saved.") % {"group": group.name}
            )
            return _to_group(group)
    return _render(request, "group_form.html", {"form": form, "group": group, "refusal": None})


@never_cache
@login_required
def group_page(request, group_id: int):
    group = _group_or_404(request, group_id)
    return _render(request, "group.html", _group_context(request, group))


def _group_context(request, group, **extra) -> dict:
    return {
        "group": group,
        "leaders": list(group.leaders.all()),
        "members": member_rows(group, today=timezone.localdate()),
        "age_day": age_day(group),
        "bookings": bookings_of(group),
        "leader_form": extra.pop("leader_form", None) or LeaderForm(),
        "invitations": open_invitations_of(group),
        "can_book": bool(group.members.exists()),
        **extra,
    }


@require_POST
@login_required
def leader_add_view(request, group_id: int):
    """Invite a co-leader: the answer is the same whether or not the address has an account."""
    group = _group_or_404(request, group_id)
    form = LeaderForm(request.POST)
    if form.is_valid():
        try:
            invitation = leader_invite(
                actor=request.user, group=group, email=form.cleaned_data["email"]
            )
        except CohortsError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return _to_group(group, "leaders")
    context = _group_context(request, group, leader_form=form)
    return _render(request, "group.html", context, status=400)


@require_POST
@login_required
def leader_invitation_cancel_view(request, group_id: int, invitation_id: int):
    group = _group_or_404(request, group_id)
    try:
        message = leader_invitation_cancel(
            actor=request.user, group=group, invitation_id=invitation_id
        )
    except CohortsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    return _to_group(group, "leaders")


@never_cache
def leader_invitation(request, token: str):
    """The invitation's link: opening it changes nothing; the invited person accepts with a
    button, logged in with the account of the invited address."""
    invitation = leader_invitation_by_token(token)
    if invitation is None or not invitation.is_open():
        return _render(request, "invitation.html", {"invitation": None}, status=404)
    context = {
        "invitation": invitation,
        "group": invitation.group,
        "login_url": f"{reverse('login')}?{urlencode({'next': request.path})}",
        "mine": request.user.is_authenticated and request.user.email.lower() == invitation.email,
    }
    if request.method == "POST" and context["mine"]:
        try:
            group = leader_invitation_accept(invitation=invitation, user=request.user)
        except CohortsError as error:
            context["error"] = error.message
        else:
            messages.success(request, _("You now lead %(group)s.") % {"group": group.name})
            return _to_group(group)
    return _render(request, "invitation.html", context)


@require_POST
@login_required
def leader_remove_view(request, group_id: int, leader_id: int):
    group = _group_or_404(request, group_id)
    try:
        message = leader_remove(actor=request.user, group=group, leader_id=leader_id)
    except CohortsError as error:
        messages.error(request, error.message)
        return _to_group(group, "leaders")
    messages.success(request, message)
    if leader_id == request.user.pk:
        return redirect("groups:mine")
    return _to_group(group, "leaders")


def _confirmed(request, template: str, context: dict, act, done):
    """A page that asks "are you sure?" and acts on a POST with confirm=yes: `act()` returns the
    message to show, then `done()` gives the redirect; a refusal is shown on the same page."""
    error = None
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            text = act()
        except CohortsError as exc:
            error = exc.message
        else:
            messages.success(request, text)
            return done()
    return _render(request, template, {**context, "error": error}, status=400 if error else 200)


@never_cache
@login_required
def group_delete_view(request, group_id: int):
    group = _group_or_404(request, group_id)
    return _confirmed(
        request,
        "group_delete.html",
        {"group": group, "member_count": group.members.count()},
        act=lambda: group_delete(actor=request.user, group=group),
        done=lambda: redirect("groups:mine"),
    )


# --- members ---------------------------------------------------------------------------------


@never_cache
@login_required
def member_new(request, group_id: int):
    group = _group_or_404(request, group_id)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = member_add(actor=request.user, group=group, data=form.data_object())
        except CohortsError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s is now a member of %(group)s.")
                % {"name": member.full_name, "group": group.name},
            )
            if "another" in request.POST:
                return redirect("groups:member_new", group.pk)
            return _to_group(group, "members")
    return _render(request, "member_form.html", {"form": form, "group": group, "member": None})


@never_cache
@login_required
def members_import_view(request, group_id: int):
    """A class or troop list from a CSV file: a row-by-row report; nothing is added unless every
    row is valid, unless the leader chose to add the valid rows."""
    group = _group_or_404(request, group_id)
    form = MembersImportForm(request.POST or None, request.FILES or None)
    context = {"group": group, "form": form, "rows": None, "columns": member_imports.MEMBER_COLUMNS}
    if request.method == "POST" and form.is_valid():
        partial = form.cleaned_data["mode"] == "valid"
        try:
            rows = member_imports.members_parse(imports.read_upload(form.cleaned_data["file"]))
        except CohortsError as error:
            context["file_error"] = error.message
            return _render(request, "members_import.html", context, status=400)
        valid = [row for row in rows if row.ok]
        added = {}
        if valid:
            # Rows that cannot be read are reported with the group's own checks of the others,
            # all at once; then nothing is added unless the valid rows were chosen.
            try:
                outcome = members_import(
                    actor=request.user,
                    group=group,
                    rows=[(row.number, row.data) for row in valid],
                    all_or_nothing=not partial,
                    check_only=not partial and len(valid) < len(rows),
                )
            except CohortsError as error:
                form.add_error(None, error.message)
                return _render(request, "members_import.html", context, status=400)
            added = outcome.added
            for row in valid:
                if row.number in outcome.failed:
                    row.errors.append(outcome.failed[row.number])
        if added and len(added) == len(rows):
            messages.success(
                request,
                ngettext(
                    "%(count)s member added to %(group)s.",
                    "%(count)s members added to %(group)s.",
                    len(added),
                )
                % {"count": len(added), "group": group.name},
            )
            return _to_group(group, "members")
        context.update(rows=rows, added=added, partial=partial)
        return _render(request, "members_import.html", context, status=200 if added else 400)
    return _render(request, "members_import.html", context)


@never_cache
@login_required
def member_edit(request, group_id: int, member_id: int):
    group = _group_or_404(request, group_id)
    member = member_for_leader(group, member_id)
    if member is None:
        raise Http404("No such member.")
    # The full date of birth is never shown to leaders, not even here: left empty, the date on
    # record stays (unless the year is corrected).
    initial = {
        "first_name": member.first_name,
        "family_name": member.family_name,
        "birth_year": member.birth_year,
        "guardian_name": member.guardian_name,
        "guardian_email": member.guardian_email,
        "guardian_phone": member.guardian_phone,
        "guardian_language": member.guardian_language,
    }
    form = MemberForm(request.POST or None, initial=initial, with_account=False)
    form.fields["birth_date"].help_text = (
        _("A date of birth is on record; it is not shown. Enter one only to correct it.")
        if member.birth_date
        else form.fields["birth_date"].help_text
    )
    if request.method == "POST" and form.is_valid():
        data = form.data_object()
        if data.birth_date is None and data.birth_year == member.birth_year:
            data.birth_date = member.birth_date
        try:
            member = member_update(actor=request.user, group=group, member_id=member.pk, data=data)
        except CohortsError as error:
            form.add_error(None, error.message)
        else:
            text = _("The details of %(name)s are saved.") % {"name": member.full_name}
            renewed = getattr(member, "consent_requests_renewed", 0)
            if renewed:
                text += " " + _("The consent request went to the new guardian's address.")
            messages.success(request, text)
            return _to_group(group, "members")
    return _render(request, "member_form.html", {"form": form, "group": group, "member": member})


@never_cache
@login_required
def member_remove_view(request, group_id: int, member_id: int):
    group = _group_or_404(request, group_id)
    member = member_for_leader(group, member_id)
    if member is None:
        raise Http404("No such member.")
    return _confirmed(
        request,
        "member_remove.html",
        {"group": group, "member": member},
        act=lambda: member_remove(actor=request.user, group=group, member_id=member.pk),
        done=lambda: _to_group(group, "members"),
    )


# --- bookings --------------------------------------------------------------------------------


@never_cache
@login_required
def booking_new(request, group_id: int):
    group = _group_or_404(request, group_id)
    members = list(group.members.all())
    every = bookable_targets(group=group)
    targets = [t for t in every if not t.why_not]
    unavailable = [t for t in every if t.why_not]
    # Nothing preselected for "not enough places": all-or-nothing or partial is the leader's
    # explicit choice.
    initial = {}
    if request.GET.get("target"):
        initial["target"] = request.GET["target"]
    form = BookingForm(
        request.POST or None,
        targets=targets,
        members=members,
        initial=initial,
        age_on=age_day(group).day,
    )
    outcomes = []
    if request.method == "POST" and form.is_valid():
        target = target_by_value(form.cleaned_data["target"])
        if target is None:
            form.add_error("target", _("That activity or cohort cannot be booked."))
        else:
            try:
                result = group_book(
                    actor=request.user,
                    group=group,
                    target=target,
                    member_ids=form.member_ids(),
                    mode=form.cleaned_data["mode"],
                    care_notes=form.notes(),
                )
            except GroupBookingRefused as error:
                form.add_error(None, error.message)
                outcomes = error.outcomes
            except CohortsError as error:
                form.add_error(None, error.message)
            else:
                if result.booked:
                    messages.success(request, result.summary())
                else:
                    messages.info(request, result.summary())
                return _to_group(group, "bookings")
    return _render(
        request,
        "booking_form.html",
        {
            "group": group,
            "form": form,
            "targets": targets,
            "unavailable": unavailable,
            "outcomes": outcomes,
        },
        status=400 if form.errors else 200,
    )


def _booking_row(group, enrolment_id: int):
    for block in bookings_of(group):
        for row in block.rows:
            if row.enrolment.pk == enrolment_id:
                return block, row
    raise Http404("No such booking.")


@never_cache
@login_required
def booking_cancel(request, group_id: int, enrolment_id: int):
    group = _group_or_404(request, group_id)
    block, row = _booking_row(group, enrolment_id)
    if not row.live:
        messages.info(
            request, _("The booking of %(name)s is already cancelled.") % {"name": row.name}
        )
        return _to_group(group, "bookings")
    return _confirmed(
        request,
        "booking_cancel.html",
        {"group": group, "block": block, "row": row},
        act=lambda: group_booking_cancel(
            actor=request.user, group=group, enrolment_id=enrolment_id
        ),
        done=lambda: _to_group(group, "bookings"),
    )


@require_POST
@login_required
def consent_resend(request, group_id: int, enrolment_id: int):
    group = _group_or_404(request, group_id)
    _booking_row(group, enrolment_id)
    try:
        text = group_consent_resend(actor=request.user, group=group, enrolment_id=enrolment_id)
    except CohortsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, text)
    return _to_group(group, "bookings")
