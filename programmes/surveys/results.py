"""Read side of survey results, aggregated in the database: GROUP BY over the answer rows
(counts per option or point, SQL averages for scales), a breakdown by country or sector, and
the small-cell rule — no figure ever describes fewer than MIN_CELL people, and the hidden part
of a table is always at least MIN_CELL people, so no cell can be worked out by subtraction.

Everything returned is plain dicts and lists: the same data feeds the admin page, the exports,
the printable summary and the snapshot a lessons-learned page keeps."""

import textwrap
from collections import defaultdict

from django.db.models import Avg, Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext, gettext_lazy
from django_countries import countries

from lms.models import Sector
from programmes.surveys.forms import choices_of, lines_of, rating_labels_of, scale_labels_of
from programmes.surveys.models import (
    SCALE_TYPES,
    TEXT_TYPES,
    AnonymousBreakdown,
    AnonymousSurveyResponse,
    SurveyAnswer,
    SurveyPage,
    SurveyResponse,
)

MIN_CELL = 5
TEXTS_SHOWN = 100
OTHER = "__other__"
BREAKDOWNS = {"country": gettext_lazy("Country"), "sector": gettext_lazy("Sector")}
# Questions whose breakdown is a share per option rather than a mean.
CHOICE_COUNTED = {"radio", "dropdown", "checkboxes", "checkbox"}


def suppressed(counts: dict, minimum: int = MIN_CELL) -> set:
    """The keys to hide: every count under `minimum`, and then the smallest of the others until
    what is hidden adds up to at least `minimum` people (or everything is hidden)."""
    hidden = {key for key, n in counts.items() if n < minimum}
    if not hidden:
        return hidden
    shown = sorted((n, str(key), key) for key, n in counts.items() if key not in hidden)
    while sum(counts[key] for key in hidden) < minimum and shown:
        hidden.add(shown.pop(0)[2])
    return hidden


def _scope(qs, cohort_ids):
    return qs if cohort_ids is None else qs.filter(cohort_id__in=list(cohort_ids))


def survey_respondents(survey: SurveyPage, *, cohort_ids=None) -> int:
    identified = _scope(SurveyResponse.objects.filter(survey=survey), cohort_ids).count()
    anonymous = _scope(AnonymousSurveyResponse.objects.filter(survey=survey), cohort_ids).count()
    return identified + anonymous


def _respondents(qs=None):
    """How many people answered: one `lead` row per response × question, so a plain filtered
    COUNT over the covering index (no COUNT DISTINCT, no table read)."""
    return Count("lead", filter=Q(lead=True))


def _bars(labels: list[tuple[str, str]], counts: dict[str, int], total: int) -> list[dict]:
    return [
        {
            "key": key,
            "label": label,
            "count": counts.get(key, 0),
            "percent": round(100 * counts.get(key, 0) / total, 1) if total else 0.0,
        }
        for key, label in labels
    ]


def _value_key(value) -> str:
    return "" if value is None else str(int(value)) if float(value).is_integer() else str(value)


