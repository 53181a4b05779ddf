"""Fixtures of the deployment tests: the cohorts' and certificates' builders."""

import types

import pytest

from tests.cohorts.conftest import (  # noqa: F401 (fixtures)
    home,
    make_cohort,
    make_person,
    make_programme,
    programme,
    programme_index,
)


@pytest.fixture
def s3_storage(tmp_path, settings):
    """Placeholder until the object store lands: one shared folder."""
    shared = tmp_path / "shared"
    settings.PRIVATE_ROOT = shared / "private"
    return types.SimpleNamespace(
        env={"PRIVATE_ROOT": str(shared / "private"), "MEDIA_ROOT": str(shared / "media")}
    )
