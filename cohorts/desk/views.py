"""The cohort desk in the Wagtail admin: presidency staff review applications, see the places
against the rules, decide in bulk, run the waitlist, export and import — for their cohort only."""

from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy, pgettext_lazy
from django.views.generic import TemplateView, View
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from cohorts.desk import exports, imports
from cohorts.desk.forms import (
    DECISION_LABELS,
    BulkDecisionForm,
    DeskFilterForm,
    NomineeImportForm,
    ReasonTemplateForm,
    person_reasons,
    reason_templates_for,
)
from cohorts.errors import CohortsError
from cohorts.places import emails, services
from cohorts.places.models import Cohort, Enrolment, ReasonTemplate, RuleAttribute
from cohorts.places.selectors import (
    cohort_is_admin,
    cohorts_managed_by,
    desk_countries,
    desk_enrolments,
    desk_log_entries,
    desk_places,
    desk_places_total,
    waitlist_of,
)

PAGE_SIZE = 100
DECIDED = {
    "accept": pgettext_lazy("decision made", "Accepted"),
    "waitlist": pgettext_lazy("decision made", "Waitlisted"),
    "reject": pgettext_lazy("decision made", "Rejected"),
}
# The parts of a bulk decision's summary, e.g. “Accepted 3; 1 not accepted: Lauri Ärmä — the
# places for Finland are taken (2 of 2).”
SUMMARY_DONE = {
    "accept": ngettext_lazy("Accepted %(count)s", "Accepted %(count)s", "count"),
    "waitlist": ngettext_lazy("Waitlisted %(count)s", "Waitlisted %(count)s", "count"),
    "reject": ngettext_lazy("Rejected %(count)s", "Rejected %(count)s", "count"),
}
SUMMARY_ALREADY = {
    "accept": ngettext_lazy("%(count)s already accepted", "%(count)s already accepted", "count"),
    "waitlist": ngettext_lazy(
        "%(count)s already waitlisted", "%(count)s already waitlisted", "count"
    ),
    "reject": ngettext_lazy("%(count)s already rejected", "%(count)s already rejected", "count"),
}
# Translators: %(details)s lists the people and why, e.g. "Lauri Ärmä — the places are taken".
SUMMARY_FAILED = {
    "accept": ngettext_lazy(
        "%(count)s not accepted: %(details)s", "%(count)s not accepted: %(details)s", "count"
    ),
    "waitlist": ngettext_lazy(
        "%(count)s not waitlisted: %(details)s", "%(count)s not waitlisted: %(details)s", "count"
    ),
    "reject": ngettext_lazy(
        "%(count)s not rejected: %(details)s", "%(count)s not rejected: %(details)s", "count"
    ),
}


def desk_url(cohort: Cohort, filters: dict | None = None) -> str:
    return _with_query(reverse("cohorts_desk", args=[cohort.pk]), filters or {})


def _with_query(url: str, filters: dict) -> str:
    return f"{url}?{urlencode(filters)}" if filters else url


class DeskIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cohorts/admin/desk_index.html"
    page_title = gettext_lazy("Cohort desk")
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        self.cohorts = list(cohorts_managed_by(request.user))
        if not self.cohorts and not cohort_is_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("Cohort desk")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [(cohort, desk_places_total(cohort)) for cohort in self.cohorts]
        return context


class CohortDeskMixin(WagtailAdminTemplateMixin):
    """The cohort in the address, only among those the user manages: any other is a 404, so
    staff cannot even learn which other cohorts exist."""

    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        self.cohort = get_object_or_404(cohorts_managed_by(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.cohort.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("cohorts_desk_index"), "label": _("Cohort desk")},
            {"url": desk_url(self.cohort), "label": self.cohort.title},
        ]

    def filter_form(self, data) -> DeskFilterForm:
        return DeskFilterForm(data, countries=desk_countries(self.cohort))

    def filtered(self, data) -> tuple[DeskFilterForm, dict]:
        form = self.filter_form(data)
        return form, form.filters()


