"""Cells and files that are safe to open in a spreadsheet (OWASP "CSV injection"): no cell is
ever read as a formula, whatever list separator the reader's spreadsheet is set to, and every
diacritic survives. Every CSV and Excel export of the project writes through here."""

import csv
import datetime as dt
import io
import re

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# A spreadsheet reads a cell that starts with one of these as a formula; a leading apostrophe
# makes it text and is not shown.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# A spreadsheet set to German, Polish, Latvian, Finnish … splits on ";" (and some on tabs or
# "|"), and a reader that loses track of the quotes starts a new cell, or a new row, after any of
# these: what follows one of them must not start a formula either.
_SEPARATED_FORMULA = re.compile(r"([,;\t|\r\n][ ]*)([=+\-@])")


def cell_safe(value):
    """The value as a spreadsheet should show it: text that would start a formula gets a
    leading apostrophe; numbers and dates stay what they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_cell(value) -> str:
    """One CSV field: empty for None, dates as 2026-03-01 14:30, and text neutralised at its
    start and after every separator inside it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if not isinstance(value, str):
        return str(value)
    return cell_safe(_SEPARATED_FORMULA.sub(r"\1'\2", value))


def csv_bytes(rows) -> bytes:
    """Rows (lists of values) as CSV in UTF-8 with a byte-order mark (how Excel knows the file
    is UTF-8), every field quoted so that a ";" or "," inside one never splits it."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_value(value):
    """One Excel cell: text without the control characters a workbook's XML refuses, with a
    formula start neutralised (openpyxl writes text starting with "=" as a formula)."""
    if isinstance(value, str):
        return cell_safe(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value
