"""CSV and XLSX exports of a cohort's enrolments for the cohort desk, safe to open in a
spreadsheet: no cell is ever read as a formula, and every diacritic survives."""

import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from cohorts.places.models import Cohort, EnrolmentState
from cohorts.places.selectors import waitlist_of
from lms.spreadsheets import CSV_CONTENT_TYPE as CSV_CONTENT_TYPE  # re-exported for the views
from lms.spreadsheets import cell_safe as cell_safe
from lms.spreadsheets import csv_bytes, xlsx_value

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(value: dt.datetime | None) -> dt.datetime | None:
    # Spreadsheets have no time zones: show the time as staff read it on the desk.
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


def enrolment_table(cohort: Cohort, enrolments) -> tuple[list[str], list[list]]:
    """The header and rows of an export: one row per enrolment, one column per question."""
    enrolments = list(enrolments)
    questions = [(str(q.pk), q.label) for q in cohort.questions.all()]
    known = {key for key, _label in questions}
    for enrolment in enrolments:
        for key, item in (enrolment.answers or {}).items():
            if key not in known:
                known.add(key)
                label = item.get("question") if isinstance(item, dict) else None
                questions.append((key, str(label or _("Question %(key)s") % {"key": key})))
    positions = {
        pk: number for number, pk in enumerate(waitlist_of(cohort).values_list("pk", flat=True), 1)
    }
    header = [
        _("Full name"),
        _("E-mail"),
        _("Country"),
        _("Country code"),
        _("Organisation"),
        _("Sector"),
        _("Level"),
        _("State"),
        _("Source"),
        # Translators: a column header: when the application was submitted.
        _("Submitted"),
        # Translators: a column header: when staff decided.
        _("Decided"),
        _("Decision reason"),
        _("Waitlist position"),
        # Translators: a column header: why the person was passed over on the waitlist.
        _("Skipped"),
        *(label for _key, label in questions),
    ]
    rows = []
    for enrolment in enrolments:
        answers = enrolment.answers or {}
        row = [
            enrolment.user.get_full_name() or enrolment.user.email,
            enrolment.user.contact_address,
            enrolment.country.name if enrolment.country else "",
            enrolment.country.code if enrolment.country else "",
            enrolment.organisation.name if enrolment.organisation else "",
            enrolment.get_sector_display(),
            enrolment.get_level_display(),
            str(EnrolmentState(enrolment.state).label),
            enrolment.get_source_display(),
            _local(enrolment.submitted_at),
            _local(enrolment.decided_at),
            enrolment.decision_reason,
            positions.get(enrolment.pk),
            enrolment.skipped_reason,
        ]
        for key, _label in questions:
            item = answers.get(key)
            row.append(str(item.get("answer", "")) if isinstance(item, dict) else str(item or ""))
        rows.append(row)
    return header, rows


def as_csv(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, every field quoted and neutralised (lms.spreadsheets)."""
    return csv_bytes([header, *rows])


def as_xlsx(header: list[str], rows: list[list], *, title: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    # Translators: the name of the spreadsheet's sheet.
    sheet.title = (title or _("Enrolments"))[:31]
    for row in [header, *rows]:
        sheet.append([xlsx_value(value) for value in row])
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, 1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(len(name), 12), 40)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_filename(cohort: Cohort, extension: str) -> str:
    return f"{cohort.slug}-enrolments-{timezone.localdate():%Y-%m-%d}.{extension}"
