"""Answering a survey: the form and what the template shows of each question, unfinished answers
kept as a draft, and recording a response as normalised answer rows (identified or anonymous).
Who may answer, and when, is decided by cohorts.surveys (invitations); nothing here knows them."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext

from lms.events import emit
from programmes.errors import ProgrammesError
from programmes.progress.services import programme_workflow_ensure
from programmes.surveys.forms import choices_of, lines_of, rating_labels_of, scale_labels_of
from programmes.surveys.models import (
    TEXT_TYPES,
    AnonymousBreakdown,
    AnonymousSurveyResponse,
    LessonsLearnedPage,
    SurveyAnswer,
    SurveyField,
    SurveyPage,
    SurveyResponse,
)
from programmes.surveys.results import MIN_CELL

# A draft keeps at most this much of any one value, however much was typed.
DRAFT_VALUE_MAX = 20_000
DRAFT_VALUES_MAX = 200
GROUPED_TYPES = {"likert", "rating", "radio", "checkboxes", "matrix", "ranking"}


def survey_form(survey: SurveyPage, data=None):
    form = survey.get_form(data, page=survey, user=None)
    # The server checks every answer; the browser must not stop "save and continue later".
    form.use_required_attribute = False
    return form


# --- what the template shows ------------------------------------------------------------------


@dataclass
class Option:
    value: str
    label: str
    checked: bool
    id: str


@dataclass
class Row:
    label: str
    name: str
    id: str
    options: list[Option]
    selected: str = ""


@dataclass
class Item:
    """A section heading or one question, ready for templates/programmes/survey_form.html."""

    kind: str
    label: str
    help_text: str = ""
    name: str = ""
    id: str = ""
    required: bool = False
    errors: list[str] = field(default_factory=list)
    bound: object = None
    options: list[Option] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    low_label: str = ""
    high_label: str = ""

    @property
    def grouped(self) -> bool:
        """Answered with several inputs: a fieldset with a legend."""
        return self.kind in GROUPED_TYPES


def _values(bound) -> list[str]:
    value = bound.value()
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return ["" if v is None else str(v) for v in value]
    return [str(value)]


def _options(name: str, choices, selected: set[str]) -> list[Option]:
    return [
        Option(value=str(value), label=str(label), checked=str(value) in selected, id=f"{name}-{i}")
        for i, (value, label) in enumerate(choices)
    ]


def survey_items(survey: SurveyPage, form, *, show_errors: bool = True) -> list[Item]:
    """Sections and questions in the editor's order, each with what its inputs need."""
    items = []
    for definition in survey.get_form_fields():
        kind = definition.field_type
        if kind == "section":
            items.append(
                Item(kind="section", label=definition.label, help_text=definition.help_text)
            )
            continue
        name = definition.clean_name or definition.get_field_clean_name()
        if name not in form.fields:
            continue
        bound = form[name]
        item = Item(
            kind=kind,
            label=definition.label,
            help_text=definition.help_text,
            name=bound.html_name,
            id=f"q-{bound.html_name}",
            required=bound.field.required,
            errors=list(bound.errors) if show_errors and form.is_bound else [],
            bound=bound,
        )
        values = _values(bound)
        if kind in ("likert", "rating", "radio", "checkboxes", "dropdown"):
            item.options = _options(item.id, bound.field.choices, set(values))
        if kind == "rating":
            item.low_label, item.high_label = rating_labels_of(definition)
        elif kind == "likert":
            labels = scale_labels_of(definition)
            item.low_label, item.high_label = labels[0], labels[-1]
        elif kind == "matrix":
            labels = scale_labels_of(definition)
            choices = [(str(n), label) for n, label in enumerate(labels, start=1)]
            for index, row in enumerate(lines_of(definition.rows)):
                current = values[index] if index < len(values) else ""
                row_name = f"{bound.html_name}_{index}"
                item.rows.append(
                    Row(
                        label=row,
                        name=row_name,
                        id=f"q-{row_name}",
                        options=_options(f"q-{row_name}", choices, {current}),
                        selected=current,
                    )
                )
        elif kind == "ranking":
            ranks = [("", "—")] + [
                (str(n), str(n)) for n in range(1, len(choices_of(definition)) + 1)
            ]
            for index, choice in enumerate(choices_of(definition)):
                current = values[index] if index < len(values) else ""
                row_name = f"{bound.html_name}_{index}"
                item.rows.append(
                    Row(
                        label=choice,
                        name=row_name,
                        id=f"q-{row_name}",
                        options=_options(f"q-{row_name}", ranks, {current}),
                        selected=current,
                    )
                )
        items.append(item)
    return items


