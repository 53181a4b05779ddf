"""The one formula-safe CSV and Excel cell helper every export writes through."""

import csv
import datetime as dt
import io

from lms.spreadsheets import cell_safe, csv_bytes, csv_cell, xlsx_value


def test_cell_starts_are_neutralised():
    for text in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert cell_safe(text) == "'" + text
        assert csv_cell(text) == "'" + text
        assert xlsx_value(text) == "'" + text
    for value in ("Jānis Bērziņš", "a=b", "e-mail", "2026-03-01", ""):
        assert csv_cell(value) == value


def test_a_formula_after_any_separator_inside_a_field_is_neutralised():
    assert csv_cell("I lead a team;=cmd|' /C calc'!A0") == "I lead a team;'=cmd|' /C calc'!A0"
    assert csv_cell("one, +two") == "one, '+two"
    assert csv_cell("line\n@SUM(A1)") == "line\n'@SUM(A1)"
    assert csv_cell("tab\t-2+3") == "tab\t'-2+3"


def test_every_field_is_quoted_and_values_keep_their_type_as_text():
    body = csv_bytes(
        [["Name", "When", "Count", None], ["Õie Täht", dt.datetime(2026, 3, 1, 14, 30), 3, None]]
    )
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert text.splitlines() == ['"Name","When","Count",""', '"Õie Täht","2026-03-01 14:30","3",""']
    assert list(csv.reader(io.StringIO(text)))[1][0] == "Õie Täht"
