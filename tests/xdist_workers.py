"""Loaded with `-p tests.xdist_workers`: each pytest-xdist worker gets its own Redis database and
job-queue name before Django reads its settings, so parallel workers neither flush each other's
cache nor take each other's queued jobs (pytest-django already gives each its own SQL database)."""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest


def _worker_index() -> int | None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else None


def _redis_url_for_worker(url: str, index: int) -> str:
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + index) % 16}"))


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    index = _worker_index()
    if index is None:
        return
    if os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = _redis_url_for_worker(os.environ["REDIS_URL"], index)
    os.environ["Q_NAME"] = f"{os.environ.get('Q_NAME', 'bsr-academy')}-gw{index}"


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or "live_server" in fixtures


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Tests that commit (browser tests behind a live server, concurrency tests) empty the
    database when they end, taking the home page and content types that migrations made with
    them. One process runs them all, after its other database tests (pytest-django orders them
    last, and `--dist loadgroup` hands the group out in that order)."""
    for item in items:
        if _transactional(item):
            item.add_marker(pytest.mark.xdist_group("transactional"))