# --- drafts ------------------------------------------------------------------------------------


def survey_draft_from(survey: SurveyPage, data) -> dict[str, list[str]]:
    """What a person has typed so far, only for this survey's questions and cut to size, in a
    form that can be stored as JSON and given back to the form later."""
    names = [
        field.clean_name or field.get_field_clean_name()
        for field in survey.get_form_fields()
        if field.field_type != "section"
    ]
    draft: dict[str, list[str]] = {}
    for key in list(data.keys())[: DRAFT_VALUES_MAX * 4]:
        base = key.rsplit("_", 1)[0] if key.rsplit("_", 1)[-1].isdigit() else key
        if key not in names and base not in names:
            continue
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        kept = [str(value)[:DRAFT_VALUE_MAX].replace("\x00", "") for value in values[:50]]
        if any(kept):
            draft[key] = kept
        if len(draft) >= DRAFT_VALUES_MAX:
            break
    return draft


def survey_draft_data(draft: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in (draft or {}).items():
        if isinstance(values, list):
            data.setlist(str(key), [str(value) for value in values])
    return data


# --- recording a response ----------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    field: SurveyField
    item: str = ""
    value: float | None = None
    text: str = ""


def survey_answer_rows(survey: SurveyPage, cleaned_data: dict) -> list[AnswerRow]:
    """One row per question × item answered; questions left empty give none."""
    rows: list[AnswerRow] = []
    for definition in survey.questions():
        name = definition.clean_name or definition.get_field_clean_name()
        value = cleaned_data.get(name)
        kind = definition.field_type
        if value in (None, "", [], {}):
            if kind == "checkbox" and name in cleaned_data:
                rows.append(AnswerRow(definition, value=0.0))
            continue
        if kind in ("likert", "rating"):
            rows.append(AnswerRow(definition, value=float(value)))
        elif kind in ("matrix", "ranking"):
            rows += [
                AnswerRow(definition, item=str(k)[:255], value=float(v)) for k, v in value.items()
            ]
        elif kind in ("radio", "dropdown"):
            rows.append(AnswerRow(definition, item=str(value)[:255]))
        elif kind == "checkboxes":
            rows += [AnswerRow(definition, item=str(choice)[:255]) for choice in value]
        elif kind == "checkbox":
            rows.append(AnswerRow(definition, value=1.0 if value else 0.0))
        elif kind == "number":
            rows.append(AnswerRow(definition, value=float(Decimal(value))))
        else:  # free text, e-mail, date
            text = value.isoformat() if hasattr(value, "isoformat") else str(value)
            rows.append(AnswerRow(definition, text=text))
    return rows


def survey_response_record(
    *,
    survey: SurveyPage,
    cleaned_data: dict,
    user=None,
    cohort_id: int | None = None,
    country: str = "",
    sector: str = "",
) -> SurveyResponse | None:
    """Store one response inside the caller's transaction. An anonymous survey's response gets
    no person, no time and no event; only the attribute the survey keeps for its breakdown.
    Returns the identified response, or None for an anonymous one."""
    rows = survey_answer_rows(survey, cleaned_data)
    if survey.anonymous:
        response = AnonymousSurveyResponse.objects.create(
            survey=survey,
            cohort_id=cohort_id,
            country=country if survey.anonymous_breakdown == AnonymousBreakdown.COUNTRY else "",
            sector=sector if survey.anonymous_breakdown == AnonymousBreakdown.SECTOR else "",
        )
        links = {"anonymous_response": response}
    else:
        response = SurveyResponse.objects.create(
            survey=survey,
            user=user,
            cohort_id=cohort_id,
            country=country,
            sector=sector,
            submitted_at=timezone.now(),
        )
        links = {"response": response}
    counted: set[int] = set()
    answers = []
    for row in rows:
        answers.append(
            SurveyAnswer(
                survey=survey,
                field=row.field,
                cohort_id=cohort_id,
                country=response.country,
                sector=response.sector,
                item=row.item,
                value=row.value,
                text=row.text,
                lead=row.field.pk not in counted,
                **links,
            )
        )
        counted.add(row.field.pk)
    SurveyAnswer.objects.bulk_create(answers)
    if survey.anonymous:
        return None
    emit(
        "programmes.survey.responded",
        key=f"programmes.survey.responded:{response.pk}",
        payload={"survey_id": survey.pk, "response_id": response.pk, "user_id": user and user.pk},
    )
    return response


# --- lessons learned ---------------------------------------------------------------------------


def _public_snapshot(results: dict) -> dict:
    """The aggregates only: no free text, no question fewer than MIN_CELL people answered."""
    questions = []
    for question in results["questions"]:
        if question["kind"] in TEXT_TYPES:
            continue
        public = {key: value for key, value in question.items() if key not in ("texts", "chart")}
        public["texts"] = []
        questions.append(public)
    return {**results, "questions": questions}


def lessons_learned_publish(
    *,
    survey: SurveyPage,
    title: str,
    summary: str,
    findings: str,
    scope: str,
    results: dict,
    actor,
) -> LessonsLearnedPage:
    """Publish a lessons-learned page under the survey's programme with the staff's summary and
    a snapshot of the aggregates (refused under MIN_CELL respondents)."""

    if results.get("respondents", 0) < MIN_CELL:
        raise ProgrammesError(
            "too_few",
            ngettext(
                "Results can be published once at least %(count)s person has answered.",
                "Results can be published once at least %(count)s people have answered.",
                MIN_CELL,
            )
            % {"count": MIN_CELL},
        )
    title = " ".join(title.split())[:255]
    if not title:
        raise ProgrammesError("no_title", gettext("Give the page a title."))
    programme = survey.get_parent().specific
    with transaction.atomic(durable=True):
        # A double-click (or a resent form) must not publish the same page twice: the survey's
        # row serialises publishers, and the same title and scope within minutes is a repeat.
        SurveyPage.objects.select_for_update().filter(pk=survey.pk).exists()
        repeat = (
            LessonsLearnedPage.objects.filter(
                survey=survey,
                title=title,
                scope=scope[:200],
                results_taken_at__gte=timezone.now() - timedelta(minutes=10),
            )
            .order_by("-results_taken_at")
            .first()
        )
        if repeat is not None:
            return repeat
        base = slugify(title)[:70] or "lessons-learned"
        slug, number = base, 1
        while programme.get_children().filter(slug=slug).exists():
            number += 1
            slug = f"{base}-{number}"
        # Programme admins (and the demo) publish at once; anyone else (presidency staff, who
        # hold no publishing rights in the page tree) submits the page to the programme admins'
        # approval workflow, and it goes live when one of them approves.
        publisher = actor is None or programme.permissions_for_user(actor).can_publish_subpage()
        page = LessonsLearnedPage(
            live=publisher,
            title=title,
            slug=slug,
            survey=survey,
            summary=summary.strip()[:2000],
            findings=findings,
            scope=scope[:200],
            results=_public_snapshot(results),
            results_taken_at=timezone.now(),
        )
        programme.add_child(instance=page)
        revision = page.save_revision(user=actor, log_action=True)
        if not publisher:
            programme_workflow_ensure()
            workflow = page.get_workflow()
            workflow.start(page, actor)
            emit(
                "programmes.lessons_learned.submitted",
                key=f"programmes.lessons_learned.submitted:{page.pk}",
                payload={"page_id": page.pk, "survey_id": survey.pk},
            )
            return page
        revision.publish(user=actor, skip_permission_checks=True)
        emit(
            "programmes.lessons_learned.published",
            key=f"programmes.lessons_learned.published:{page.pk}",
            payload={"page_id": page.pk, "survey_id": survey.pk},
        )
    return page
