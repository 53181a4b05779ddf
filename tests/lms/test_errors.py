"""Every code an app raises is in its error's code table, so the table is the whole list."""

import ast
from pathlib import Path

import pytest

from certificates.errors import CertificatesError
from cohorts.errors import CohortsError
from lms.errors import DomainError, LmsError
from programmes.errors import ProgrammesError

ROOT = Path(__file__).resolve().parents[2]
ERRORS = {
    "LmsError": LmsError,
    "CohortsError": CohortsError,
    "GroupBookingRefused": CohortsError,
    "CertificatesError": CertificatesError,
    "ProgrammesError": ProgrammesError,
}


def _raised_codes():
    for app in ("lms", "programmes", "cohorts", "certificates"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", None)
                first = node.args[0]
                if name in ERRORS and isinstance(first, ast.Constant):
                    yield name, first.value, f"{path.relative_to(ROOT)}:{node.lineno}"


def test_every_raised_code_is_in_its_apps_table():
    missing = [
        f"{where}: {name}({code!r})"
        for name, code, where in _raised_codes()
        if code not in ERRORS[name].codes
    ]
    assert missing == []


def test_each_app_error_is_a_domain_error_with_the_shared_codes():
    for error in set(ERRORS.values()):
        assert issubclass(error, DomainError)
        assert {"busy", "conflict"} <= set(error.codes)


@pytest.mark.parametrize("error", [LmsError, CohortsError, CertificatesError, ProgrammesError])
def test_a_code_alone_shows_the_tables_message_and_a_call_site_may_say_more(error):
    code = next(iter(error.codes))
    assert error(code).message == error.codes[code]
    assert str(error(code, "More precisely.")) == "More precisely."
    assert error(code).code == code
