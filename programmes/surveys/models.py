"""Survey pages built on Wagtail's form builder (with Likert, 0–10 rating, ranking, matrix and
section fields), the answers stored one row per response × question × item so that results are
aggregated in the database, and the lessons-learned pages that publish a survey's aggregates.

Identified and anonymous responses live in two tables. An anonymous response has a random id,
no timestamp and no link to a person or an invitation; see docs/surveys.md."""

import copy
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django_countries.fields import CountryField
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from lms.languages.content import InReaderLanguage
from lms.models import Sector
from programmes.surveys.forms import SurveyFormBuilder, SurveyPageForm, field_definition_errors

SURVEY_FIELD_CHOICES = (
    ("section", gettext_lazy("Section heading (not a question)")),
    ("likert", gettext_lazy("Likert scale (agree – disagree)")),
    ("rating", gettext_lazy("Rating 0–10")),
    ("matrix", gettext_lazy("Matrix of Likert rows")),
    ("ranking", gettext_lazy("Ranking")),
    ("radio", gettext_lazy("Radio buttons (one choice)")),
    ("checkboxes", gettext_lazy("Checkboxes (several choices)")),
    ("dropdown", gettext_lazy("Drop-down (one choice)")),
    ("singleline", gettext_lazy("Short text")),
    ("multiline", gettext_lazy("Long text")),
    ("number", pgettext_lazy("kind of survey question", "Number")),
    ("checkbox", gettext_lazy("Yes / no checkbox")),
    ("email", gettext_lazy("E-mail address")),
    ("date", pgettext_lazy("kind of survey question", "Date")),
)

# Field types whose answers are free text, listed rather than counted.
TEXT_TYPES = {"singleline", "multiline", "email", "date"}
# Field types with a numeric value whose mean is meaningful.
SCALE_TYPES = {"likert", "rating", "matrix", "ranking", "number"}


class AnonymousBreakdown(models.TextChoices):
    NONE = "", gettext_lazy("Nothing: no breakdown of anonymous answers")
    COUNTRY = "country", gettext_lazy("The respondent's country")
    SECTOR = "sector", gettext_lazy("The respondent's sector")


class SurveyPage(InReaderLanguage, AbstractForm):
    """A survey: questions built in the admin like any Wagtail form, answered through a
    personal invitation link (see cohorts.surveys)."""

    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ul", "ol"],
        help_text=gettext_lazy(
            "Shown above the questions: why the survey is run and who reads the results."
        ),
        verbose_name=gettext_lazy("intro"),
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        default=10,
        help_text=gettext_lazy("About how long answering takes, in minutes."),
        verbose_name=gettext_lazy("estimated minutes"),
    )
    anonymous = models.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "Answers are stored without any link to the person or the invitation. "
            "Cannot be changed once the survey has answers."
        ),
        verbose_name=gettext_lazy("anonymous"),
    )
    anonymous_breakdown = models.CharField(
        gettext_lazy("keep with anonymous answers"),
        max_length=16,
        choices=AnonymousBreakdown.choices,
        blank=True,
        default=AnonymousBreakdown.NONE,
        help_text=gettext_lazy(
            "For anonymous surveys only: one attribute kept with each answer for the "
            "breakdown. Groups of fewer than 5 respondents are never shown."
        ),
    )
    thank_you_text = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        help_text=gettext_lazy("Shown after the answers are sent."),
        verbose_name=gettext_lazy("thank you text"),
    )
    closes_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("No answers, invitations or reminders after this."),
        verbose_name=gettext_lazy("closes at"),
    )

    base_form_class = SurveyPageForm
    form_builder = SurveyFormBuilder

    search_fields = Page.search_fields + [index.SearchField("intro")]
    content_panels = AbstractForm.content_panels + [
        FieldPanel("intro"),
        FieldPanel("estimated_minutes"),
        InlinePanel(
            "form_fields",
            heading=gettext_lazy("Questions"),
            label=gettext_lazy("Question or section"),
        ),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("anonymous"), FieldPanel("anonymous_breakdown")]),
                FieldPanel("closes_at"),
            ],
            heading=gettext_lazy("Anonymity and closing"),
        ),
    ]
    parent_page_types = ["programmes.ProgrammePage"]
    subpage_types: list[str] = []
    preview_modes = [("form", gettext_lazy("Questions"))]

    class Meta:
        verbose_name_plural = gettext_lazy("survey pages")
        verbose_name = gettext_lazy("survey page")

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        if not self.anonymous and self.anonymous_breakdown:
            self.anonymous_breakdown = AnonymousBreakdown.NONE
        if self.pk:
            stored = SurveyPage.objects.filter(pk=self.pk).values_list("anonymous", flat=True)
            before = next(iter(stored), self.anonymous)
            if before != self.anonymous and self.has_answers():
                raise ValidationError(
                    {
                        "anonymous": gettext(
                            "This survey already has answers: whether it is anonymous cannot "
                            "change any more. Copy the page to run it differently."
                        )
                    }
                )

    def has_answers(self) -> bool:
        return (
            SurveyResponse.objects.filter(survey_id=self.pk).exists()
            or AnonymousSurveyResponse.objects.filter(survey_id=self.pk).exists()
        )

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.live and not (self.closes_at and now >= self.closes_at)

    def questions(self) -> list["SurveyField"]:
        return [field for field in self.get_form_fields() if field.field_type != "section"]

    def get_data_fields(self):
        return [(field.clean_name, field.label) for field in self.questions()]

    def process_form_submission(self, form):
        # Answers are recorded through an invitation only (cohorts.surveys). `serve` below never
        # processes a form, so reaching this is a programming error, loudly.
        raise RuntimeError("Survey answers are recorded through invitations, not the page.")

    def serve(self, request, *args, **kwargs):
        """The survey's public address introduces it; answering needs the personal link from
        the invitation e-mail. An editor's preview shows the questions."""
        context = self.get_context(request)
        context["questions_count"] = len(self.questions())
        return TemplateResponse(request, self.get_template(request), context)

    def serve_preview(self, request, mode_name):
        # Inside the method: a Wagtail page serves itself, and the answering and results modules
        # it calls import the survey models (the documented exception to imports at the top).
        from programmes.surveys.answering import survey_form, survey_items

        context = self.get_context(request)
        form = survey_form(self)
        context.update(form=form, items=survey_items(self, form), preview=True)
        return TemplateResponse(request, "programmes/survey_preview.html", context)


