"""Survey admin: the results pages and their menu item, a link from the cohort desk, the set-up
of survey targets for programme admins, and the audit-log actions. Imported from
cohorts/wagtail_hooks.py."""

from django.contrib.contenttypes.models import ContentType
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.viewsets.model import ModelViewSet

from cohorts.desk.views import DESK_LINKS_HOOK, DeskLink
from cohorts.surveys import desk as admin_surveys
from cohorts.surveys.models import SurveyTarget
from cohorts.surveys.selectors import surveys_visible_to
from programmes.models import SurveyPage


@hooks.register("register_log_actions")
def register_survey_actions(actions):
    actions.register_action("cohorts.survey.send", _("Send survey"), _("Sent survey invitations"))
    actions.register_action(
        "cohorts.survey.export", _("Export results"), _("Exported survey results")
    )


@hooks.register("register_admin_urls")
def register_survey_urls():
    return [
        path(
            "cohorts/surveys/", admin_surveys.SurveyIndexView.as_view(), name="cohorts_survey_index"
        ),
        path(
            "cohorts/surveys/<dbid:pk>/",
            admin_surveys.SurveyResultsView.as_view(),
            name="cohorts_survey_results",
        ),
        path(
            "cohorts/surveys/<dbid:pk>/export.csv",
            admin_surveys.SurveyExportView.as_view(fmt="csv"),
            name="cohorts_survey_export_csv",
        ),
        path(
            "cohorts/surveys/<dbid:pk>/export.xlsx",
            admin_surveys.SurveyExportView.as_view(fmt="xlsx"),
            name="cohorts_survey_export_xlsx",
        ),
        path(
            "cohorts/surveys/<dbid:pk>/print/",
            admin_surveys.SurveyPrintView.as_view(),
            name="cohorts_survey_print",
        ),
        path(
            "cohorts/surveys/<dbid:pk>/lessons/",
            admin_surveys.LessonsPublishView.as_view(),
            name="cohorts_survey_lessons",
        ),
        path(
            "cohorts/surveys/targets/<dbid:target_pk>/send/",
            admin_surveys.SurveySendView.as_view(),
            name="cohorts_survey_send",
        ),
    ]


class SurveyResultsMenuItem(MenuItem):
    def is_shown(self, request):
        return surveys_visible_to(request.user).exists()


@hooks.register("register_admin_menu_item")
def register_survey_menu_item():
    return SurveyResultsMenuItem(
        _("Survey results"), reverse("cohorts_survey_index"), icon_name="form", order=245
    )


@hooks.register(DESK_LINKS_HOOK)
def survey_desk_links(request, cohort):
    surveys = list(surveys_visible_to(request.user).filter(targets__cohort=cohort).distinct())
    return [
        DeskLink(
            label=gettext("Survey results: %(survey)s") % {"survey": survey.title},
            url=admin_surveys.results_url(survey, cohort=cohort.pk),
            summary=gettext("Response rate, charts, breakdown and exports."),
        )
        for survey in surveys
    ]


@hooks.register("filter_form_submissions_for_user")
def hide_surveys_from_forms(user, editable_forms):
    # Survey answers are not Wagtail form submissions: their results are under Survey results.
    return editable_forms.exclude(content_type=ContentType.objects.get_for_model(SurveyPage))


class SurveyTargetViewSet(ModelViewSet):
    model = SurveyTarget
    icon = "form"
    menu_label = _("Survey targets")
    add_to_admin_menu = False
    list_display = ["survey", "cohort", "activity", "module", "trigger", "active"]
    list_filter = ["trigger", "active"]
    search_fields = ["survey__title", "cohort__title"]
    copy_view_enabled = False
    panels = [
        FieldPanel("survey"),
        MultiFieldPanel(
            [FieldPanel("cohort"), FieldPanel("activity"), FieldPanel("module")],
            heading=_("Who is asked"),
            help_text=_(
                "A cohort, an activity or a module; with a cohort and an activity or "
                "module, only the cohort's members."
            ),
        ),
        MultiFieldPanel(
            [FieldPanel("trigger"), FieldPanel("days_after"), FieldPanel("active")],
            heading=_("When"),
        ),
        FieldRowPanel(
            [FieldPanel("reminder_interval_days"), FieldPanel("max_reminders")],
            heading=_("Reminders to those who have not answered"),
        ),
    ]


survey_target_viewset = SurveyTargetViewSet("survey_targets", url_prefix="cohorts/survey-targets")


@hooks.register("register_admin_viewset")
def register_survey_target_viewset():
    return survey_target_viewset


class SurveyTargetsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("cohorts.change_surveytarget")


@hooks.register("register_settings_menu_item")
def register_survey_targets_menu_item():
    return SurveyTargetsMenuItem(
        _("Survey targets"), reverse("survey_targets:index"), icon_name="form", order=600
    )
