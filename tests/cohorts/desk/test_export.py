"""Exports of the cohort desk: what staff open in a spreadsheet is what the desk shows, names
keep their diacritics, and no cell is ever run as a formula."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from cohorts.desk.exports import cell_safe
from cohorts.models import ApplicationQuestion, EnrolmentMode
from cohorts.places import services
from tests.cohorts.desk.test_desk import staff_of
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

NAMES = ["Jānis Bērziņš", "Žydrūnas Šimkus", "Þórunn Guðmundsdóttir", '=HYPERLINK("http://x")']


@pytest.fixture
def cohort(make_cohort, make_person):
    cohort = make_cohort(enrolment_mode=EnrolmentMode.APPROVAL)
    question = ApplicationQuestion.objects.create(cohort=cohort, label="Motivation")
    answers = ["+1 for resilience", "@everyone", "=cmd|' /C calc'!A0", "-2 is fine\x01"]
    for name, country, answer in zip(NAMES, ["LV", "LT", "IS", "FI"], answers, strict=True):
        organisation = OrganisationFactory(country=country, name=f"\t{country} Rescue")
        person = make_person(country, full_name=name, organisation=organisation)
        services.enrolment_apply(user=person, cohort=cohort, answers={question.field_name: answer})
    return cohort


def export(client, cohort, fmt, **query):
    response = client.get(reverse(f"cohorts_desk_export_{fmt}", args=[cohort.pk]), query)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert cohort.slug in response["Content-Disposition"]
    return response


def test_cell_safe_neutralises_formula_starts_only():
    for text in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert cell_safe(text) == "'" + text
    for value in ("Jānis", "a=b", "", 3, None):
        assert cell_safe(value) == value


def test_csv_is_utf8_with_bom_and_neutralised(client, cohort):
    client.force_login(staff_of(cohort))

    response = export(client, cohort, "csv")

    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, data = rows[0], rows[1:]
    assert header[:3] == ["Full name", "E-mail", "Country"]
    assert "Motivation" in header
    names = [row[0] for row in data]
    assert names[:3] == NAMES[:3]
    assert names[3] == '\'=HYPERLINK("http://x")'
    answers = {row[header.index("Motivation")] for row in data}
    assert answers == {"'+1 for resilience", "'@everyone", "'=cmd|' /C calc'!A0", "'-2 is fine\x01"}
    assert {row[header.index("Organisation")] for row in data} == {
        f"'\t{code} Rescue" for code in ("LV", "LT", "IS", "FI")
    }
    assert {row[header.index("Country")] for row in data} == {
        "Latvia",
        "Lithuania",
        "Iceland",
        "Finland",
    }


def test_xlsx_reads_back_with_text_cells_and_diacritics(client, cohort):
    client.force_login(staff_of(cohort))

    response = export(client, cohort, "xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert [row[0] for row in data] == [*NAMES[:3], '\'=HYPERLINK("http://x")']
    formula_cell = sheet.cell(row=5, column=1)
    assert formula_cell.data_type == "s", "stored as text, never as a formula"
    answers = [row[header.index("Motivation")] for row in data]
    # A control character, which a workbook cannot hold, is dropped instead of failing.
    assert answers == ["'+1 for resilience", "'@everyone", "'=cmd|' /C calc'!A0", "'-2 is fine"]
    assert data[0][header.index("Organisation")] == "'\tLV Rescue"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_export_follows_the_desk_filters_and_is_audited(client, cohort):
    staff = staff_of(cohort)
    client.force_login(staff)

    response = export(client, cohort, "csv", country="LT", sector="<junk>")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["Žydrūnas Šimkus"]
    entry = ModelLogEntry.objects.get(action="cohorts.cohort.export")
    assert entry.user == staff
    assert entry.data["rows"] == 1 and entry.data["format"] == "csv"


def test_other_cohorts_staff_cannot_export(client, cohort, make_cohort):
    client.force_login(staff_of(make_cohort()))
    for fmt in ("csv", "xlsx"):
        url = reverse(f"cohorts_desk_export_{fmt}", args=[cohort.pk])
        assert client.get(url).status_code == 404
    assert not ModelLogEntry.objects.filter(action="cohorts.cohort.export").exists()


ATTACK = "I lead a team;=cmd|' /C calc'!A0"


def cells_read_with(body: bytes, delimiter: str) -> list[str]:
    """The cells a spreadsheet set to `delimiter` as its list separator makes of the file."""
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


def test_csv_answer_with_the_regions_list_separator_never_becomes_a_formula(
    client, make_cohort, make_person
):
    cohort = make_cohort(enrolment_mode=EnrolmentMode.APPROVAL)
    question = ApplicationQuestion.objects.create(cohort=cohort, label="Leadership")
    person = make_person("DE", full_name="Søren Ærø")
    services.enrolment_apply(user=person, cohort=cohort, answers={question.field_name: ATTACK})
    client.force_login(staff_of(cohort))

    body = export(client, cohort, "csv").content

    # Read as the file was written, every field whole and quoted.
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1][rows[0].index("Leadership")] == "I lead a team;'=cmd|' /C calc'!A0"
    assert all(line.startswith('"') for line in body.decode("utf-8-sig").splitlines())
    # Read by a spreadsheet that splits on ";" or on tabs: no cell starts a formula.
    for delimiter in (";", ",", "\t", "|"):
        cells = cells_read_with(body, delimiter)
        assert not [c for c in cells if c.lstrip(' "').startswith(("=", "+", "-", "@"))], delimiter
