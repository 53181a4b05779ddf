"""Loaded with `-p tests.xdist_workers`: each pytest-xdist worker gets its own Redis database and
job-queue name before Django reads its settings, so parallel workers neither flush each other's
cache nor take each other's queued jobs (pytest-django already gives each its own SQL database).

Tests go to whichever worker is free (`--dist load`): tests that commit put back what migrations
made when they end (tests/conftest.py), so they need no worker of their own."""

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