class DeskView(CohortDeskMixin, TemplateView):
    template_name = "cohorts/admin/desk.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cohort = self.cohort
        filter_form, filters = self.filtered(self.request.GET)
        enrolments = desk_enrolments(cohort, **filters)
        page = Paginator(enrolments, PAGE_SIZE).get_page(self.request.GET.get("p"))
        for enrolment in page.object_list:
            enrolment.answer_list = _answers(enrolment.answers)
        context.update(
            cohort=cohort,
            filter_form=filter_form,
            filters=filters,
            filter_query=urlencode(filters),
            page_obj=page,
            total=desk_places_total(cohort),
            places_by_country=desk_places(cohort, RuleAttribute.COUNTRY),
            places_by_sector=desk_places(cohort, RuleAttribute.SECTOR),
            rules=list(cohort.place_rules.all()),
            waitlist=list(enumerate(waitlist_of(cohort), 1)),
            log_entries=desk_log_entries(cohort),
            decision_form=BulkDecisionForm(cohort=cohort),
            export_csv_url=_with_query(
                reverse("cohorts_desk_export_csv", args=[cohort.pk]), filters
            ),
            export_xlsx_url=_with_query(
                reverse("cohorts_desk_export_xlsx", args=[cohort.pk]), filters
            ),
            desk_links=desk_links(self.request, cohort),
        )
        return context


# Other parts of the system (peer matching, certificates) add their pages to the desk with
#   @hooks.register(DESK_LINKS_HOOK)
#   def links(request, cohort): return [DeskLink(label=..., url=..., summary=...)]
DESK_LINKS_HOOK = "bsr_cohort_desk_links"


@dataclass(frozen=True)
class DeskLink:
    label: str
    url: str
    summary: str = ""


def desk_links(request, cohort: Cohort) -> list[DeskLink]:
    links: list[DeskLink] = []
    for hook in hooks.get_hooks(DESK_LINKS_HOOK):
        links += hook(request, cohort)
    return links


def _answers(answers) -> list[tuple[str, str]]:
    if not isinstance(answers, dict):
        return []
    result = []
    for key, item in answers.items():
        if isinstance(item, dict):
            result.append((str(item.get("question") or key), str(item.get("answer", ""))))
        else:
            result.append((str(key), str(item)))
    return result


class DecisionReviewMixin(CohortDeskMixin):
    """The review page of a bulk decision: each selected person with a reason of their own
    (from the shared reason or a saved one, editable), the e-mail it will send, and a warning
    where accepting would only waitlist them for one of the cohort's activities."""

    template_name = "cohorts/admin/decide_review.html"

    def get_page_title(self):
        return _("Review the decision: %(cohort)s") % {"cohort": self.cohort.title}

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": _("Review the decision")}]

    def valid_form(self, request):
        """The decision form, or None after putting its errors in messages."""
        form = BulkDecisionForm(request.POST, cohort=self.cohort)
        if form.is_valid():
            return form
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return None

    def review(self, request, form, filters, *, reasons: dict[int, str], status: int = 200):
        decision = form.cleaned_data["decision"]
        ids = form.enrolment_ids()
        shared = form.shared_reason()
        enrolments = {
            e.pk: e
            for e in Enrolment.objects.filter(cohort=self.cohort, pk__in=ids).select_related(
                "user", "user__profile", "cohort__programme", "activity", "organisation"
            )
        }
        warnings = (
            services.decision_activity_warnings(cohort=self.cohort, enrolment_ids=ids)
            if decision == "accept"
            else {}
        )
        rows = []
        for enrolment_id in ids:
            enrolment = enrolments.get(enrolment_id)
            if enrolment is None:
                continue
            reason = reasons.get(enrolment_id, shared)
            rows.append(
                {
                    "enrolment": enrolment,
                    "name": emails.person_name(enrolment.user),
                    "reason": reason,
                    "warnings": warnings.get(enrolment_id, []),
                    "preview": emails.decision_email_preview(
                        enrolment=enrolment, decision=decision, reason=reason
                    ),
                }
            )
        context = self.get_context_data(
            cohort=self.cohort,
            form=form,
            decision=decision,
            decision_label=DECIDED[decision],
            decision_verb=DECISION_LABELS[decision],
            rows=rows,
            filters=filters,
            has_warnings=any(row["warnings"] for row in rows),
            templates=list(reason_templates_for(self.cohort)),
            desk_url=desk_url(self.cohort, filters),
        )
        return TemplateResponse(request, self.template_name, context, status=status)


