"""Shared fixtures: jobs run inline (django-q2 sync mode), a clean cache per test, factories, and
the rows migrations made put back after every test that commits (see `pytest_runtest_teardown`)."""

import os
import shutil

import pytest

from tests.object_storage import object_storage, s3_server  # noqa: F401 (fixtures)


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    return path if path and os.path.exists(path) else None


def pytest_configure(config):
    # Queued jobs run in the caller, so a test sees their effects (and their exceptions).
    from django_q.conf import Conf

    from tests import db_templates

    Conf.SYNC = True
    # The embedded default's test databases start as a copy of one migrated database.
    db_templates.install()


def flushes_database(item) -> bool:
    """Whether the test commits (a live server, real threads or processes) and so ends with
    Django emptying the whole database instead of rolling a transaction back."""
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or "live_server" in fixtures


def _restores_migrated_rows(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("serialized_rollback"))


def pytest_collection_modifyitems(config, items):
    # A committing test without serialized_rollback would leave the database to Django's
    # post-migrate handlers, which remake content types under new ids: every later test in the
    # same process would then fail in ways that have nothing to do with it.
    unsafe = [
        item.nodeid
        for item in items
        if flushes_database(item) and not _restores_migrated_rows(item)
    ]
    if unsafe:
        raise pytest.UsageError(
            "Tests that commit must be marked "
            "@pytest.mark.django_db(transaction=True, serialized_rollback=True): "
            + ", ".join(unsafe)
        )
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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A test that commits ends with Django emptying the database, taking with it what the
    migrations made (the Wagtail root and home page, the site, content types). Put those rows
    back at once, so that the next test in this process finds the database as migrations left
    it whichever kind of test it is, and committing tests can run in any process, in any order.
    When the next test reloads them itself first, or no test follows, nothing is done."""
    try:
        return (yield)
    finally:
        if (
            nextitem is not None
            and flushes_database(item)
            and not _restores_migrated_rows(nextitem)
        ):
            _restore_migrated_rows(item.config)


def _restore_migrated_rows(config) -> None:
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock():
        for connection in connections.all():
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """PostgreSQL test databases do not wait for each commit to reach the disk: they are thrown
    away at the end, and migrations, browser and concurrency tests commit thousands of times.
    What other connections see, and when, is unchanged. They start migrated, copied from a
    template database."""
    from django.conf import settings

    from tests import db_templates

    for database in settings.DATABASES.values():
        if database["ENGINE"] == "django.db.backends.postgresql":
            options = database.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()
            # Each test database starts as a copy of one migrated database (tests/db_templates.py).
            database.setdefault("TEST", {})["TEMPLATE"] = db_templates.postgres(database)


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

    from lms import near_cache as near

    cache.clear()
    near.reset()
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
def event_declare():
    """Declare events of a test in the catalogue (emit refuses undeclared ones), removed after
    the test: `event_declare("tests.thing.happened", "n")` allows the payload key `n`."""
    from lms.events.catalogue import EventType, collect

    catalogue = collect()
    added = []

    def declare(name: str, *payload: str) -> None:
        catalogue.declare(EventType(name=name, about="", payload=payload, emitted_by=("tests",)))
        added.append(name)

    yield declare
    for name in added:
        catalogue.events.pop(name, None)


@pytest.fixture(autouse=True)
def _logins_are_finished(monkeypatch):
    """`client.force_login(user)` (and `client.login(...)`) stand for a finished login, both
    factors: the session counts as having passed the second factor, so the many tests of
    staff pages need not repeat it. The tests of the second factor itself log in through the
    real forms (`client.post(reverse("login"), ...)`), which this leaves alone. The test
    client's password login also passes a request, as the login page does, so that the
    failed-login lockout sees it."""
    from django.contrib.auth import authenticate
    from django.http import HttpRequest
    from django.test import Client

    from lms.signin.middleware import VERIFIED_KEY

    def _login(self, user, backend=None):
        from importlib import import_module

        from django.conf import settings
        from django.contrib.auth import login as auth_login

        request = HttpRequest()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
        request.session = self.session or import_module(settings.SESSION_ENGINE).SessionStore()
        auth_login(request, user, backend)
        request.session[VERIFIED_KEY] = "test"
        request.session.save()
        self._set_login_cookies(request)

    def login(self, **credentials):
        request = HttpRequest()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
        found = authenticate(request, **credentials)
        if found is None:
            return False
        self._login(found)
        return True

    monkeypatch.setattr(Client, "_login", _login)
    monkeypatch.setattr(Client, "login", login)


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture(autouse=True)
def _english_to_start_with():
    """Every test starts in English: a request leaves its language active in the thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
