"""CSV import of a group's members (the group leader's page): each row checked for its format
on its own; the group's rules are checked by `services.members_import`."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from cohorts.desk.imports import table_read
from cohorts.groups.services import MemberData
from lms.names import name_clean

MEMBER_COLUMNS = (
    "first_name",
    "family_name",
    "birth_year",
    "birth_date",
    "guardian_name",
    "guardian_email",
    "guardian_phone",
)
MEMBER_REQUIRED = ("first_name", "family_name", "birth_year")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")


@dataclass
class MemberImportRow:
    number: int
    data: MemberData
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def name(self) -> str:
        return f"{self.data.first_name} {self.data.family_name}".strip()


def members_parse(text: str) -> list[MemberImportRow]:
    """A class or troop list as rows of members, each checked for its format on its own; the
    group's rules (ages, guardians, duplicates) are checked by `groups.members_import`."""
    table = table_read(text, columns=MEMBER_COLUMNS, required=MEMBER_REQUIRED)
    rows = []
    for number, values in table.rows:
        errors = []
        year_text = values.get("birth_year", "").strip()
        year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
        if year is None:
            errors.append(
                _("“%(value)s” is not a year of birth (four digits, e.g. 2012)")
                % {"value": year_text[:20]}
                if year_text
                else _("the year of birth is missing")
            )
        birth_date = None
        date_text = values.get("birth_date", "").strip()
        if date_text:
            for fmt in DATE_FORMATS:
                try:
                    birth_date = dt.datetime.strptime(date_text, fmt).date()
                    break
                except ValueError:
                    continue
            else:
                errors.append(
                    _("“%(value)s” is not a date (write it as 2012-03-31)")
                    % {"value": date_text[:20]}
                )
        guardian_email = " ".join(values.get("guardian_email", "").split()).lower()
        if guardian_email:
            try:
                validate_email(guardian_email)
            except ValidationError:
                errors.append(
                    _("“%(value)s” is not a valid e-mail address") % {"value": guardian_email[:80]}
                )
        data = MemberData(
            first_name=name_clean(values.get("first_name"), limit=150),
            family_name=name_clean(values.get("family_name"), limit=150),
            birth_year=year,
            birth_date=birth_date,
            guardian_name=values.get("guardian_name", ""),
            guardian_email=guardian_email[:254],
            guardian_phone=values.get("guardian_phone", ""),
        )
        if not data.first_name or not data.family_name:
            errors.insert(0, _("the first or family name is missing"))
        rows.append(MemberImportRow(number=number, data=data, errors=errors))
    return rows
