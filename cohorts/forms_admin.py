"""Forms of the cohort desk: filters, bulk decisions and the nominee import."""

from django import forms

from cohorts import imports
from cohorts.models import Cohort, Enrolment, EnrolmentState
from cohorts.services import DECISIONS
from lms.models import Sector

DECISION_LABELS = {"accept": "Accept", "waitlist": "Waitlist", "reject": "Reject"}


class DeskFilterForm(forms.Form):
    q = forms.CharField(label="Name or e-mail", required=False, max_length=200)
    country = forms.ChoiceField(label="Country", required=False)
    sector = forms.ChoiceField(
        label="Sector", required=False, choices=[("", "All sectors"), *Sector.choices]
    )
    state = forms.ChoiceField(
        label="Status", required=False, choices=[("", "All statuses"), *EnrolmentState.choices]
    )

    def __init__(self, data=None, *, countries: list[tuple[str, str]]):
        super().__init__(data, auto_id="filter-%s")
        self.fields["country"].choices = [("", "All countries"), *countries]

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
            "required": "Select at least one person first.",
            "invalid_choice": "Someone you selected is no longer in this cohort; nothing was "
            "changed. Please reload the page and try again.",
        }
    )
    decision = forms.ChoiceField(
        choices=[(decision, DECISION_LABELS[decision]) for decision in DECISIONS],
        error_messages={"required": "Choose accept, waitlist or reject."},
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason (e-mailed to each person)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, data=None, *, cohort: Cohort):
        super().__init__(data)
        ids = Enrolment.objects.filter(cohort=cohort).values_list("pk", flat=True)
        self.fields["enrolment"].choices = [(str(pk), str(pk)) for pk in ids]

    def enrolment_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["enrolment"]]


IMPORT_MODES = [
    ("check", "Check the file only; import nothing"),
    ("all", "Import, but only if every row is valid"),
    ("valid", "Import the valid rows and skip the others"),
]


class NomineeImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, at most 10 MB. Columns: " + ", ".join(imports.COLUMNS) + ".",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    mode = forms.ChoiceField(
        label="What to do",
        choices=IMPORT_MODES,
        initial="all",
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > imports.MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {uploaded.size / 1024 / 1024:.1f} MB; the limit is 10 MB. "
                "Split it into smaller files and import them one after another."
            )
        return uploaded
