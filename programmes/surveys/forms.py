"""The survey form builder: Wagtail's FormBuilder with Likert, 0–10 rating, ranking and matrix
fields and section headings, the checks on how an editor defined each question, and the page
form that keeps an answered question from being deleted."""

from django import forms
from django.utils.translation import gettext, gettext_lazy, ngettext
from wagtail.contrib.forms.forms import (
    FormBuilder,
    WagtailAdminFormPageForm,
    _split_by_newline_or_comma,
)

SINGLE_LINE_MAX = 255
FREE_TEXT_MAX = 5000
RANKING_MAX_ITEMS = 10
MATRIX_MAX_ROWS = 20

LIKERT_LABELS = {
    5: [
        gettext_lazy("Strongly disagree"),
        gettext_lazy("Disagree"),
        gettext_lazy("Neither agree nor disagree"),
        gettext_lazy("Agree"),
        gettext_lazy("Strongly agree"),
    ],
    7: [
        gettext_lazy("Strongly disagree"),
        gettext_lazy("Disagree"),
        gettext_lazy("Somewhat disagree"),
        gettext_lazy("Neither agree nor disagree"),
        gettext_lazy("Somewhat agree"),
        gettext_lazy("Agree"),
        gettext_lazy("Strongly agree"),
    ],
}
# Translators: the two ends of a 0–10 rating scale.
RATING_LABELS = [gettext_lazy("Not at all"), gettext_lazy("Completely")]
CHOICE_TYPES = {"radio", "checkboxes", "dropdown", "ranking"}


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def choices_of(field) -> list[str]:
    """The options of a choice or ranking question, as Wagtail's form builder splits them."""
    if not (field.choices or "").strip():
        return []
    return [choice for choice in _split_by_newline_or_comma(field.choices) if choice]


def scale_labels_of(field) -> list[str]:
    """One label per point of a Likert or matrix scale, 1 first (the usual ones in the language
    being read, as plain text: results keep them)."""
    labels = lines_of(field.scale_labels)
    points = field.scale_points or 5
    if len(labels) == points:
        return labels
    usual = LIKERT_LABELS.get(points)
    return [str(label) for label in usual] if usual else [str(n) for n in range(1, points + 1)]


def rating_labels_of(field) -> tuple[str, str]:
    labels = lines_of(field.scale_labels)
    if len(labels) == 2:
        return labels[0], labels[1]
    low, high = RATING_LABELS
    return str(low), str(high)


def field_definition_errors(field) -> dict[str, str]:
    """What is wrong with how an editor set a question up, by model field."""
    errors = {}
    kind = field.field_type
    if kind in CHOICE_TYPES and len(choices_of(field)) < 2:
        errors["choices"] = gettext("Give at least two choices, one per line.")
    if kind == "ranking" and len(choices_of(field)) > RANKING_MAX_ITEMS:
        errors["choices"] = ngettext(
            "Rank at most %(count)s item.", "Rank at most %(count)s items.", RANKING_MAX_ITEMS
        ) % {"count": RANKING_MAX_ITEMS}
    if kind == "matrix":
        rows = lines_of(field.rows)
        if not rows:
            errors["rows"] = gettext("Give the statements to rate, one per line.")
        elif len(rows) > MATRIX_MAX_ROWS:
            errors["rows"] = ngettext(
                "A matrix has at most %(count)s row.",
                "A matrix has at most %(count)s rows.",
                MATRIX_MAX_ROWS,
            ) % {"count": MATRIX_MAX_ROWS}
    labels = lines_of(field.scale_labels)
    if kind in ("likert", "matrix") and labels and len(labels) != (field.scale_points or 5):
        errors["scale_labels"] = ngettext(
            "Give %(count)s label, one per line, or none for the usual ones.",
            "Give %(count)s labels, one per line, or none for the usual ones.",
            field.scale_points or 0,
        ) % {"count": field.scale_points}
    if kind == "rating" and labels and len(labels) != 2:
        errors["scale_labels"] = gettext("Give two labels, for 0 and for 10, or none.")
    if any(len(item) > 255 for item in choices_of(field) + lines_of(field.rows)):
        errors["choices" if kind != "matrix" else "rows"] = gettext(
            "Each line has at most 255 characters."
        )
    return errors


# --- form fields -------------------------------------------------------------------------------


class _ListWidget(forms.MultiWidget):
    """One sub-input per item, posted as name_0, name_1 …; rendered by the survey templates."""

    def __init__(self, size: int, attrs=None):
        super().__init__([forms.TextInput() for _ in range(size)], attrs)

    def decompress(self, value):
        return list(value) if isinstance(value, list | tuple) else [None] * len(self.widgets)


