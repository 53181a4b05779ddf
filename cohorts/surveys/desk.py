"""Survey results in the Wagtail admin: programme admins see every survey, presidency staff the
answers that came through their own cohorts. Response rate, per-question counts, means and
SVG charts, a breakdown by country or sector with small cells hidden, CSV and XLSX exports, a
printable summary, sending by hand and publishing a lessons-learned page."""

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from cohorts.errors import CohortsError
from cohorts.places.selectors import cohort_is_admin
from cohorts.surveys import exports as surveys_exports
from cohorts.surveys import services as surveys
from cohorts.surveys.models import SurveyTarget
from cohorts.surveys.selectors import (
    survey_response_rate,
    survey_scope,
    survey_targets_for,
    surveys_visible_to,
    target_can_send,
)
from programmes.errors import ProgrammesError
from programmes.surveys.answering import lessons_learned_publish
from programmes.surveys.results import (
    BREAKDOWNS,
    MIN_CELL,
    breakdown_available,
    survey_breakdown,
    survey_results,
    with_charts,
)


def results_url(survey, **query) -> str:
    url = reverse("cohorts_survey_results", args=[survey.pk])
    query = {key: value for key, value in query.items() if value}
    return f"{url}?{urlencode(query)}" if query else url


class SurveyIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cohorts/surveys/index.html"
    page_title = _("Survey results")
    header_icon = "form"

    def dispatch(self, request, *args, **kwargs):
        self.surveys = list(surveys_visible_to(request.user))
        if not self.surveys and not cohort_is_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": gettext("Survey results")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = []
        for survey in self.surveys:
            scope = survey_scope(self.request.user, survey)
            if scope is None:
                continue
            ids = None if scope.everything_allowed else [cohort.pk for cohort in scope.cohorts]
            rows.append(
                {
                    "survey": survey,
                    "programme": survey.get_parent(),
                    "rate": survey_response_rate(survey, cohort_ids=ids),
                    "cohorts": scope.cohorts,
                }
            )
        context["rows"] = rows
        return context


class SurveyMixin(WagtailAdminTemplateMixin):
    """The survey in the address, only among those the user may read: any other is a 404."""

    header_icon = "form"

    def dispatch(self, request, *args, **kwargs):
        self.survey = get_object_or_404(surveys_visible_to(request.user), pk=kwargs["pk"])
        self.scope = survey_scope(request.user, self.survey, request.GET.get("cohort", ""))
        if self.scope is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.survey.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("cohorts_survey_index"), "label": gettext("Survey results")},
            {"url": results_url(self.survey), "label": self.survey.title},
        ]

    def results(self) -> dict:
        return with_charts(survey_results(self.survey, cohort_ids=self.scope.cohort_ids))

    def cohort_query(self) -> dict:
        return {"cohort": self.scope.chosen.pk} if self.scope.chosen else {}


class SurveyResultsView(SurveyMixin, TemplateView):
    template_name = "cohorts/surveys/results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by = self.request.GET.get("by", "")
        by = by if by in BREAKDOWNS else ""
        query = self.cohort_query()
        context.update(
            survey=self.survey,
            scope=self.scope,
            results=self.results(),
            rate=survey_response_rate(self.survey, cohort_ids=self.scope.cohort_ids),
            breakdown=survey_breakdown(self.survey, by=by, cohort_ids=self.scope.cohort_ids)
            if by
            else None,
            by=by,
            breakdowns=[
                (key, label)
                for key, label in BREAKDOWNS.items()
                if breakdown_available(self.survey, key)
            ],
            targets=survey_targets_for(self.request.user, self.survey),
            min_cell=MIN_CELL,
            export_csv_url=_with(
                reverse("cohorts_survey_export_csv", args=[self.survey.pk]), query
            ),
            export_xlsx_url=_with(
                reverse("cohorts_survey_export_xlsx", args=[self.survey.pk]), query
            ),
            print_url=_with(reverse("cohorts_survey_print", args=[self.survey.pk]), query),
            lessons_url=_with(reverse("cohorts_survey_lessons", args=[self.survey.pk]), query),
            programme=self.survey.get_parent(),
        )
        return context


def _with(url: str, query: dict) -> str:
    return f"{url}?{urlencode(query)}" if query else url