class ReviewView(DecisionReviewMixin, TemplateView):
    """Step two of a bulk decision, before anything changes: posting here changes nothing."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        _form, filters = self.filtered(request.POST)
        form = self.valid_form(request)
        if form is None:
            return redirect(desk_url(self.cohort, filters))
        ids = form.enrolment_ids()
        if request.POST.get("action") == "template":
            # “Use for everyone”: the saved reason replaces every reason on the page.
            reasons = {}
        else:
            reasons, errors = person_reasons(request.POST, ids)
            for error in errors:
                messages.error(request, error)
        return self.review(request, form, filters, reasons=reasons)


class DecideView(DecisionReviewMixin, View):
    """Bulk accept / waitlist / reject: each row is decided on its own, under the same place
    rules as everything else, with its own reason; what happened to each row is reported.
    An acceptance that would waitlist someone for one of the cohort's activities goes back to
    the review page until staff confirm it."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        _form, filters = self.filtered(request.POST)
        back = redirect(desk_url(self.cohort, filters))
        form = self.valid_form(request)
        if form is None:
            return back
        decision = form.cleaned_data["decision"]
        reasons, errors = person_reasons(request.POST, form.enrolment_ids())
        if errors:
            for error in errors:
                messages.error(request, error)
            return back
        if decision == "accept" and request.POST.get("acknowledge") != "yes":
            warnings = services.decision_activity_warnings(
                cohort=self.cohort, enrolment_ids=form.enrolment_ids()
            )
            if warnings:
                messages.warning(
                    request,
                    _(
                        "Nothing was decided yet: accepting would put some people on the "
                        "waitlist of one of the cohort's activities. Check the warnings below, "
                        "then confirm."
                    ),
                )
                return self.review(request, form, filters, reasons=reasons)
        try:
            results = services.enrolment_decide(
                enrolment_ids=form.enrolment_ids(),
                decision=decision,
                reason=form.shared_reason(),
                reasons=reasons,
                actor=request.user,
            )
        except CohortsError as exc:
            messages.error(request, exc.message)
            return back
        text, failed = decision_summary(decision, results)
        (messages.warning if failed else messages.success)(request, text)
        return back


def decision_summary(decision: str, results) -> tuple[str, bool]:
    """“Accepted 5; 2 not accepted: Jānis Bērziņš, Søren Ærø — the places for Finland are
    taken (2 of 2).”"""
    done = [r for r in results if r.ok and not r.message.startswith("already")]
    already = [r for r in results if r.ok and r.message.startswith("already")]
    failed = [r for r in results if not r.ok]
    parts = (
        [SUMMARY_DONE[decision] % {"count": len(done)}] if done or not (already or failed) else []
    )
    if already:
        parts.append(SUMMARY_ALREADY[decision] % {"count": len(already)})
    if failed:
        # The service's “Not accepted: <why>.” around the reason, in the reader's language.
        before, _why, after = (_("Not accepted: %(why)s.") % {"why": "\0"}).partition("\0")
        by_reason: dict[str, list[str]] = defaultdict(list)
        for result in failed:
            reason = str(result.message).removeprefix(before).removesuffix(after).rstrip(".")
            by_reason[reason].append(result.enrolment.user.get_full_name() or _("someone"))
        details = "; ".join(f"{', '.join(names)} — {reason}" for reason, names in by_reason.items())
        parts.append(SUMMARY_FAILED[decision] % {"count": len(failed), "details": details})
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:], bool(failed)


