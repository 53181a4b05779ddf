"""The pseudo-locale (tests/i18n/pseudo.py), built once per test run."""

import pytest

from tests.cohorts.conftest import (  # noqa: F401 (fixtures)
    clock,
    home,
    make_programme,
    programme,
    programme_index,
)
from tests.i18n import pseudo


@pytest.fixture(scope="session")
def pseudo_catalogue(tmp_path_factory):
    return pseudo.build(tmp_path_factory.mktemp("pseudo-locale"))


@pytest.fixture
def in_pseudo(settings, pseudo_catalogue):
    """The site with the pseudo-locale as one more language."""
    settings.LANGUAGES = [*settings.LANGUAGES, (pseudo.CODE, "Pseudo")]
    settings.LOCALE_PATHS = [str(pseudo_catalogue), *settings.LOCALE_PATHS]
    return pseudo.CODE