class SurveyExportView(SurveyMixin, View):
    http_method_names = ["get"]
    fmt = "csv"

    def get(self, request, *args, **kwargs):
        tables = surveys_exports.survey_tables(self.survey, cohort_ids=self.scope.cohort_ids)
        if self.fmt == "xlsx":
            body = surveys_exports.as_xlsx(tables)
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            body, content_type = surveys_exports.as_csv(tables), "text/csv; charset=utf-8"
        log(
            instance=self.survey,
            action="cohorts.survey.export",
            user=request.user,
            data={"format": self.fmt, "scope": self.scope.label},
        )
        response = HttpResponse(body, content_type=content_type)
        name = surveys_exports.export_filename(self.survey, self.fmt)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


class SurveyPrintView(SurveyMixin, View):
    """A plain page of the results for printing or saving as PDF: no admin chrome, tables open."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        context = {
            "survey": self.survey,
            "scope": self.scope,
            "results": self.results(),
            "rate": survey_response_rate(self.survey, cohort_ids=self.scope.cohort_ids),
            "programme": self.survey.get_parent(),
            "breakdowns": [
                survey_breakdown(self.survey, by=key, cohort_ids=self.scope.cohort_ids)
                for key in BREAKDOWNS
                if breakdown_available(self.survey, key)
            ],
            "min_cell": MIN_CELL,
        }
        response = render(request, "cohorts/surveys/print.html", context)
        response["Cache-Control"] = "no-store"
        return response


class SurveySendView(View):
    """Staff send a target's survey by hand to everyone it covers who has no invitation yet."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        target = get_object_or_404(
            SurveyTarget.objects.select_related("survey", "cohort"), pk=kwargs["target_pk"]
        )
        visible = surveys_visible_to(request.user).filter(pk=target.survey_id).exists()
        if not visible or not target_can_send(request.user, target):
            raise Http404
        back = results_url(target.survey, cohort=target.cohort_id or "")
        try:
            made = surveys.survey_target_send(target=target, actor=request.user)
        except CohortsError as exc:
            messages.error(request, exc.message)
            return redirect(back)
        if made:
            messages.success(
                request,
                ngettext(
                    "Sent %(count)s invitation. Nobody gets it twice.",
                    "Sent %(count)s invitations. Nobody gets it twice.",
                    made,
                )
                % {"count": made},
            )
        else:
            messages.info(request, gettext("Everyone this target covers has been invited already."))
        return redirect(back)


class LessonsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255, initial=_("Lessons learned"))
    summary = forms.CharField(
        label=_("Summary"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences for listings."),
    )
    findings = forms.CharField(
        label=_("Findings"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What was learned and what should change. Editors can format it later."),
    )


class LessonsPublishView(SurveyMixin, TemplateView):
    """Publish a short lessons-learned page under the programme: the staff's words and the
    aggregates (no free text, nothing about fewer than 5 people)."""

    template_name = "cohorts/surveys/lessons.html"

    def get_page_title(self):
        return gettext("Publish lessons learned: %(survey)s") % {"survey": self.survey.title}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form",
            LessonsForm(
                initial={
                    "title": gettext("Lessons learned: %(survey)s") % {"survey": self.survey.title}
                }
            ),
        )
        results = self.results()
        context.update(
            survey=self.survey,
            scope=self.scope,
            results=results,
            min_cell=MIN_CELL,
            back_url=results_url(self.survey, **self.cohort_query()),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = LessonsForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        findings = "".join(
            f"<p>{paragraph}</p>"
            for paragraph in _escaped_paragraphs(form.cleaned_data["findings"])
        )
        try:
            page = lessons_learned_publish(
                survey=self.survey,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                findings=findings,
                scope=self.scope.label,
                results=survey_results(self.survey, cohort_ids=self.scope.cohort_ids),
                actor=request.user,
            )
        except ProgrammesError as exc:
            messages.error(request, exc.message)
            return self.render_to_response(self.get_context_data(form=form))
        if not page.live:
            messages.success(
                request,
                gettext(
                    "“%(title)s” was sent to the programme admins for approval: it goes live "
                    "when one of them approves it."
                )
                % {"title": page.title},
            )
            return redirect(results_url(self.survey, **self.cohort_query()))
        messages.success(
            request,
            gettext("Published “%(title)s”.") % {"title": page.title},
            buttons=[
                messages.button(page.url or "/", gettext("View the page")),
            ],
        )
        return redirect(results_url(self.survey, **self.cohort_query()))


def _escaped_paragraphs(text: str) -> list[str]:
    return [
        escape(part.strip()).replace("\n", "<br>") for part in text.split("\n\n") if part.strip()
    ]
