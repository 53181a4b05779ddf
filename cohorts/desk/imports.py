"""CSV import of nominees for the cohort desk: read and check a file row by row, and preview the
places each row would get; the write is `services.enrolments_import`."""

import codecs
import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_countries import countries

from cohorts.errors import CohortsError
from cohorts.places.models import Cohort, Enrolment
from cohorts.places.services import Nominee, PlaceDryRun
from lms.models import Level, Organisation, Profile, Sector
from lms.names import name_clean

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = ("email", "full_name", "country", "organisation", "sector", "level")
REQUIRED = ("email", "full_name", "country")
ALIASES = {
    "e_mail": "email",
    "email_address": "email",
    "e_mail_address": "email",
    "name": "full_name",
    "fullname": "full_name",
    "organization": "organisation",
    "last_name": "family_name",
    "surname": "family_name",
    "year_of_birth": "birth_year",
    "date_of_birth": "birth_date",
}
ENCODING_HELP = gettext_lazy(
    "Save it as UTF-8 and upload it again: in Excel choose “Save as” → “CSV UTF-8 (comma "
    "delimited)”; in LibreOffice tick “Edit filter settings” and choose “Unicode (UTF-8)”."
)


@dataclass
class ImportRow:
    """One data row, numbered as a spreadsheet shows it (the header is row 1)."""

    number: int
    email: str = ""
    full_name: str = ""
    country: str = ""
    organisation: str = ""
    sector: str = ""
    level: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def country_name(self) -> str:
        return countries.name(self.country) or self.country

    def nominee(self) -> Nominee:
        return Nominee(
            email=self.email,
            full_name=self.full_name,
            country=self.country,
            organisation_name=self.organisation,
            sector=self.sector,
            level=self.level,
        )


@dataclass
class ParsedFile:
    rows: list[ImportRow]
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.ok]

    @property
    def invalid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.ok]


# --- reading the file -------------------------------------------------------------------------


def read_upload(uploaded) -> str:
    """The uploaded file's text; a CohortsError ("bad_file") for a file too big or not UTF-8."""
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_BYTES:
        raise CohortsError(
            "bad_file",
            _(
                "The file is %(size)s MB; the limit is 10 MB. "
                "Split it into smaller files and import them one after another."
            )
            % {"size": number_format(size / 1024 / 1024, 1)},
        )
    data = uploaded.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise CohortsError(
            "bad_file", _("The file is larger than 10 MB; split it into smaller files.")
        )
    return decode(data)


