"""/health/live and /health/ready as a load balancer sees them: JSON, 200 or 503, never cached,
no session, answered whatever the Host header; readiness fails when a real service is down (a
closed port, in this process or in a `manage.py` process configured for it)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from lms.storage import object_storages
from tests.local import free_port
from tests.object_storage import object_storage, s3_server  # noqa: F401 (fixtures)

BASE_DIR = Path(django_settings.BASE_DIR)
REDIS = "redis://127.0.0.1:6379/15"


@pytest.mark.django_db
def test_ready_with_everything_up(client):
    response = client.get("/health/ready", HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"},
    }
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie


@pytest.mark.django_db
def test_live_answers_any_host_without_a_session(client):
    response = client.get("/health/live", HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_ready_with_a_real_redis_cache(client):
    cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS}
    with override_settings(CACHES={"default": {**cache, "KEY_PREFIX": "ops-health"}}):
        response = client.get("/health/ready")
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_ready_is_503_when_the_cache_is_down(client):
    cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
    }
    with override_settings(CACHES={"default": cache}):
        response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert "127.0.0.1" not in response.content.decode()  # no error text, no addresses


# Run in `manage.py shell`: both endpoints, as a load balancer asks for them.
PROBE = """
import json
from django.test import Client
client = Client()
out = {}
for path in ("/health/live", "/health/ready"):
    r = client.get(path, HTTP_HOST="10.0.3.7")
    out[path] = [r.status_code, r.json()]
print("PROBE" + json.dumps(out))
"""


def probe(tmp_path, **variables) -> dict:
    drop = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "DEBUG"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(VAR_DIR=str(tmp_path / "var"), PYTHONDONTWRITEBYTECODE="1", **variables)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("PROBE")), None)
    assert line, result.stderr
    return json.loads(line.removeprefix("PROBE"))


def test_database_down(tmp_path):
    out = probe(tmp_path, DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/ops")
    assert out["/health/live"] == [200, {"status": "ok"}]  # restarting the web nodes won't help
    status, body = out["/health/ready"]
    assert status == 503
    assert body["checks"]["database"] == "unavailable"
    assert body["checks"]["broker"] == "unavailable"  # the ORM broker is that database


def test_redis_down(tmp_path):
    out = probe(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    status, body = out["/health/ready"]
    assert status == 503
    assert body["checks"] == {
        "database": "ok",
        "cache": "unavailable",
        "broker": "unavailable",
        "storage": "ok",
    }
    assert out["/health/live"][0] == 200


def test_redis_up(tmp_path):
    out = probe(tmp_path, REDIS_URL=REDIS, CACHE_PREFIX="ops-health")
    assert out["/health/ready"] == [
        200,
        {
            "status": "ok",
            "checks": {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"},
        },
    ]


@pytest.mark.django_db
def test_ready_follows_the_object_store(client, object_storage, settings):  # noqa: F811
    assert client.get("/health/ready").status_code == 200

    # The bucket gone (a wrong name, a store that lost it): not ready, in plain words only.
    settings.STORAGES = {
        **settings.STORAGES,
        **object_storages(object_storage.url.replace(object_storage.private_bucket, "gone"), {}),
    }
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "unavailable"
    assert response.json()["checks"]["database"] == "ok"

    # The store unreachable: a closed port.
    port = free_port()
    unreachable = object_storage.url.replace(
        object_storage.url.split("@")[1].split("/")[0], f"127.0.0.1:{port}"
    )
    settings.STORAGES = {**settings.STORAGES, **object_storages(unreachable, {})}
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "unavailable"
    assert str(port) not in response.content.decode()
