"""How the settings behave under each environment, read from real `manage.py` processes: the
production start refuses unsafe values, the embedded default boots on a bare machine, and
DATABASE_URL / REDIS_URL switch to the scale-out services.

Every test here starts `manage.py` in a subprocess (about 1-2 s each) with a clean environment
and a temporary VAR_DIR, so nothing in the checkout is written and the variables CI sets for its
PostgreSQL + Redis run do not leak in."""

import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

BASE_DIR = Path(django_settings.BASE_DIR)
# Every variable lms/settings.py reads, found in its source so that a new one is cleared too.
SETTINGS_VARIABLES = set(
    re.findall(
        r'(?:os\.environ\.get|env_bool|env_list)\(\s*"([A-Z0-9_]+)"',
        (BASE_DIR / "lms" / "settings.py").read_text(),
    )
)
STRONG_KEY = secrets.token_urlsafe(64)
PRODUCTION = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "academy.example.org",
}

# Printed as JSON from inside `manage.py shell`: the settings as the running process sees them,
# and what the SQLite connection really does.
INSPECT = """
import hashlib, json, sqlite3
from django.conf import settings
from django.db import connection, transaction

db = settings.DATABASES["default"]
out = {
    "DEBUG": settings.DEBUG,
    "ENGINE": db["ENGINE"],
    "NAME": str(db["NAME"]),
    "CONN_MAX_AGE": db.get("CONN_MAX_AGE"),
    "CONN_HEALTH_CHECKS": db.get("CONN_HEALTH_CHECKS"),
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": settings.CACHES["default"].get("LOCATION"),
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "Q_CLUSTER": settings.Q_CLUSTER,
    "SECRET_KEY_SHA256": hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest(),
    "SECRET_KEY_LENGTH": len(settings.SECRET_KEY),
}
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        for pragma in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys"):
            cursor.execute(f"PRAGMA {pragma}")
            out[pragma] = cursor.fetchone()[0]
    # With immediate transactions the write lock is taken at BEGIN, before anything is written:
    # a second writer that will not wait is turned away at once.
    with transaction.atomic():
        other = sqlite3.connect(db["NAME"], timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            out["second_writer"] = "got the write lock"
        except sqlite3.OperationalError as error:
            out["second_writer"] = str(error)
        finally:
            other.close()
print(json.dumps(out, default=str))
"""


@pytest.fixture
def var_dir(tmp_path):
    return tmp_path / "var"