def decode(data: bytes) -> str:
    """UTF-8 (with or without Excel's byte-order mark) or UTF-16 with its byte-order mark.
    Nothing else is guessed: the region's single-byte code pages (Windows-1252, -1257, -1250)
    share their byte values, so “Jānis” saved in one reads as another name in the next, and a
    wrong guess would put misspelt names on certificates."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise CohortsError(
                "bad_file", _("The file is damaged: it is not readable as UTF-16.")
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CohortsError(
            "bad_file",
            _(
                "The file is not in UTF-8: line %(line)s has characters that cannot be read, so "
                "names with letters such as ā, ž or ø would be garbled. %(help)s"
            )
            % {"line": line, "help": ENCODING_HELP},
        ) from None


def _column(name: str) -> str:
    key = "_".join(name.strip().strip("\ufeff").lower().replace("-", "_").split())
    return ALIASES.get(key, key)


@dataclass
class Table:
    """The data rows of a CSV file: (row number as a spreadsheet shows it, {column: cell})."""

    rows: list[tuple[int, dict[str, str]]]
    ignored_columns: list[str] = field(default_factory=list)


def table_read(text: str, *, columns: tuple[str, ...], required: tuple[str, ...]) -> Table:
    """The CSV text's rows under the named columns (a comma, semicolon or tab file, column names
    in any case, empty rows skipped), or a CohortsError ("bad_file") saying what is wrong."""
    if "\x00" in text:
        raise CohortsError("bad_file", _("The file contains binary data; is it really a CSV file?"))
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CohortsError(
            "bad_file", _("The file is empty, or its first line (the column names) is.")
        )
    header_line = lines[0]
    # Excel writes semicolons or tabs in many European locales.
    delimiter = max((",", ";", "\t"), key=header_line.count)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        records = list(reader)
    except csv.Error as exc:
        raise CohortsError(
            "bad_file", _("The file is not a readable CSV file (%(error)s).") % {"error": exc}
        ) from None
    header = [_column(name) for name in records[0]]
    missing = [name for name in required if name not in header]
    if missing:
        raise CohortsError(
            "bad_file",
            _("The first line must name the columns: %(columns)s. Missing: %(missing)s.")
            % {"columns": ", ".join(columns), "missing": ", ".join(missing)},
        )
    ignored = [name for name in records[0] if _column(name) not in columns and name.strip()]
    positions = {name: header.index(name) for name in columns if name in header}
    data = records[1:]
    if len(data) > MAX_ROWS:
        raise CohortsError(
            "bad_file",
            ngettext(
                "The file has %(count)s row; at most %(max)s can be imported at once.",
                "The file has %(count)s rows; at most %(max)s can be imported at once.",
                len(data),
            )
            % {"count": len(data), "max": MAX_ROWS},
        )
    rows = []
    for index, record in enumerate(data, start=2):
        if not any(cell.strip() for cell in record):
            continue
        values = {
            name: (record[pos] if pos < len(record) else "") for name, pos in positions.items()
        }
        rows.append((index, values))
    if not rows:
        raise CohortsError("bad_file", _("The file has column names but no rows to import."))
    return Table(rows=rows, ignored_columns=ignored)


def parse(text: str) -> ParsedFile:
    """Rows of the CSV text, each cleaned and checked on its own (no database). Cells are text
    only: a cell such as “=HYPERLINK(...)” is kept as the characters it contains."""
    table = table_read(text, columns=COLUMNS, required=REQUIRED)
    rows = [_row_clean(number, values) for number, values in table.rows]
    _duplicates_mark(rows)
    return ParsedFile(rows=rows, ignored_columns=table.ignored_columns)


def _choice(value: str, choices) -> str | None:
    wanted = value.strip().lower()
    for key, label in choices:
        if wanted in (key.lower(), str(label).lower()):
            return key
    return None


def _row_clean(number: int, values: dict) -> ImportRow:
    row = ImportRow(number=number)
    email = " ".join(values.get("email", "").split())
    if not email:
        row.errors.append(_("the e-mail address is missing"))
    else:
        try:
            validate_email(email)
        except ValidationError:
            row.errors.append(
                _("“%(email)s” is not a valid e-mail address") % {"email": email[:80]}
            )
        else:
            row.email = email.lower()
    row.email = row.email or email[:254]
    row.full_name = name_clean(values.get("full_name"))
    if not row.full_name:
        row.errors.append(_("the full name is missing"))
    country = values.get("country", "").strip()
    code = countries.alpha2(country) if 2 <= len(country) <= 3 else ""
    if not code and country:
        code = countries.by_name(country) or ""
    if not country:
        row.errors.append(_("the country is missing"))
    elif not code:
        row.errors.append(
            _("unknown country “%(country)s” (use a two-letter code such as FI)")
            % {"country": country[:40]}
        )
    row.country = code or country[:40]
    row.organisation = name_clean(values.get("organisation"))
    for name, choices in (("sector", Sector.choices), ("level", Level.choices)):
        value = values.get(name, "").strip()
        if not value:
            continue
        key = _choice(value, choices)
        if key is None:
            known = ", ".join(key for key, _label in choices)
            # Translators: %(column)s is a column name of the file: "sector" or "level".
            message = _("unknown %(column)s “%(value)s” (one of: %(known)s)")
            row.errors.append(message % {"column": name, "value": value[:40], "known": known})
            setattr(row, name, value[:40])
        else:
            setattr(row, name, key)
    return row


def _duplicates_mark(rows: list[ImportRow]) -> None:
    first: dict[str, int] = {}
    for row in rows:
        key = row.email.lower()
        if not key:
            continue
        if key in first:
            row.errors.append(_("the same e-mail address as row %(row)s") % {"row": first[key]})
        else:
            first[key] = row.number


# --- checking against the cohort --------------------------------------------------------------


def check(cohort: Cohort, parsed: ParsedFile) -> ParsedFile:
    """Mark rows whose person is already in the cohort, and rows for whom no place would be
    left, taking the file's valid rows in order against the cohort's places as they are now."""
    emails = [row.email for row in parsed.rows if row.email]
    profiles = {
        profile.user.email.lower(): profile
        for profile in Profile.objects.filter(user__email__in=emails).select_related("user")
    }
    enrolled = {
        email.lower(): state
        for email, state in Enrolment.objects.filter(
            cohort=cohort, user__email__in=emails
        ).values_list("user__email", "state")
    }
    book = PlaceDryRun(cohort)
    organisations: dict[tuple[str, str], Organisation] = {}
    for row in parsed.rows:
        if row.email in enrolled:
            state = Enrolment(state=enrolled[row.email]).get_state_display().lower()
            row.errors.append(_("already in this cohort (%(state)s)") % {"state": state})
        if not row.ok:
            continue
        enrolment = _would_be(cohort, row, profiles.get(row.email), organisations)
        blocked = book.take(enrolment)
        if blocked:
            row.errors.append(_("no place left: %(why)s") % {"why": blocked})
    return parsed


def _would_be(cohort, row: ImportRow, profile, organisations) -> Enrolment:
    """The enrolment `nominate` would make for this row, unsaved: a person who already has a
    profile keeps what they wrote in it, except the country the nomination is for."""
    enrolment = Enrolment(cohort=cohort, country=row.country)
    if profile is not None:
        enrolment.organisation_id = profile.organisation_id
        enrolment.sector = profile.sector
        enrolment.level = profile.level
        enrolment.gender = profile.gender
        return enrolment
    enrolment.sector = row.sector
    enrolment.level = row.level
    if row.organisation:
        key = (row.organisation.lower(), row.country)
        if key not in organisations:
            organisations[key] = Organisation.objects.filter(
                name__iexact=row.organisation, country=row.country
            ).first() or Organisation(
                # Not created yet: a stand-in id, shared by the rows naming it.
                pk=-(len(organisations) + 1),
                name=row.organisation,
                country=row.country,
            )
        enrolment.organisation = organisations[key]
    return enrolment
