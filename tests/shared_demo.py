"""The demo loaded once for a test module instead of once per test.

`manage.py load_demo` takes seconds (tens of them on a busy machine), and many tests only read
what it made. `demo_once()` gives a module a fixture that loads it once per test process, inside
a transaction that is rolled back when the module's tests are done; each test still runs in a
savepoint of its own (pytest-django's `db`), so what one test changes is gone before the next.
Tests that commit (live server, threads) cannot share it and load the demo themselves.

    demo = demo_once()                      # at module level
    def test_something(demo, client): ...
"""

import io

import pytest

TEST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def demo_once(*, commit_hooks: bool = False, **options):
    """A module-scoped fixture that loads the demo once, with `load_demo`'s `options`, and
    gives what it printed. With `commit_hooks`, what waits for the commit runs as the load ends
    (wagtail-localize publishes translations then), as it does outside tests."""

    @pytest.fixture(scope="module")
    def demo(django_db_setup, django_db_blocker, _file_roots, tmp_path_factory):
        from django.core.management import call_command
        from django.db import transaction
        from django.test import TestCase, override_settings

        media, private = _file_roots
        # What the per-test fixtures of tests/conftest.py set, for the loading done before them.
        settings = override_settings(
            PASSWORD_HASHERS=TEST_HASHERS,
            MEDIA_ROOT=media,
            PRIVATE_ROOT=private,
            PAGE_CACHE_GENERATION_FILE=str(tmp_path_factory.mktemp("demo") / "generation"),
        )
        with django_db_blocker.unblock(), settings:
            atomic = transaction.atomic()
            # As Django's TestCase marks its own: durable blocks inside are allowed.
            atomic._from_testcase = True
            atomic.__enter__()
            out = io.StringIO()
            try:
                if commit_hooks:
                    with TestCase.captureOnCommitCallbacks(execute=True):
                        call_command("load_demo", stdout=out, **options)
                else:
                    call_command("load_demo", stdout=out, **options)
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        yield out.getvalue()
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

    return demo