def manage(*args: str, var_dir: Path, **variables: str) -> subprocess.CompletedProcess:
    """Run manage.py from the project root with only these settings variables set."""
    # Also drop what the browser tests set for their own process (it has a deploy-check warning).
    leaked = SETTINGS_VARIABLES | {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in leaked}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(VAR_DIR=str(var_dir), PYTHONDONTWRITEBYTECODE="1", **variables)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def inspect(var_dir: Path, **variables: str) -> dict:
    result = manage("shell", "--no-imports", "-c", INSPECT, var_dir=var_dir, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def refusal(result: subprocess.CompletedProcess) -> str:
    """The message a refused start ends with (the last line of the traceback)."""
    assert result.returncode != 0, "the process was expected to refuse to start"
    return result.stderr.strip().splitlines()[-1]


# --- Production refuses an unsafe start --------------------------------------------------------


def test_production_without_secret_key_refuses_to_start(var_dir):
    result = manage("check", var_dir=var_dir, **{**PRODUCTION, "SECRET_KEY": ""})

    message = refusal(result)
    assert "ImproperlyConfigured" in message
    assert "SECRET_KEY" in message
    assert not (var_dir / "secret_key").exists(), "production never makes up a key"


@pytest.mark.parametrize(
    "weak_key",
    [
        "change-me",
        "x" * 64,
        "django-insecure-" + secrets.token_urlsafe(50),
    ],
    ids=["short", "one-character", "django-insecure"],
)
def test_production_with_weak_secret_key_refuses_to_start(var_dir, weak_key):
    result = manage("check", var_dir=var_dir, **{**PRODUCTION, "SECRET_KEY": weak_key})

    message = refusal(result)
    assert "SECRET_KEY" in message
    assert weak_key not in result.stderr, "the key itself is never printed"


def test_production_without_allowed_hosts_refuses_to_start(var_dir):
    result = manage("check", var_dir=var_dir, **{**PRODUCTION, "ALLOWED_HOSTS": ""})

    assert "ALLOWED_HOSTS" in refusal(result)


def test_production_with_debug_on_refuses_to_start(var_dir):
    result = manage("check", var_dir=var_dir, **PRODUCTION, DEBUG="1")

    assert "DEBUG" in refusal(result)


def test_production_with_strong_key_and_hosts_passes_the_deploy_check(var_dir):
    result = manage("check", "--deploy", "--fail-level", "WARNING", var_dir=var_dir, **PRODUCTION)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in output.upper()


# --- The embedded default: no variables at all ---------------------------------------------


@pytest.fixture(scope="module")
def development(tmp_path_factory):
    """The settings of a bare development start, and of a second start with DEBUG=1 sharing the
    same VAR_DIR (as the web server and the job cluster do)."""
    var_dir = tmp_path_factory.mktemp("development") / "var"
    return inspect(var_dir), inspect(var_dir, DEBUG="1"), var_dir


def test_development_default_has_debug_off_unless_asked(development):
    plain, with_debug, _ = development

    assert plain["DEBUG"] is False
    assert with_debug["DEBUG"] is True


def test_development_default_makes_one_random_key_outside_the_checkout(development):
    plain, with_debug, var_dir = development

    assert plain["SECRET_KEY_LENGTH"] >= 50
    assert plain["SECRET_KEY_SHA256"] == with_debug["SECRET_KEY_SHA256"], "one key per checkout"
    key = (var_dir / "secret_key").read_text().strip()
    assert hashlib.sha256(key.encode()).hexdigest() == plain["SECRET_KEY_SHA256"]


def test_development_default_uses_sqlite_in_wal_mode_with_immediate_transactions(development):
    plain, _, var_dir = development

    assert plain["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(plain["NAME"]) == var_dir / "db.sqlite3"
    assert plain["journal_mode"] == "wal"
    assert plain["busy_timeout"] >= 5000, "writers queue instead of failing at once"
    assert plain["synchronous"] == 1, "NORMAL"
    assert plain["foreign_keys"] == 1
    assert plain["second_writer"] == "database is locked"


def test_development_default_uses_the_orm_broker_local_cache_and_the_development_mailbox(
    development,
):
    plain, _, _ = development

    assert plain["Q_CLUSTER"]["orm"] == "default"
    assert "redis" not in plain["Q_CLUSTER"]
    assert plain["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert plain["EMAIL_BACKEND"] == "lms.mail.mailbox.DevelopmentMailBackend"


def test_job_cluster_retries_only_after_the_timeout_and_skips_missed_runs(development):
    q_cluster = development[0]["Q_CLUSTER"]

    assert q_cluster["retry"] > q_cluster["timeout"] > 0
    assert q_cluster["catch_up"] is False


@pytest.mark.parametrize(
    "timeout, retry", [("600", "600"), ("600", "30")], ids=["equal", "shorter"]
)
def test_retry_not_longer_than_timeout_refuses_to_start(var_dir, timeout, retry):
    result = manage("check", var_dir=var_dir, Q_TIMEOUT=timeout, Q_RETRY=retry)

    message = refusal(result)
    assert "Q_RETRY" in message
    assert "Q_TIMEOUT" in message


# --- Scale-out: PostgreSQL and Redis, switched on by variables only --------------------------


def test_database_and_redis_urls_switch_to_postgresql_and_redis(var_dir):
    # Parsed only: nothing connects to these hosts.
    scaled = inspect(
        var_dir,
        DATABASE_URL="postgres://academy:secret@db.example.org:5432/academy",
        REDIS_URL="redis://cache.example.org:6379/2",
        Q_TIMEOUT="120",
    )

    assert scaled["ENGINE"] == "django.db.backends.postgresql"
    assert scaled["CONN_MAX_AGE"] > 0, "persistent connections"
    assert scaled["CONN_HEALTH_CHECKS"] is True
    assert scaled["Q_CLUSTER"]["redis"] == "redis://cache.example.org:6379/2"
    assert "orm" not in scaled["Q_CLUSTER"]
    assert scaled["CACHE"] == "lms.redis_cache.OutageTolerantRedisCache"
    assert scaled["CACHE_LOCATION"] == "redis://cache.example.org:6379/2"
    assert scaled["Q_CLUSTER"]["timeout"] == 120
    assert scaled["Q_CLUSTER"]["retry"] > 120, "retry follows a shorter timeout"
    assert not (var_dir / "db.sqlite3").exists()


# --- Behind a proxy: X-Forwarded-Proto is trusted only when asked --------------------------

FORWARDED = """
from django.conf import settings
from django.test import Client
response = Client().get("/", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="academy.example.org")
print(response.status_code, response.get("Location", ""))
print(getattr(settings, "SECURE_PROXY_SSL_HEADER", None))
"""


def test_a_client_claiming_https_by_header_is_redirected_unless_a_tls_proxy_is_declared(var_dir):
    plain = manage("shell", "--no-imports", "-c", FORWARDED, var_dir=var_dir, **PRODUCTION)
    assert plain.returncode == 0, plain.stderr
    status, header = plain.stdout.strip().splitlines()[-2:]

    assert status == "301 https://academy.example.org/", "the header proves nothing by itself"
    assert header == "None"

    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    proxied = manage(
        "shell", "--no-imports", "-c", code, var_dir=var_dir, **PRODUCTION, BEHIND_TLS_PROXY="1"
    )
    assert proxied.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')"
