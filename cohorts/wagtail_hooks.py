"""Cohort admin: set-up of cohorts and focal points for programme admins, the cohort desk for
presidency staff, and the audit-log actions of enrolment decisions."""

from django import forms
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

import cohorts.attendance.wagtail_hooks  # noqa: F401 (check-in desks and attendance)
import cohorts.matching.wagtail_hooks  # noqa: F401 (peer-group matching in the desk)
import cohorts.surveys.wagtail_hooks  # noqa: F401 (survey results and targets)
from cohorts.desk import views as admin_views
from cohorts.desk.forms import CohortAdminForm
from cohorts.places import services
from cohorts.places.models import Cohort, FocalPoint, ReasonTemplate
from cohorts.places.selectors import cohorts_managed_by
from programmes.pages.forms import ACTIVITY_FORM_CHECKS_HOOK

ENROLMENT_ACTIONS = {
    "accept": (pgettext_lazy("decision", "Accept"), pgettext_lazy("decision made", "Accepted")),
    "waitlist": (
        pgettext_lazy("decision", "Waitlist"),
        pgettext_lazy("decision made", "Waitlisted"),
    ),
    "reject": (pgettext_lazy("decision", "Reject"), pgettext_lazy("decision made", "Rejected")),
    "withdraw": (_("Withdraw"), _("Withdrawn")),
    "offer": (_("Offer a place"), _("Offered a place from the waitlist")),
    "offer_accept": (_("Accept offer"), _("Accepted the offer")),
    "nominate": (_("Nominate"), _("Nominated")),
    "substitute": (_("Substitute"), _("Substituted by another nominee")),
    "confirm": (_("Confirm nomination"), _("Confirmed the nomination")),
    "complete": (pgettext_lazy("action", "Complete"), _("Completed the cohort")),
    "import": (pgettext_lazy("action", "Import"), _("Imported from CSV")),
    "invitation_resend": (_("Send invitation again"), _("Sent the nominee a new invitation")),
}


@hooks.register("register_log_actions")
def register_enrolment_actions(actions):
    for action, (label, message) in ENROLMENT_ACTIONS.items():
        actions.register_action(f"cohorts.enrolment.{action}", label, message)
    actions.register_action(
        "cohorts.cohort.export", pgettext_lazy("action", "Export"), _("Exported the enrolments")
    )
    actions.register_action(
        "cohorts.reason_template.create", _("Add saved reason"), _("Added a saved reason")
    )
    actions.register_action(
        "cohorts.reason_template.edit", _("Change saved reason"), _("Changed a saved reason")
    )
    actions.register_action(
        "cohorts.reason_template.delete", _("Delete saved reason"), _("Deleted a saved reason")
    )


# --- cohort set-up (programme admins) ---------------------------------------------------------


class CohortCreateView(CreateView):
    def save_instance(self):
        cohort = super().save_instance()
        # Every cohort has its own staff group from the start: staff are added to it.
        services.cohort_staff_group_ensure(cohort=cohort)
        return cohort


class CohortEditView(EditView):
    def save_instance(self):
        cohort = super().save_instance()
        services.cohort_staff_group_ensure(cohort=cohort)
        return cohort


class DeskLinkColumn(Column):
    def get_value(self, instance):
        return format_html(
            '<a href="{}">{}</a>', reverse("cohorts_desk", args=[instance.pk]), _("Open the desk")
        )


class CohortViewSet(ModelViewSet):
    model = Cohort
    icon = "group"
    menu_label = _("Cohorts")
    add_view_class = CohortCreateView
    edit_view_class = CohortEditView
    list_display = [
        "title",
        "programme",
        "starts_on",
        "enrolment_mode",
        "capacity",
        "staff_group",
        DeskLinkColumn("desk", label=_("Cohort desk")),
    ]
    list_filter = ["enrolment_mode"]
    search_fields = ["title", "slug"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("programme"),
            FieldPanel("title"),
            FieldPanel("slug"),
            FieldPanel("summary"),
            FieldRowPanel([FieldPanel("presidency_country"), FieldPanel("time_zone")]),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
                    FieldPanel("staff_access_until"),
                ],
                heading=_("Dates"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("enrolment_mode"),
                    FieldRowPanel(
                        [FieldPanel("applications_open_at"), FieldPanel("applications_close_at")]
                    ),
                    FieldPanel("nomination_deadline"),
                    FieldRowPanel([FieldPanel("capacity"), FieldPanel("offer_hours")]),
                ],
                heading=_("Enrolment and places"),
            ),
            InlinePanel("place_rules", heading=_("Place rules"), label=_("Place rule")),
            InlinePanel("questions", heading=_("Application questions"), label=_("Question")),
            MultiFieldPanel(
                [
                    FieldPanel("modules", widget=forms.CheckboxSelectMultiple),
                    FieldPanel("activities", widget=forms.CheckboxSelectMultiple),
                    FieldPanel("activities_required"),
                ],
                heading=_("Completion"),
            ),
        ],
        base_form_class=CohortAdminForm,
    )