def survey_results(survey: SurveyPage, *, cohort_ids=None) -> dict:
    """Counts, means and distributions for every question, the free-text answers, and how many
    people answered; each query groups in the database (a handful of queries whatever the
    number of responses or questions)."""
    respondents = survey_respondents(survey, cohort_ids=cohort_ids)
    answers = _scope(SurveyAnswer.objects.filter(survey=survey), cohort_ids).order_by()
    fields = survey.questions()
    text_ids = [f.pk for f in fields if f.field_type in TEXT_TYPES]

    # One pass groups every answer by question, item and value: the counts per option or
    # point, and (from the `lead` rows) how many people answered each question.
    answered: dict[int, int] = defaultdict(int)
    distribution: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in answers.values("field_id", "item", "value").annotate(
        n=Count("*"), people=_respondents()
    ):
        answered[row["field_id"]] += row["people"]
        if row["field_id"] not in text_ids:
            distribution[row["field_id"]][row["item"]][_value_key(row["value"])] = row["n"]
    means = {
        (row["field_id"], row["item"]): (row["mean"], row["n"])
        for row in answers.filter(value__isnull=False)
        .values("field_id", "item")
        .annotate(mean=Avg("value"), n=Count("value"))
    }
    texts: dict[int, list[str]] = defaultdict(list)
    if text_ids:
        ranked = (
            answers.filter(field_id__in=text_ids)
            .exclude(text="")
            .annotate(
                rank=Window(RowNumber(), partition_by=[F("field_id")], order_by=F("id").asc())
            )
            .filter(rank__lte=TEXTS_SHOWN)
            .values_list("field_id", "text")
        )
        for field_id, text in ranked:
            texts[field_id].append(text)

    questions = [
        _question(field, answered.get(field.pk, 0), distribution[field.pk], means, texts)
        for field in fields
    ]
    return {
        "survey_id": survey.pk,
        "title": survey.title,
        "anonymous": survey.anonymous,
        "respondents": respondents,
        "min_cell": MIN_CELL,
        "shown": respondents >= MIN_CELL,
        "questions": questions,
    }


def _question(field, answered: int, distribution: dict, means: dict, texts: dict) -> dict:
    kind = field.field_type
    question = {
        "id": field.pk,
        "label": field.label,
        "kind": kind,
        "answered": answered,
        "shown": answered >= MIN_CELL,
        "mean": None,
        "scale_min": None,
        "scale_max": None,
        "bars": [],
        "rows": [],
        "texts": [],
        "text_count": 0,
    }
    if not question["shown"]:
        return question
    values = distribution.get("", {})
    if kind == "likert":
        labels = scale_labels_of(field)
        keys = [(str(n), f"{n} {label}") for n, label in enumerate(labels, start=1)]
        question.update(scale_min=1, scale_max=len(labels), bars=_bars(keys, values, answered))
        question["mean"] = means.get((field.pk, ""), (None, 0))[0]
    elif kind == "rating":
        low, high = rating_labels_of(field)
        question.update(scale_min=0, scale_max=10, low_label=low, high_label=high)
        question["bars"] = _bars([(str(n), str(n)) for n in range(11)], values, answered)
        question["mean"] = means.get((field.pk, ""), (None, 0))[0]
    elif kind in ("radio", "dropdown", "checkboxes"):
        counts = {item: sum(by_value.values()) for item, by_value in distribution.items()}
        options = [(choice, choice) for choice in choices_of(field)]
        known = {key for key, _ in options}
        options += [
            # Translators: an answer that a survey question offered before an editor removed it.
            (item, gettext("%(answer)s (no longer offered)") % {"answer": item})
            for item in counts
            if item not in known
        ]
        question["bars"] = _bars(options, counts, answered)
    elif kind == "checkbox":
        question["bars"] = _bars([("1", gettext("Yes")), ("0", gettext("No"))], values, answered)
    elif kind in ("matrix", "ranking"):
        labels = scale_labels_of(field) if kind == "matrix" else []
        items = lines_of(field.rows) if kind == "matrix" else choices_of(field)
        top = len(labels) if kind == "matrix" else len(items)
        question.update(scale_min=1, scale_max=top)
        for item in items:
            mean, n = means.get((field.pk, item), (None, 0))
            by_value = distribution.get(item, {})
            point_labels = labels or [
                gettext("Rank %(rank)s") % {"rank": rank} for rank in range(1, top + 1)
            ]
            question["rows"].append(
                {
                    "label": item,
                    "mean": mean,
                    "n": n,
                    "bars": _bars(
                        [
                            (str(n), f"{n} {label}" if labels else label)
                            for n, label in enumerate(point_labels, start=1)
                        ],
                        by_value,
                        n,
                    ),
                }
            )
    elif kind == "number":
        question["mean"] = means.get((field.pk, ""), (None, 0))[0]
    elif kind in TEXT_TYPES:
        question["texts"] = texts.get(field.pk, [])
        question["text_count"] = answered
    return question


