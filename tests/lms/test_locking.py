"""A busy database (a lock wait that ran out, a broken deadlock, a locked SQLite file) becomes the
friendly "busy" error; a unique collision only means what its caller says it means."""

import pytest
from django.db import IntegrityError, OperationalError

from cohorts.errors import CohortsError
from lms.locking import busy_guard, is_busy


class _DriverError(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _operational(sqlstate=None, text="error"):
    exc = OperationalError(text)
    exc.__cause__ = _DriverError(sqlstate) if sqlstate else None
    return exc


@pytest.mark.parametrize(
    "exc",
    [
        _operational("55P03", "canceling statement due to lock timeout"),
        _operational("40P01", "deadlock detected"),
        _operational(text="database is locked"),
    ],
)
def test_lock_timeouts_deadlocks_and_a_locked_file_are_busy(exc):
    assert is_busy(exc)
    with pytest.raises(CohortsError) as caught, busy_guard(error=CohortsError, message="Later."):
        raise exc
    assert (caught.value.code, caught.value.message) == ("busy", "Later.")


def test_other_operational_errors_are_real_faults():
    exc = _operational("08006", "connection failure")
    assert not is_busy(exc)
    with pytest.raises(OperationalError), busy_guard(error=CohortsError):
        raise exc


def test_a_collision_is_not_busy_unless_the_caller_says_what_it_means():
    with pytest.raises(IntegrityError), busy_guard(error=CohortsError):
        raise IntegrityError("duplicate key")
    with (
        pytest.raises(CohortsError) as caught,
        busy_guard(error=CohortsError, collision=("conflict", "Someone took it.")),
    ):
        raise IntegrityError("duplicate key")
    assert (caught.value.code, caught.value.message) == ("conflict", "Someone took it.")