class SurveyField(AbstractFormField):
    """One question (or a section heading) of a survey."""

    page = ParentalKey(
        SurveyPage,
        on_delete=models.CASCADE,
        related_name="form_fields",
        verbose_name=gettext_lazy("page"),
    )
    field_type = models.CharField(
        verbose_name=gettext_lazy("field type"), max_length=16, choices=SURVEY_FIELD_CHOICES
    )
    field_type.required_on_save = True
    scale_points = models.PositiveSmallIntegerField(
        gettext_lazy("points on the scale"),
        choices=[(5, gettext_lazy("5 points")), (7, gettext_lazy("7 points"))],
        default=5,
        help_text=gettext_lazy("Likert and matrix questions."),
    )
    scale_labels = models.TextField(
        blank=True,
        help_text=gettext_lazy(
            "Likert and matrix: one label per point, one per line (empty: Strongly "
            "disagree … Strongly agree). Rating: the labels of 0 and of 10, one per line."
        ),
        verbose_name=gettext_lazy("scale labels"),
    )
    rows = models.TextField(
        gettext_lazy("matrix rows"),
        blank=True,
        help_text=gettext_lazy(
            "Matrix questions: one statement per line, each answered on the scale."
        ),
    )

    panels = [
        FieldPanel("label"),
        FieldPanel("help_text"),
        FieldPanel("required"),
        FieldPanel("field_type", required_on_save=True),
        FieldPanel("choices"),
        FieldRowPanel([FieldPanel("scale_points"), FieldPanel("scale_labels")]),
        FieldPanel("rows"),
    ]

    class Meta(AbstractFormField.Meta):
        verbose_name_plural = gettext_lazy("survey questions")
        verbose_name = gettext_lazy("survey question")

    def __str__(self) -> str:
        return self.label

    def clean(self):
        errors = field_definition_errors(self)
        if errors:
            raise ValidationError(errors)


