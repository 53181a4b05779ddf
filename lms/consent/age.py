"""The age of digital consent (GDPR art. 8) of a country on a given day, read from the rows that
programme admins keep in the Wagtail admin, and whether a young person needs a guardian."""

import datetime

from django.utils import timezone

from lms.ages import age_on
from lms.consent.models import DigitalConsentAge

# GDPR art. 8(1): where a member state has set no lower age, consent needs a guardian under 16.
# Used for a country without a row (or before its first row applies), and when no country is
# given: the strictest reading is the safe one.
DEFAULT_CONSENT_AGE = 16


def digital_consent_age(*, country: str, on: datetime.date) -> int:
    """The age in force in `country` on `on`: the row with the latest `valid_from` on or before
    that day, else DEFAULT_CONSENT_AGE. One indexed query, never cached, so an admin's new row
    applies from the first request on its day."""
    country = str(country or "").upper()
    if not country:
        return DEFAULT_CONSENT_AGE
    age = (
        DigitalConsentAge.objects.filter(country=country, valid_from__lte=on)
        .order_by("-valid_from")
        .values_list("age", flat=True)
        .first()
    )
    return DEFAULT_CONSENT_AGE if age is None else age


def needs_guardian(
    *, country: str, date_of_birth: datetime.date | None, on: datetime.date | None = None
) -> bool:
    """True when someone born on `date_of_birth` is under `country`'s age of digital consent on
    `on` (today by default). Without a date of birth nothing is known, so no."""
    if date_of_birth is None:
        return False
    on = on or timezone.localdate()
    return age_on(birth_date=date_of_birth, on=on) < digital_consent_age(country=country, on=on)