class PromoteView(CohortDeskMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            offered = services.waitlist_promote(target=self.cohort)
        except CohortsError as exc:
            messages.error(request, exc.message)
            return redirect(desk_url(self.cohort) + "#waitlist")
        if offered:
            names = ", ".join(e.user.get_full_name() or e.user.email for e in offered)
            messages.success(
                request,
                ngettext(
                    "Offered a place to %(count)s person: %(names)s.",
                    "Offered a place to %(count)s people: %(names)s.",
                    len(offered),
                )
                % {"count": len(offered), "names": names},
            )
        else:
            messages.info(
                request,
                _(
                    "No place could be offered: there is no free place, or no one waiting may "
                    "take one (see the reasons in the waitlist)."
                ),
            )
        return redirect(desk_url(self.cohort) + "#waitlist")


class ExportView(CohortDeskMixin, View):
    """The enrolments as shown on the desk (with its filters), as CSV or XLSX."""

    http_method_names = ["get"]
    fmt = "csv"

    def get(self, request, *args, **kwargs):
        _form, filters = self.filtered(request.GET)
        header, rows = exports.enrolment_table(self.cohort, desk_enrolments(self.cohort, **filters))
        if self.fmt == "xlsx":
            body, content_type = exports.as_xlsx(header, rows), exports.XLSX_CONTENT_TYPE
        elif self.fmt == "csv":
            body, content_type = exports.as_csv(header, rows), exports.CSV_CONTENT_TYPE
        else:
            raise Http404
        log(
            instance=self.cohort,
            action="cohorts.cohort.export",
            user=request.user,
            data={"format": self.fmt, "rows": len(rows), "filters": filters},
        )
        response = HttpResponse(body, content_type=content_type)
        name = exports.export_filename(self.cohort, self.fmt)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


class ImportView(CohortDeskMixin, TemplateView):
    """Upload a CSV of nominees, see a row-by-row report; nothing is imported unless every
    row is valid, or staff choose to import the valid rows only."""

    template_name = "cohorts/admin/import.html"

    def get_page_title(self):
        return _("Import nominees: %(cohort)s") % {"cohort": self.cohort.title}

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": _("Import nominees")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", NomineeImportForm())
        context.update(
            cohort=self.cohort,
            columns=imports.COLUMNS,
            required=imports.REQUIRED,
            desk_url=desk_url(self.cohort),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = NomineeImportForm(request.POST, request.FILES)
        context = {"form": form}
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(**context))
        uploaded = form.cleaned_data["file"]
        mode = form.cleaned_data["mode"]
        try:
            parsed = imports.parse(imports.read_upload(uploaded))
        except CohortsError as exc:
            messages.error(request, exc.message)
            context["file_error"] = exc.message
            return self.render_to_response(self.get_context_data(**context))
        imports.check(self.cohort, parsed)
        context.update(parsed=parsed, mode=mode, imported={})
        invalid = len(parsed.invalid_rows)
        if mode == "check":
            context["outcome"] = ngettext(
                "%(count)s rows checked: %(invalid)s with problems. Nothing was imported.",
                "%(count)s rows checked: %(invalid)s with problems. Nothing was imported.",
                len(parsed.rows),
            ) % {"count": len(parsed.rows), "invalid": invalid}
        elif mode == "all" and invalid:
            context["outcome"] = ngettext(
                "Nothing was imported: %(invalid)s of %(count)s rows have problems. Correct them "
                "and upload the file again, or choose to import the valid rows only.",
                "Nothing was imported: %(invalid)s of %(count)s rows have problems. Correct them "
                "and upload the file again, or choose to import the valid rows only.",
                len(parsed.rows),
            ) % {"count": len(parsed.rows), "invalid": invalid}
            messages.error(request, context["outcome"])
        else:
            context.update(self._import(parsed, all_or_nothing=(mode == "all"), name=uploaded.name))
        return self.render_to_response(self.get_context_data(**context))

    def _import(self, parsed, *, all_or_nothing: bool, name: str) -> dict:
        rows = [(row.number, row.nominee()) for row in parsed.valid_rows]
        try:
            outcome = services.enrolments_import(
                cohort=self.cohort,
                rows=rows,
                actor=self.request.user,
                all_or_nothing=all_or_nothing,
                file_name=name or "",
            )
        except CohortsError as exc:
            text = _("Nothing was imported: %(error)s") % {"error": exc.message}
            messages.error(self.request, text)
            return {"outcome": text}
        by_number = {row.number: row for row in parsed.rows}
        for number, reason in outcome.failed.items():
            by_number[number].errors.append(reason)
        imported = len(outcome.imported)
        skipped = len(parsed.rows) - imported
        if outcome.failed and all_or_nothing:
            text = ngettext(
                "Nothing was imported: %(count)s rows could not be imported now "
                "(the places changed since the check).",
                "Nothing was imported: %(count)s rows could not be imported now "
                "(the places changed since the check).",
                len(outcome.failed),
            ) % {"count": len(outcome.failed)}
            messages.error(self.request, text)
        else:
            text = ngettext(
                "Imported %(count)s nominee", "Imported %(count)s nominees", imported
            ) % {"count": imported}
            if skipped:
                text = ngettext(
                    "%(imported)s; %(count)s rows skipped.",
                    "%(imported)s; %(count)s rows skipped.",
                    skipped,
                ) % {"imported": text, "count": skipped}
            else:
                text += "."
            if imported:
                text += " " + ngettext(
                    "Each will get an invitation by e-mail.",
                    "Each will get an invitation by e-mail.",
                    imported,
                )
            (messages.success if imported else messages.warning)(self.request, text)
        return {"outcome": text, "imported": outcome.imported}


