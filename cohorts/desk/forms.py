"""Forms of the cohort desk: filters, bulk decisions and the nominee import."""

from django import forms
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from cohorts.desk import imports
from cohorts.places.models import Cohort, Enrolment, EnrolmentState, ReasonTemplate
from cohorts.places.services import DECISIONS, cohort_activity_rule_problems, cohort_country_cap
from lms.models import Sector

DECISION_LABELS = {
    "accept": pgettext_lazy("decision", "Accept"),
    "waitlist": pgettext_lazy("decision", "Waitlist"),
    "reject": pgettext_lazy("decision", "Reject"),
}
REASON_MAX = 2000


class CohortAdminForm(WagtailAdminModelForm):
    """The cohort set-up: refuses activities whose rules contradict the cohort's, so that an
    accepted member always gets a place in each of the cohort's activities."""

    def _rules(self) -> list[dict]:
        formset = self.formsets.get("place_rules") if hasattr(self, "formsets") else None
        if formset is None:
            return [
                {"kind": r.kind, "attribute": r.attribute, "value": r.value, "limit": r.limit}
                for r in self.instance.place_rules.all()
            ]
        formset.is_valid()
        rules = []
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            rules.append(data)
        return rules

    def clean(self):
        cleaned = super().clean()
        activities = cleaned.get("activities")
        capacity = cleaned.get("capacity")
        if activities and capacity:
            problems = cohort_activity_rule_problems(
                capacity=capacity,
                country_cap=cohort_country_cap(self._rules()),
                activities=list(activities),
            )
            for _activity, message in problems:
                self.add_error("activities", message)
        return cleaned


class DeskFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name or e-mail"), required=False, max_length=200)
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    sector = forms.ChoiceField(
        label=gettext_lazy("Sector"),
        required=False,
        choices=[("", gettext_lazy("All sectors")), *Sector.choices],
    )
    state = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All statuses")), *EnrolmentState.choices],
    )

    def __init__(self, data=None, *, countries: list[tuple[str, str]]):
        super().__init__(data, auto_id="filter-%s")
        self.fields["country"].choices = [("", _("All countries")), *countries]

    def filters(self) -> dict[str, str]:
        """The filters that are valid; an invalid one (a hand-edited address, say) is left out
        instead of failing the page."""
        self.is_valid()
        return {
            name: self.cleaned_data[name].strip()
            for name in self.fields
            if name in self.cleaned_data and self.cleaned_data[name].strip()
        }


class BulkDecisionForm(forms.Form):
    enrolment = forms.MultipleChoiceField(
        error_messages={
            "required": gettext_lazy("Select at least one person first."),
            "invalid_choice": gettext_lazy(
                "Someone you selected is no longer in this cohort; nothing was "
                "changed. Please reload the page and try again."
            ),
        }
    )
    decision = forms.ChoiceField(
        choices=[(decision, DECISION_LABELS[decision]) for decision in DECISIONS],
        error_messages={"required": gettext_lazy("Choose accept, waitlist or reject.")},
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for everyone (optional; e-mailed to each person)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "You can change it for each person on the next page, before anything is sent."
        ),
    )
    template = forms.ModelChoiceField(
        label=gettext_lazy("Or start from a saved reason"),
        queryset=ReasonTemplate.objects.none(),
        required=False,
        empty_label=gettext_lazy("No saved reason"),
        error_messages={
            "invalid_choice": gettext_lazy(
                "That saved reason no longer exists; nothing was changed."
            )
        },
    )

    def __init__(self, data=None, *, cohort: Cohort):
        super().__init__(data)
        ids = Enrolment.objects.filter(cohort=cohort).values_list("pk", flat=True)
        self.fields["enrolment"].choices = [(str(pk), str(pk)) for pk in ids]
        self.fields["template"].queryset = reason_templates_for(cohort)

    def enrolment_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["enrolment"]]

    def shared_reason(self) -> str:
        """The reason typed for everyone, else the saved reason's text."""
        template = self.cleaned_data.get("template")
        typed = self.cleaned_data.get("reason", "").strip()
        return typed or (template.text if template is not None else "")


def reason_templates_for(cohort: Cohort):
    """The saved reasons a cohort's desk offers: its own and those for every cohort."""
    return ReasonTemplate.objects.filter(Q(cohort=cohort) | Q(cohort__isnull=True)).order_by(
        "title", "pk"
    )


def person_reasons(data, enrolment_ids: list[int]) -> tuple[dict[int, str], list[str]]:
    """The reason written for each person on the review page (`reason-<id>`), and the errors
    of any that are too long."""
    reasons, errors = {}, []
    for enrolment_id in enrolment_ids:
        key = f"reason-{enrolment_id}"
        if key not in data:
            continue
        text = str(data.get(key, "")).strip()
        if len(text) > REASON_MAX:
            errors.append(
                ngettext(
                    "A reason is %(count)s character long; the most is %(max)s. "
                    "Nothing was changed.",
                    "A reason is %(count)s characters long; the most is %(max)s. "
                    "Nothing was changed.",
                    len(text),
                )
                % {"count": len(text), "max": REASON_MAX}
            )
            continue
        reasons[enrolment_id] = text
    return reasons, errors


class ReasonTemplateForm(forms.ModelForm):
    class Meta:
        model = ReasonTemplate
        fields = ["title", "decision", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}


IMPORT_MODES = [
    ("check", gettext_lazy("Check the file only; import nothing")),
    ("all", gettext_lazy("Import, but only if every row is valid")),
    ("valid", gettext_lazy("Import the valid rows and skip the others")),
]


class NomineeImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("What to do"),
        choices=IMPORT_MODES,
        initial="all",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("UTF-8, at most 10 MB. Columns: %(columns)s.") % {
            "columns": ", ".join(imports.COLUMNS)
        }

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > imports.MAX_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s MB; the limit is 10 MB. "
                    "Split it into smaller files and import them one after another."
                )
                % {"size": number_format(uploaded.size / 1024 / 1024, 1)}
            )
        return uploaded