# --- breakdown ----------------------------------------------------------------------------------


def group_label(by: str, key: str) -> str:
    if key == OTHER:
        return gettext("Other groups, combined")
    if not key:
        return gettext("Not known")
    if by == "country":
        return str(countries.name(key) or key)
    return str(dict(Sector.choices).get(key, key))


def breakdown_available(survey: SurveyPage, by: str) -> bool:
    if by not in BREAKDOWNS:
        return False
    if not survey.anonymous:
        return True
    return survey.anonymous_breakdown == by and by != AnonymousBreakdown.NONE


def survey_breakdown(survey: SurveyPage, *, by: str, cohort_ids=None) -> dict:
    """Each question's answers by country or sector. Groups under MIN_CELL respondents are
    merged into one combined group (with further groups added until the combined group holds
    MIN_CELL people); within a question, a group with fewer than MIN_CELL answers is hidden by
    the same rule. Free-text questions are never broken down."""
    if not breakdown_available(survey, by):
        return {"by": by, "available": False, "groups": [], "questions": []}
    sizes: dict[str, int] = defaultdict(int)
    for model in (SurveyResponse, AnonymousSurveyResponse):
        rows = _scope(model.objects.filter(survey=survey), cohort_ids).order_by()
        for row in rows.values(by).annotate(n=Count("pk")):
            sizes[str(row[by] or "")] += row["n"]
    hidden = suppressed(dict(sizes))
    display = {key: (OTHER if key in hidden else key) for key in sizes}
    group_sizes: dict[str, int] = defaultdict(int)
    for key, n in sizes.items():
        group_sizes[display[key]] += n
    everything_hidden = bool(sizes) and all(key in hidden for key in sizes)
    order = sorted(
        (key for key in group_sizes if key != OTHER), key=lambda key: group_label(by, key)
    ) + ([OTHER] if OTHER in group_sizes else [])
    groups = [
        {"key": key, "label": group_label(by, key), "respondents": group_sizes[key]}
        for key in order
    ]

    fields = [f for f in survey.questions() if f.field_type not in TEXT_TYPES]
    answers = _scope(SurveyAnswer.objects.filter(survey=survey), cohort_ids).order_by()
    answered: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    choices: dict[tuple, int] = defaultdict(int)
    counted_ids = {f.pk for f in fields if f.field_type in CHOICE_COUNTED}
    for row in answers.values(by, "field_id", "item", "value").annotate(
        n=Count("*"), people=_respondents()
    ):
        group = display.get(str(row[by] or ""), OTHER)
        answered[row["field_id"]][group] += row["people"]
        if row["field_id"] in counted_ids:
            key = row["item"] if row["value"] is None else _value_key(row["value"])
            choices[(row["field_id"], key, group)] += row["n"]
    sums: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0])
    for row in (
        answers.filter(value__isnull=False)
        .values(by, "field_id", "item")
        .annotate(total=Sum("value"), n=Count("value"))
    ):
        cell = sums[(row["field_id"], row["item"], display.get(str(row[by] or ""), OTHER))]
        cell[0] += row["total"] or 0.0
        cell[1] += row["n"]

    questions = []
    for field in fields:
        per_group = {key: answered[field.pk].get(key, 0) for key in order}
        hidden_cells = suppressed({k: n for k, n in per_group.items() if n}) | {
            k for k, n in per_group.items() if not n
        }
        questions.append(
            _breakdown_question(field, order, per_group, hidden_cells, sums, choices, by)
        )
    return {
        "by": by,
        "by_label": str(BREAKDOWNS[by]),
        "available": True,
        "everything_hidden": everything_hidden,
        "groups": [] if everything_hidden else groups,
        "merged_groups": len(hidden),
        "questions": [] if everything_hidden else questions,
        "min_cell": MIN_CELL,
    }


