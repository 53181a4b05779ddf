"""Ages: whole years lived on a given day, and the age of majority used across the site (group
leaders, lone minors in peer groups, certificates of minors)."""

import datetime

ADULT_AGE = 18


def age_on(
    *,
    on: datetime.date,
    birth_date: datetime.date | None = None,
    birth_year: int | None = None,
) -> int:
    """Whole years lived on `on` (someone born on 29 February turns a year older on 1 March in
    other years). With only the birth year known, the younger of the two possible ages, so that
    nobody is taken for an adult too early."""
    if birth_date is not None:
        before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
        return on.year - birth_date.year - before_birthday
    if birth_year is None:
        raise ValueError("age_on needs a birth date or a birth year")
    return on.year - birth_year - (0 if (on.month, on.day) == (12, 31) else 1)


def is_minor_on(*, on: datetime.date, birth_date: datetime.date | None) -> bool:
    """True when someone born on `birth_date` is under ADULT_AGE on `on`; no date, no minor."""
    return birth_date is not None and age_on(on=on, birth_date=birth_date) < ADULT_AGE
