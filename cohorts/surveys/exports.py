"""CSV and XLSX exports of a survey's results: aggregates with the small-cell rule applied,
breakdowns with hidden cells written as such, and the free-text answers (never who wrote them).
No cell is ever read as a formula by a spreadsheet."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from lms.spreadsheets import csv_bytes, xlsx_value
from programmes.surveys.results import BREAKDOWNS, survey_breakdown, survey_results, survey_texts

HIDDEN = "fewer than 5: not shown"


def _summary(results: dict) -> list[list]:
    rows = [["Question", "Type", "Answered", "Row or item", "Answer", "Count", "Share (%)", "Mean"]]
    for q in results["questions"]:
        if not q["shown"]:
            rows.append([q["label"], q["kind"], HIDDEN, "", "", "", "", ""])
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
    rows = [["Question", data.get("by_label", ""), "Answered", "Column", "Value", "Measure"]]
    if data.get("everything_hidden"):
        rows.append(["(all)", HIDDEN, "", "", "", ""])
    for q in data["questions"]:
        for row in q["rows"]:
            if row["hidden"]:
                rows.append([q["label"], row["group"], HIDDEN, "", "", ""])
                continue
            for column, value in zip(q["columns"], row["values"], strict=True):
                measure = "mean" if q["measure"] == "mean" else "per cent"
                rows.append([q["label"], row["group"], row["n"], column, value, measure])
    return rows


def survey_tables(survey, *, cohort_ids=None) -> list[tuple[str, list[list]]]:
    """(sheet title, rows with a header first) for every part of the export."""
    tables = [("Summary", _summary(survey_results(survey, cohort_ids=cohort_ids)))]
    for by, label in BREAKDOWNS.items():
        data = survey_breakdown(survey, by=by, cohort_ids=cohort_ids)
        if data["available"]:
            tables.append((f"By {label.lower()}", _breakdown(data)))
    texts = survey_texts(survey, cohort_ids=cohort_ids)
    tables.append(("Free text", [["Question", "Answer"], *([q, t] for q, t in texts)]))
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
            width = 60 if index == 1 or name == "Answer" else min(max(len(str(name)), 12), 40)
            sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_filename(survey, extension: str) -> str:
    return f"{survey.slug}-results-{timezone.localdate():%Y-%m-%d}.{extension}"
