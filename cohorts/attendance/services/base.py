"""What every attendance service shares: the desk's busy message, token and method constants,
how people and days are written, and the desk's transaction."""

import datetime as dt

from django.utils import dateformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from cohorts.errors import CohortsError
from lms.locking import busy_transaction

ATTENDED_EVENT = "programmes.activity.attended"
BUSY_MESSAGE = _("The desk is busy right now. Nothing was recorded; please try again.")
# A pass's QR code carries the address of the pass (a phone's own camera app opens the desk with
# it); staff may also type the code alone. 256 random bits, URL-safe base64 without padding.
TOKEN_PATTERN = r"[A-Za-z0-9_-]{43}"  # noqa: S105 (a pattern, not a secret)


METHODS = ("scan", "code", "search", "list")
DAY_FORMAT = "l j F Y"  # in English; `day_text` writes a day in the active language


def person_name(user) -> str:
    return user.get_full_name() or user.email


def day_text(value: dt.datetime | dt.date) -> str:
    """“Monday 5 April 2027”, in the active language's order and words."""
    # Translators: how a day is written, in Django's date format characters (l: weekday, j: day,
    # F: month name, Y: year), e.g. "Tuesday 15 January 2030". Reorder for your language.
    return dateformat.format(value, pgettext("date format", "l j F Y"))


def attendance_transaction():
    """A durable transaction for a desk action: a busy database, or a record written at the same
    moment by another desk, becomes a friendly message and nothing is recorded."""
    message = str(BUSY_MESSAGE)  # in the language of the request
    return busy_transaction(error=CohortsError, message=message, collision=("conflict", message))


def actor_of(actor):
    """The person to name in the audit log: None for the system and for anonymous users."""
    return actor if actor is not None and actor.is_authenticated else None