class ReasonTemplatesView(CohortDeskMixin, TemplateView):
    """The cohort's saved reasons: staff add, change and delete their own; the ones for every
    cohort (set up by programme admins) are listed to use."""

    template_name = "cohorts/admin/reason_templates.html"

    def get_page_title(self):
        return _("Saved reasons: %(cohort)s") % {"cohort": self.cohort.title}

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": _("Saved reasons")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        templates = list(reason_templates_for(self.cohort))
        context.setdefault("form", ReasonTemplateForm())
        context.update(
            cohort=self.cohort,
            own=[t for t in templates if t.cohort_id == self.cohort.pk],
            shared=[t for t in templates if t.cohort_id is None],
            desk_url=desk_url(self.cohort),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = ReasonTemplateForm(request.POST)
        if form.is_valid():
            try:
                services.reason_template_save(
                    cohort=self.cohort,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                    decision=form.cleaned_data["decision"],
                )
            except CohortsError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Saved the reason “%(title)s”.") % {"title": form.cleaned_data["title"]},
                )
                return redirect("cohorts_desk_reasons", self.cohort.pk)
        return self.render_to_response(self.get_context_data(form=form))


class ReasonTemplateEditView(CohortDeskMixin, TemplateView):
    """Change or delete one of the cohort's own saved reasons."""

    template_name = "cohorts/admin/reason_template_edit.html"

    def saved_reason(self) -> ReasonTemplate:
        return get_object_or_404(
            ReasonTemplate.objects.filter(cohort=self.cohort), pk=self.kwargs["template_id"]
        )

    def get_page_title(self):
        return _("Change a saved reason: %(cohort)s") % {"cohort": self.cohort.title}

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {
                "url": reverse("cohorts_desk_reasons", args=[self.cohort.pk]),
                "label": _("Saved reasons"),
            },
            {"url": "", "label": pgettext_lazy("action", "Change")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        template = kwargs.get("template") or self.saved_reason()
        context.setdefault("form", ReasonTemplateForm(instance=template))
        context.update(cohort=self.cohort, template=template)
        return context

    def post(self, request, *args, **kwargs):
        template = self.saved_reason()
        if request.POST.get("action") == "delete":
            services.reason_template_delete(template=template, actor=request.user)
            messages.success(
                request, _("Deleted the saved reason “%(title)s”.") % {"title": template.title}
            )
            return redirect("cohorts_desk_reasons", self.cohort.pk)
        form = ReasonTemplateForm(request.POST, instance=ReasonTemplate.objects.get(pk=template.pk))
        if form.is_valid():
            try:
                services.reason_template_save(
                    cohort=self.cohort,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                    decision=form.cleaned_data["decision"],
                    template=template,
                )
            except CohortsError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Saved the reason “%(title)s”.") % {"title": form.cleaned_data["title"]},
                )
                return redirect("cohorts_desk_reasons", self.cohort.pk)
        return self.render_to_response(self.get_context_data(form=form, template=template))