def _breakdown_question(field, order, per_group, hidden_cells, sums, choices, by) -> dict:
    kind = field.field_type
    if kind in ("radio", "dropdown", "checkboxes"):
        columns = choices_of(field)
        keys = columns
    elif kind == "checkbox":
        columns, keys = [gettext("Yes")], ["1"]
    elif kind in ("matrix", "ranking"):
        columns = lines_of(field.rows) if kind == "matrix" else choices_of(field)
        keys = columns
    else:  # likert, rating, number: one mean
        # Translators: the average of the answers on a scale.
        columns, keys = [gettext("Mean")], [""]
    measure = "mean" if kind in SCALE_TYPES else "percent"
    rows = []
    for group in order:
        n = per_group[group]
        hidden = group in hidden_cells
        values = []
        if not hidden:
            for key in keys:
                if measure == "mean":
                    total, count = sums.get((field.pk, key, group), (0.0, 0))
                    values.append(round(total / count, 2) if count else None)
                else:
                    count = choices.get((field.pk, key, group), 0)
                    values.append(round(100 * count / n, 1) if n else None)
        unit = "" if measure == "mean" else "%"
        rows.append(
            {
                "group": group_label(by, group),
                "n": None if hidden else n,
                "n_text": "" if hidden else str(n),
                "hidden": hidden,
                "values": values,
                "cells": ["—" if v is None else f"{v:g}{unit}" for v in values],
            }
        )
    return {
        "id": field.pk,
        "label": field.label,
        "kind": kind,
        "measure": measure,
        "columns": columns,
        "span": str(len(columns) + 1),
        "rows": rows,
    }


# --- charts ------------------------------------------------------------------------------------

CHART_WIDTH = 640
LABEL_WIDTH = 250
BAR_AREA = 300
BAR_HEIGHT = 20
BAR_GAP = 8
COLUMN_AREA_HEIGHT = 150


def _n(value) -> str:
    """A number as SVG and tables want it, without the template's localisation (which is slow
    in loops and would put a decimal comma into an SVG coordinate)."""
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))


# A label wraps at about this many characters, which fit LABEL_WIDTH at the chart's font size;
# each line takes LINE_HEIGHT.
LABEL_CHARACTERS = 34
LINE_HEIGHT = 15


def _label_lines(text: str) -> list[str]:
    """The label on as many lines as it needs, never cut: "Risk and vulnerability assessment"
    reads whole."""
    return textwrap.wrap(text, LABEL_CHARACTERS, break_on_hyphens=True) or [""]


def _horizontal(bars: list[dict], *, scale: float, value_key: str, text) -> dict:
    """Geometry of a horizontal bar chart: one row per bar, bar length `value / scale`, the
    label wrapped beside it and the row as tall as its label."""
    rows = []
    top = 0.0
    for bar in bars:
        lines = _label_lines(bar["label"])
        height = max(BAR_HEIGHT, len(lines) * LINE_HEIGHT + 2)
        bar_y = top + (height - BAR_HEIGHT) / 2
        block_top = top + (height - len(lines) * LINE_HEIGHT) / 2
        value = bar.get(value_key) or 0
        width = round(BAR_AREA * value / scale, 1) if scale else 0
        rows.append(
            {
                "label": bar["label"],
                "label_lines": [
                    {"text": line, "y": _n(block_top + LINE_HEIGHT * (number + 1) - 3)}
                    for number, line in enumerate(lines)
                ],
                "y": _n(bar_y),
                "text_y": _n(bar_y + BAR_HEIGHT - 5),
                "width": _n(width),
                "value_x": _n(LABEL_WIDTH + width + 6),
                "value_text": text(bar),
            }
        )
        top += height + BAR_GAP
    return {
        "kind": "bars",
        "width": _n(CHART_WIDTH),
        "height": _n(max(top - BAR_GAP, BAR_HEIGHT)),
        "bar_x": _n(LABEL_WIDTH),
        "rows": rows,
    }