class _ItemsField(forms.Field):
    """A value for each of several items (matrix rows, ranked items), cleaned to a dict."""

    default_error_messages = {
        "invalid": gettext_lazy("Choose one of the offered answers."),
        "incomplete": gettext_lazy("Answer every row."),
    }

    def __init__(self, *, items: list[str], top: int, **kwargs):
        self.items = items
        self.top = top
        kwargs.setdefault("widget", _ListWidget(len(items)))
        super().__init__(**kwargs)

    def to_python(self, value) -> dict[str, int]:
        if not isinstance(value, list | tuple):
            value = []
        result = {}
        for item, raw in zip(self.items, value, strict=False):
            if raw in (None, ""):
                continue
            try:
                number = int(str(raw).strip())
            except ValueError as exc:
                raise forms.ValidationError(self.error_messages["invalid"], "invalid") from exc
            if not 1 <= number <= self.top:
                raise forms.ValidationError(self.error_messages["invalid"], "invalid")
            result[item] = number
        return result

    def validate(self, value) -> None:
        if self.required and len(value) < len(self.items):
            if not value:
                raise forms.ValidationError(self.error_messages["required"], "required")
            raise forms.ValidationError(self.error_messages["incomplete"], "incomplete")


class MatrixField(_ItemsField):
    """Several statements, each rated on the same Likert scale."""

    def __init__(self, *, rows: list[str], labels: list[str], **kwargs):
        self.labels = labels
        super().__init__(items=rows, top=len(labels), **kwargs)


class RankingField(_ItemsField):
    """Items put in order: each gets a different rank, 1 for the most important."""

    default_error_messages = {
        "incomplete": gettext_lazy("Give every item a rank."),
        "duplicate": gettext_lazy("Give each item a different rank."),
    }

    def __init__(self, *, items: list[str], **kwargs):
        super().__init__(items=items, top=len(items), **kwargs)

    def validate(self, value) -> None:
        super().validate(value)
        if len(set(value.values())) != len(value):
            raise forms.ValidationError(self.error_messages["duplicate"], "duplicate")


class ScaleField(forms.TypedChoiceField):
    """A Likert scale (1 … 5 or 7) or a 0–10 rating: one radio button per point."""

    def __init__(self, *, points: list[tuple[int, str]], **kwargs):
        kwargs.setdefault("widget", forms.RadioSelect)
        super().__init__(
            choices=[(str(value), label) for value, label in points],
            coerce=int,
            empty_value=None,
            **kwargs,
        )


class SurveyFormBuilder(FormBuilder):
    """Wagtail's FormBuilder plus the survey field types; section headings make no field."""

    @property
    def formfields(self):
        return {
            (field.clean_name or field.get_field_clean_name()): self.get_create_field_function(
                field.field_type
            )(field, self.get_field_options(field))
            for field in self.fields
            if field.field_type != "section"
        }

    def get_field_options(self, field):
        options = super().get_field_options(field)
        options["initial"] = None  # defaults would be read as answers nobody gave
        return options

    def create_singleline_field(self, field, options):
        options["max_length"] = SINGLE_LINE_MAX
        return forms.CharField(**options)

    def create_multiline_field(self, field, options):
        options["max_length"] = FREE_TEXT_MAX
        options["widget"] = forms.Textarea(attrs={"rows": 5})
        return forms.CharField(**options)

    def create_number_field(self, field, options):
        options.update(max_digits=12, decimal_places=3)
        return forms.DecimalField(**options)

    def create_likert_field(self, field, options):
        labels = scale_labels_of(field)
        return ScaleField(points=list(enumerate(labels, start=1)), **options)

    def create_rating_field(self, field, options):
        return ScaleField(points=[(n, str(n)) for n in range(11)], **options)

    def create_matrix_field(self, field, options):
        return MatrixField(rows=lines_of(field.rows), labels=scale_labels_of(field), **options)

    def create_ranking_field(self, field, options):
        return RankingField(items=choices_of(field), **options)


class SurveyPageForm(WagtailAdminFormPageForm):
    """An answered question cannot be deleted (its answers would go with it); it can be made
    optional or edited instead."""

    def clean(self):
        cleaned_data = super().clean()
        formset = self.formsets.get("form_fields")
        if formset is None or not self.instance.pk:
            return cleaned_data
        answered = set(self.instance.answers.values_list("field_id", flat=True).distinct())
        for form in formset.forms:
            if form.cleaned_data.get("DELETE") and form.instance.pk in answered:
                form.add_error(
                    None,
                    gettext(
                        "“%(question)s” already has answers and cannot be deleted; make it "
                        "optional instead."
                    )
                    % {"question": form.instance.label},
                )
                # Keep the question: the page must not be saved without it.
                self.add_error(None, gettext("An answered question cannot be deleted."))
        return cleaned_data
