"""CSV and XLSX exports of a survey's results: aggregates with the small-cell rule applied,
breakdowns with hidden cells written as such, and the free-text answers (never who wrote them).
No cell is ever read as a formula by a spreadsheet."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from lms.spreadsheets import csv_bytes, xlsx_value
from programmes.surveys.results import BREAKDOWNS, survey_breakdown, survey_results, survey_texts


def _hidden() -> str:
    return _("fewer than 5: not shown")


def _summary(results: dict) -> list[list]:
    rows = [
        [
            _("Question"),
            # Translators: a column of the survey export: the kind of question.
            pgettext("survey question", "Type"),
            _("Answered"),
            _("Row or item"),
            _("Answer"),
            _("Count"),
            _("Share (%)"),
            _("Mean"),
        ]
    ]
    for q in results["questions"]:
        if not q["shown"]:
            rows.append([q["label"], q["kind"], _hidden(), "", "", "", "", ""])
            continue
        if q["bars"]:
            for bar in q["bars"]:
                rows.append(
                    [
                        q["label"],
                        q["kind"],
                        q["answered"],
                        "",
                        bar["label"],
                        bar["count"],
                        bar["percent"],
                        _round(q["mean"]),
                    ]
                )
        elif q["rows"]:
            for row in q["rows"]:
                for bar in row["bars"]:
                    rows.append(
                        [
                            q["label"],
                            q["kind"],
                            row["n"],
                            row["label"],
                            bar["label"],
                            bar["count"],
                            bar["percent"],
                            _round(row["mean"]),
                        ]
                    )
        else:
            rows.append([q["label"], q["kind"], q["answered"], "", "", "", "", _round(q["mean"])])
    return rows


def _round(value):
    return None if value is None else round(value, 3)


def _breakdown(data: dict) -> list[list]:
    rows = [
        [
            _("Question"),
            data.get("by_label", ""),
            _("Answered"),
            _("Column"),
            _("Value"),
            _("Measure"),
        ]
    ]
    if data.get("everything_hidden"):
        rows.append([_("(all)"), _hidden(), "", "", "", ""])
    for q in data["questions"]:
        for row in q["rows"]:
            if row["hidden"]:
                rows.append([q["label"], row["group"], _hidden(), "", "", ""])
                continue
            for column, value in zip(q["columns"], row["values"], strict=True):
                measure = _("mean") if q["measure"] == "mean" else _("per cent")
                rows.append([q["label"], row["group"], row["n"], column, value, measure])
    return rows


def survey_tables(survey, *, cohort_ids=None) -> list[tuple[str, list[list]]]:
    """(sheet title, rows with a header first) for every part of the export."""
    tables = [(_("Summary"), _summary(survey_results(survey, cohort_ids=cohort_ids)))]
    for by, label in BREAKDOWNS.items():
        data = survey_breakdown(survey, by=by, cohort_ids=cohort_ids)
        if data["available"]:
            # Translators: a sheet of the survey export, e.g. "By country".
            tables.append(
                (_("By %(breakdown)s") % {"breakdown": str(label).lower()}, _breakdown(data))
            )
    texts = survey_texts(survey, cohort_ids=cohort_ids)
    tables.append((_("Free text"), [[_("Question"), _("Answer")], *([q, t] for q, t in texts)]))
    return tables


def as_csv(tables) -> bytes:
    """Every table under its title, a blank line between; every field quoted and neutralised
    (lms.spreadsheets)."""
    lines = []
    for number, (title, rows) in enumerate(tables):
        if number:
            lines.append([])
        lines.append([title])
        lines.extend(rows)
    return csv_bytes(lines)


def as_xlsx(tables) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in tables:
        sheet = workbook.create_sheet(title[:31])
        for row in rows:
            sheet.append([xlsx_value(value) for value in row])
        sheet.freeze_panes = "A2"
        for index, name in enumerate(rows[0] if rows else [], 1):
            width = 60 if index == 1 or name == _("Answer") else min(max(len(str(name)), 12), 40)
            sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_filename(survey, extension: str) -> str:
    return f"{survey.slug}-results-{timezone.localdate():%Y-%m-%d}.{extension}"