class SurveyResponse(models.Model):
    """An identified response: who answered (kept while the account exists), the country and
    sector they had when invited, and the cohort the invitation came through."""

    survey = models.ForeignKey(SurveyPage, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    # The id of a cohorts.Cohort: a plain number, because programmes never imports cohorts.
    cohort_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    country = CountryField(blank=True)
    sector = models.CharField(max_length=32, choices=Sector.choices, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"response {self.pk} to {self.survey}"


class AnonymousSurveyResponse(models.Model):
    """An anonymous response: a random id (no order to join on), no timestamp, no person and no
    invitation; the country or sector only when the survey keeps it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(
        SurveyPage, on_delete=models.CASCADE, related_name="anonymous_responses"
    )
    cohort_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    country = CountryField(blank=True)
    sector = models.CharField(max_length=32, choices=Sector.choices, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"anonymous response to {self.survey}"


class SurveyAnswer(models.Model):
    """One answer: one row per response × question × item (the option ticked, the item ranked,
    the matrix row), with a numeric `value` for scales so that means are SQL averages. The
    response's cohort, country and sector are copied here so a breakdown needs no join."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(SurveyPage, on_delete=models.CASCADE, related_name="answers")
    field = models.ForeignKey(SurveyField, on_delete=models.CASCADE, related_name="answers")
    response = models.ForeignKey(
        SurveyResponse, null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    anonymous_response = models.ForeignKey(
        AnonymousSurveyResponse,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="answers",
    )
    cohort_id = models.PositiveBigIntegerField(null=True, blank=True)
    country = CountryField(blank=True)
    sector = models.CharField(max_length=32, choices=Sector.choices, blank=True)
    item = models.CharField(max_length=255, blank=True)
    value = models.FloatField(null=True, blank=True)
    text = models.TextField(blank=True)
    lead = models.BooleanField(
        default=True,
        help_text=gettext_lazy(
            "The one row of a response × question that counts the respondent (a matrix "
            "or a ranking has a row per item), so “how many answered” needs no COUNT DISTINCT."
        ),
    )

    class Meta:
        ordering = ["field", "item"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(response__isnull=False) & Q(anonymous_response__isnull=True))
                | (Q(response__isnull=True) & Q(anonymous_response__isnull=False)),
                name="programmes_answer_one_response",
            ),
        ]
        # Covering indexes: every results query (for everyone or for some cohorts, overall or
        # by country or sector) reads an index only, never the table.
        indexes = [
            models.Index(
                fields=["survey", "field", "item", "value", "lead", "cohort_id"],
                name="programmes_answer_agg",
            ),
            models.Index(
                fields=["survey", "country", "field", "item", "value", "lead", "cohort_id"],
                name="programmes_answer_country",
            ),
            models.Index(
                fields=["survey", "sector", "field", "item", "value", "lead", "cohort_id"],
                name="programmes_answer_sector",
            ),
        ]

    def __str__(self) -> str:
        return f"answer to {self.field}"


class LessonsLearnedPage(InReaderLanguage, Page):
    """A short public summary of a survey's results for the next presidency and policymakers:
    the staff's own words and the aggregates as they stood when published (never a single
    person's answer)."""

    survey = models.ForeignKey(
        SurveyPage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
        verbose_name=gettext_lazy("survey"),
    )
    summary = models.TextField(
        help_text=gettext_lazy("One or two sentences shown in listings."),
        verbose_name=gettext_lazy("summary"),
    )
    findings = RichTextField(
        blank=True,
        features=["h3", "bold", "italic", "link", "ul", "ol"],
        help_text=gettext_lazy("What was learned, and what should change."),
        verbose_name=gettext_lazy("findings"),
    )
    scope = models.CharField(
        max_length=200,
        blank=True,
        help_text=gettext_lazy("Whose answers, e.g. “BEP 2026 — Finnish presidency”."),
        verbose_name=gettext_lazy("scope"),
    )
    results = models.JSONField(
        default=dict, blank=True, editable=False, verbose_name=gettext_lazy("results")
    )
    results_taken_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=gettext_lazy("results taken at")
    )

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("findings"),
    ]
    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("findings"),
        FieldPanel("scope"),
        FieldPanel("survey", read_only=True),
    ]
    parent_page_types = ["programmes.ProgrammePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name_plural = gettext_lazy("lessons learned pages")
        verbose_name = gettext_lazy("lessons learned page")

    def __str__(self) -> str:
        return self.title

    def get_context(self, request, *args, **kwargs):
        # Inside the method: a Wagtail page serves itself, and the answering and results modules
        # it calls import the survey models (the documented exception to imports at the top).
        from programmes.surveys.results import with_charts

        context = super().get_context(request, *args, **kwargs)
        context["results"] = with_charts(copy.deepcopy(self.results)) if self.results else None
        return context


__all__ = [
    "SURVEY_FIELD_CHOICES",
    "SCALE_TYPES",
    "TEXT_TYPES",
    "AnonymousBreakdown",
    "AnonymousSurveyResponse",
    "LessonsLearnedPage",
    "SurveyAnswer",
    "SurveyField",
    "SurveyPage",
    "SurveyResponse",
]
