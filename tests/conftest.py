"""Shared fixtures: jobs run inline (django-q2 sync mode), a clean cache per test, factories."""

import os
import shutil

import pytest


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    return path if path and os.path.exists(path) else None


def pytest_configure(config):
    # Queued jobs run in the caller, so a test sees their effects (and their exceptions).
    from django_q.conf import Conf

    Conf.SYNC = True


def pytest_collection_modifyitems(config, items):
    if chromium_path():
        return
    skip = pytest.mark.skip(reason="Chromium not found: install the Debian package 'chromium'")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if chromium_path():
        return
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "browser" in r.keywords]
    if skipped:
        terminalreporter.write_line(
            f"BROWSER TESTS SKIPPED ({len(skipped)}): Chromium was not found. Install the Debian "
            "package 'chromium' (or set CHROMIUM_PATH) to run them.",
            yellow=True,
            bold=True,
        )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The production hasher is deliberately slow; tests do not need that protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def _file_roots(tmp_path_factory):
    return tmp_path_factory.mktemp("media"), tmp_path_factory.mktemp("private")


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, _file_roots):
    """Uploads and private files (certificate PDFs) go to a temporary folder, not var/."""
    media, private = _file_roots
    settings.MEDIA_ROOT = media
    settings.PRIVATE_ROOT = private


@pytest.fixture(autouse=True)
def _own_generation_file(settings, tmp_path):
    # On SQLite the page cache's generation is a file's time: other runs in the same checkout
    # (a second test run, `make run`) must not purge this test's cache between two requests.
    settings.PAGE_CACHE_GENERATION_FILE = str(tmp_path / "page_cache_generation")


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _known_handlers():
    """Restore the event-handler registry after tests that register their own handlers."""
    from lms import events

    saved = {name: dict(handlers) for name, handlers in events._handlers.items()}
    yield
    events._handlers.clear()
    events._handlers.update(saved)


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()
