"""Fixtures of the security tests: the world of tests.security.world, built once per test."""

import pytest

from tests.cohorts.conftest import (  # noqa: F401 (fixtures)
    clock,
    home,
    make_programme,
    programme,
    programme_index,
)
from tests.security.world import World, build


@pytest.fixture
def world(programme, clock, mailoutbox) -> World:  # noqa: F811
    return build(programme, clock)
