"""What every attendance service shares: the desk's busy message, token and method constants,
how people and days are written, and the desk's transaction."""

import datetime as dt

from django.utils import dateformat

from cohorts.errors import CohortsError
from lms.locking import busy_transaction

ATTENDED_EVENT = "programmes.activity.attended"
BUSY_MESSAGE = "The desk is busy right now. Nothing was recorded; please try again."
# A pass's QR code carries the address of the pass (a phone's own camera app opens the desk with
# it); staff may also type the code alone. 256 random bits, URL-safe base64 without padding.
TOKEN_PATTERN = r"[A-Za-z0-9_-]{43}"  # noqa: S105 (a pattern, not a secret)


METHODS = ("scan", "code", "search", "list")
DAY_FORMAT = "l j F Y"


def person_name(user) -> str:
    return user.get_full_name() or user.email


def day_text(value: dt.datetime | dt.date) -> str:
    """“Monday 5 April 2027”."""
    return dateformat.format(value, DAY_FORMAT)


def attendance_transaction():
    """A durable transaction for a desk action: a busy database, or a record written at the same
    moment by another desk, becomes a friendly message and nothing is recorded."""
    return busy_transaction(
        error=CohortsError, message=BUSY_MESSAGE, collision=("conflict", BUSY_MESSAGE)
    )


def actor_of(actor):
    """The person to name in the audit log: None for the system and for anonymous users."""
    return actor if actor is not None and actor.is_authenticated else None
