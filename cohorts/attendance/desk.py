"""Attendance in the Wagtail admin: the list of check-in desks a person runs (the desks
themselves are site pages, made for a phone at the door), and the set-up of an activity's
attendance (its rule and its desk staff group) for programme admins."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet

from cohorts.attendance import services as attendance
from cohorts.attendance.models import ActivityAttendance
from cohorts.attendance.selectors import attendance_can_manage, desk_activities_for
from cohorts.places.selectors import cohort_is_admin


class CheckInIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cohorts/attendance/admin_index.html"
    page_title = gettext_lazy("Check-in desks")
    header_icon = "tick-inverse"

    def dispatch(self, request, *args, **kwargs):
        self.activities = desk_activities_for(request.user)
        if not self.activities and not cohort_is_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("Check-in desks")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        setups = {
            setup.activity_id: setup
            for setup in ActivityAttendance.objects.filter(
                activity_id__in=[a.pk for a in self.activities]
            )
        }
        user = self.request.user
        # Door staff get the list (today's corrections); organisers also the export.
        context["rows"] = [
            (activity, setups.get(activity.pk), attendance_can_manage(user, activity))
            for activity in self.activities
        ]
        context["is_admin"] = cohort_is_admin(self.request.user)
        return context


class _SetupSaveMixin:
    def save_instance(self):
        setup = super().save_instance()
        # Every activity that takes attendance gets its own desk staff group: staff are added to
        # it. A changed rule applies at once to what was already recorded.
        attendance.activity_staff_group_ensure(setup=setup)
        attendance.attendance_rule_apply(activity=setup.activity)
        return setup


class SetupCreateView(_SetupSaveMixin, CreateView):
    pass


class SetupEditView(_SetupSaveMixin, EditView):
    def get_form(self, *args, **kwargs):
        form = super().get_form(*args, **kwargs)
        # A set-up belongs to its activity: moving it would hand this desk's staff group the
        # desk of another activity. A disabled field keeps its value whatever is posted.
        if "activity" in form.fields:
            form.fields["activity"].disabled = True
            form.fields["activity"].help_text = _(
                "A set-up stays with its activity; create a new one for another activity."
            )
        return form


class DeskColumn(Column):
    def get_value(self, instance):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("cohorts:check_in_desk", args=[instance.activity_id]),
            _("Open the desk"),
        )


class ActivityAttendanceViewSet(ModelViewSet):
    model = ActivityAttendance
    icon = "tick-inverse"
    menu_label = gettext_lazy("Attendance set-up")
    menu_order = 246
    add_to_admin_menu = True
    add_view_class = SetupCreateView
    edit_view_class = SetupEditView
    copy_view_enabled = False
    list_display = [
        "activity",
        "rule",
        "min_percent",
        "staff_group",
        DeskColumn("desk", label=gettext_lazy("Desk")),
    ]
    search_fields = ["activity__title"]
    panels = [
        FieldPanel("activity"),
        MultiFieldPanel(
            [FieldPanel("rule"), FieldPanel("min_percent")],
            heading=gettext_lazy("When a person has attended"),
        ),
        FieldPanel("staff_group"),
    ]