class FocalPointViewSet(ModelViewSet):
    model = FocalPoint
    icon = "user"
    menu_label = _("Focal points")
    list_display = ["user", "country", "programme"]
    list_filter = ["country"]
    search_fields = ["user__email"]
    copy_view_enabled = False
    form_fields = ["user", "country", "programme"]


class ReasonTemplateViewSet(ModelViewSet):
    """Saved reasons for every cohort's desk (no cohort), or for one; cohort staff keep their
    own cohort's on the desk."""

    model = ReasonTemplate
    icon = "comment"
    menu_label = _("Saved reasons")
    list_display = ["title", "cohort", "decision"]
    list_filter = ["decision"]
    search_fields = ["title", "text"]
    copy_view_enabled = False
    form_fields = ["cohort", "title", "decision", "text"]


class CohortsViewSetGroup(ModelViewSetGroup):
    menu_label = _("Cohorts")
    menu_icon = "group"
    menu_order = 250
    items = (
        # Not "cohorts": that namespace is the public cohort pages'.
        CohortViewSet("cohort_setup", url_prefix="cohorts/setup"),
        FocalPointViewSet("focal_points", url_prefix="cohorts/focal-points"),
        ReasonTemplateViewSet("reason_templates", url_prefix="cohorts/saved-reasons"),
    )


@hooks.register("register_admin_viewset")
def register_cohort_viewsets():
    return CohortsViewSetGroup()


# --- the cohort desk (presidency staff) -------------------------------------------------------


class DeskMenuItem(MenuItem):
    def is_shown(self, request):
        return cohorts_managed_by(request.user).exists()


@hooks.register("register_admin_urls")
def register_desk_urls():
    return [
        path("cohorts/desk/", admin_views.DeskIndexView.as_view(), name="cohorts_desk_index"),
        path("cohorts/desk/<dbid:pk>/", admin_views.DeskView.as_view(), name="cohorts_desk"),
        path(
            "cohorts/desk/<dbid:pk>/decide/",
            admin_views.DecideView.as_view(),
            name="cohorts_desk_decide",
        ),
        path(
            "cohorts/desk/<dbid:pk>/decide/review/",
            admin_views.ReviewView.as_view(),
            name="cohorts_desk_review",
        ),
        path(
            "cohorts/desk/<dbid:pk>/reasons/",
            admin_views.ReasonTemplatesView.as_view(),
            name="cohorts_desk_reasons",
        ),
        path(
            "cohorts/desk/<dbid:pk>/reasons/<dbid:template_id>/",
            admin_views.ReasonTemplateEditView.as_view(),
            name="cohorts_desk_reason_edit",
        ),
        path(
            "cohorts/desk/<dbid:pk>/promote/",
            admin_views.PromoteView.as_view(),
            name="cohorts_desk_promote",
        ),
        path(
            "cohorts/desk/<dbid:pk>/export.csv",
            admin_views.ExportView.as_view(fmt="csv"),
            name="cohorts_desk_export_csv",
        ),
        path(
            "cohorts/desk/<dbid:pk>/export.xlsx",
            admin_views.ExportView.as_view(fmt="xlsx"),
            name="cohorts_desk_export_xlsx",
        ),
        path(
            "cohorts/desk/<dbid:pk>/import/",
            admin_views.ImportView.as_view(),
            name="cohorts_desk_import",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_desk_menu_item():
    return DeskMenuItem(
        _("Cohort desk"), reverse("cohorts_desk_index"), icon_name="group", order=240
    )


@hooks.register(ACTIVITY_FORM_CHECKS_HOOK)
def activity_fits_its_cohorts(activity) -> list[str]:
    """An activity of a cohort cannot be edited into rules that would waitlist its members."""
    return services.activity_cohort_problems(activity=activity)
