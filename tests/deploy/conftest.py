"""Fixtures of the deployment tests: the cohorts' builders and the S3 test server."""

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
from tests.object_storage import object_storage, s3_server  # noqa: F401 (fixtures)


@pytest.fixture
def s3_storage(object_storage):  # noqa: F811
    """Every node's files in the same two buckets of the S3 test server, as in production."""
    return types.SimpleNamespace(env={"STORAGE_URL": object_storage.url}, store=object_storage)
