"""Busy databases: a lock wait that ran out or a deadlock the database broke becomes one friendly
"busy, please try again" error (code `busy`) instead of a 500, and nothing is changed."""

import contextlib

from django.db import IntegrityError, OperationalError, transaction

from lms.errors import DomainError

# PostgreSQL: 55P03 lock_not_available (lock_timeout ran out), 40P01 deadlock_detected (this
# side was aborted to break a deadlock). Either way the other writer goes on and a retry works.
BUSY_SQLSTATES = frozenset({"55P03", "40P01"})


def is_busy(exc: OperationalError) -> bool:
    """True for a lock timeout or a broken deadlock (PostgreSQL), or a locked database (SQLite):
    the failures that a retry a moment later cures. Anything else is a real fault."""
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state in BUSY_SQLSTATES:
        return True
    return "database is locked" in str(exc)


@contextlib.contextmanager
def busy_guard(
    *,
    error: type[DomainError],
    message: str | None = None,
    collision: tuple[str, str] | None = None,
):
    """Turn a busy database inside the block into `error("busy", message)`. An IntegrityError is
    not busy: it passes through unless the caller names what a collision means for it, as
    `collision=(code, message)` (for example two desks taking the same place at once)."""
    try:
        yield
    except OperationalError as exc:
        if is_busy(exc):
            raise error("busy", message) from exc
        raise
    except IntegrityError as exc:
        if collision is None:
            raise
        raise error(*collision) from exc


@contextlib.contextmanager
def busy_transaction(
    *,
    error: type[DomainError],
    message: str | None = None,
    collision: tuple[str, str] | None = None,
):
    """A durable transaction for an entry point, inside `busy_guard` (the commit itself can be
    the moment a lock or deadlock shows, so the guard is outside the transaction)."""
    with busy_guard(error=error, message=message, collision=collision):
        with transaction.atomic(durable=True):
            yield
