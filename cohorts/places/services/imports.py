"""The cohort desk's CSV import of nominees, under the cohort's lock."""

from dataclasses import dataclass

from django.db import transaction

from cohorts.errors import CohortsError
from cohorts.places.models import (
    Cohort,
    Enrolment,
    EnrolmentSource,
)
from cohorts.places.services.book import PlaceBook, enrolment_audit, place_lock, place_transaction
from cohorts.places.services.nominations import Nominee, nominate


@dataclass
class ImportOutcome:
    imported: dict[int, Enrolment]  # by the row's number in the file
    failed: dict[int, str]


class _ImportRolledBack(Exception):
    pass


def enrolments_import(
    *,
    cohort: Cohort,
    rows: list[tuple[int, Nominee]],
    actor,
    all_or_nothing: bool = True,
    file_name: str = "",
) -> ImportOutcome:
    """Nominate the rows of a checked CSV file under the cohort's lock, through the same place
    rules as every other path; each nominee is invited by the `nominated` event. All or
    nothing by default: a row that fails now (a place taken since the check, say) rolls the
    whole file back; otherwise each failing row is rolled back alone."""
    outcome = ImportOutcome(imported={}, failed={})
    try:
        with place_transaction():
            place_lock(cohort)
            book = PlaceBook(cohort)
            for number, nominee in rows:
                try:
                    with transaction.atomic():
                        enrolment = nominate(
                            cohort=cohort,
                            nominee=nominee,
                            actor=actor,
                            source=EnrolmentSource.IMPORT,
                            book=book,
                        )
                        enrolment_audit(
                            enrolment, "import", actor, row=number, file=file_name[:200]
                        )
                except CohortsError as exc:
                    outcome.failed[number] = exc.message
                    continue
                outcome.imported[number] = enrolment
            if outcome.failed and all_or_nothing:
                raise _ImportRolledBack
    except _ImportRolledBack:
        outcome.imported = {}
    return outcome