def _columns(bars: list[dict]) -> dict:
    """Geometry of a distribution (0–10 ratings): one column per point, height by count."""
    top = max((bar["count"] for bar in bars), default=0) or 1
    step = (CHART_WIDTH - 40) / max(len(bars), 1)
    columns = []
    for index, bar in enumerate(bars):
        height = round(COLUMN_AREA_HEIGHT * bar["count"] / top, 1)
        x = 20 + index * step
        columns.append(
            {
                "label": bar["label"],
                "count": _n(bar["count"]),
                "x": _n(x + step * 0.15),
                "bar_width": _n(step * 0.7),
                "y": _n(20 + COLUMN_AREA_HEIGHT - height),
                "height": _n(height),
                "center": _n(x + step / 2),
                "count_y": _n(20 + COLUMN_AREA_HEIGHT - height - 4),
            }
        )
    return {
        "kind": "columns",
        "width": _n(CHART_WIDTH),
        "axis_end": _n(CHART_WIDTH - 10),
        "height": _n(COLUMN_AREA_HEIGHT + 45),
        "axis_y": _n(20 + COLUMN_AREA_HEIGHT),
        "label_y": _n(20 + COLUMN_AREA_HEIGHT + 18),
        "columns": columns,
    }


def chart_of(question: dict) -> dict | None:
    """What the SVG chart of a question draws: bar charts for choices and Likert scales, a
    distribution for 0–10 ratings, mean bars for matrix rows and ranked items."""
    if not question.get("shown"):
        return None
    kind = question["kind"]

    def count_text(bar):
        return f"{bar['count']} ({bar['percent']:g}%)"

    if kind == "rating" and question["bars"]:
        return _columns(question["bars"])
    if question["bars"]:
        return _horizontal(question["bars"], scale=100, value_key="percent", text=count_text)
    if question["rows"]:
        bars = [
            {"label": row["label"], "mean": row["mean"], "n": row["n"]} for row in question["rows"]
        ]

        def mean_text(bar):
            return "—" if bar["mean"] is None else f"{bar['mean']:.2f}"

        return _horizontal(bars, scale=question["scale_max"] or 1, value_key="mean", text=mean_text)
    return None


def _mean_text(mean) -> str:
    return "—" if mean is None else f"{mean:.2f}"


def _bar_texts(bars: list[dict]) -> None:
    for bar in bars:
        bar["count_text"] = str(bar["count"])
        bar["percent_text"] = f"{bar['percent']:.1f}"


def with_charts(results: dict) -> dict:
    """The results ready for the templates: each question's chart geometry and every number as
    text (formatted once here rather than localised in template loops)."""
    results["respondents_text"] = str(results["respondents"])
    for question in results["questions"]:
        question["chart"] = chart_of(question)
        question["answered_text"] = str(question["answered"])
        question["mean_text"] = "" if question["mean"] is None else _mean_text(question["mean"])
        _bar_texts(question["bars"])
        for row in question["rows"]:
            row["n_text"] = str(row["n"])
            row["mean_text"] = _mean_text(row["mean"])
            _bar_texts(row["bars"])
    return results


def survey_texts(survey: SurveyPage, *, cohort_ids=None) -> list[tuple[str, str]]:
    """Every free-text answer, (question, text), for the questions that at least MIN_CELL
    people answered; ordered by question, in no order that follows the time of answering."""
    fields = {f.pk: f for f in survey.questions() if f.field_type in TEXT_TYPES}
    if not fields:
        return []
    answers = _scope(SurveyAnswer.objects.filter(survey=survey, field_id__in=fields), cohort_ids)
    counts = {
        row["field_id"]: row["n"]
        for row in answers.order_by().values("field_id").annotate(n=_respondents(answers))
    }
    order = {pk: index for index, pk in enumerate(fields)}
    rows = [
        (field_id, text)
        for field_id, text in answers.exclude(text="")
        .order_by("id")
        .values_list("field_id", "text")
        if counts.get(field_id, 0) >= MIN_CELL
    ]
    rows.sort(key=lambda row: order[row[0]])
    return [(fields[field_id].label, text) for field_id, text in rows]
