"""Request ids: every response carries one (the caller's when well-formed), every JSON log line
of the request carries it, and a job the request queued logs it too when a worker runs it from
the broker (in a context of its own, so the id can only have come with the job)."""

import contextvars
import io
import json
import logging.config
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.tasks import _sync

from lms import jobs
from lms.operations.requestid import RequestIdFilter
from tests.factories import UserFactory
from tests.local import free_port

BASE_DIR = Path(django_settings.BASE_DIR)
GIVEN = "edge-4f1c2a9d8e7b6a5c"


def _parse(line: str) -> dict:
    try:
        return json.loads(line)
    except ValueError:
        pytest.fail(f"not one JSON object: {line!r}")


@pytest.fixture
def json_logs():
    """The console handler of LOG_FORMAT=json (its formatter and filter from the settings),
    writing to a buffer; yields a function that returns the JSON lines written so far."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    configurator = logging.config.DictConfigurator({})
    handler.setFormatter(
        configurator.configure_formatter(dict(django_settings.LOG_FORMATTERS["json"]))
    )
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [_parse(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.mark.django_db
def test_every_response_carries_an_id(client):
    made = client.get("/health/live")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/health/live")["X-Request-ID"] != made
    assert client.get("/health/live", HTTP_X_REQUEST_ID=GIVEN)["X-Request-ID"] == GIVEN
    # Spaces, quotes or an overlong value never reach the logs: a fresh id instead.
    for bad in ("Jānis Bērziņš", 'x"y', "short", "a" * 65):
        returned = client.get("/health/live", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", returned)


@pytest.mark.django_db
def test_log_lines_of_a_request_carry_its_id(client, json_logs):
    response = client.get("/no-such-page-here/", HTTP_X_REQUEST_ID=GIVEN)
    assert response.status_code == 404
    lines = json_logs()
    assert lines, "the 404 is logged"
    assert all(line["request_id"] == GIVEN for line in lines), lines
    assert {"time", "level", "logger", "message"} <= set(lines[-1])


# Committing: the request's own transaction commits and queues the job, as on a live site.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_queued_job_logs_the_id_of_its_request(client, settings, monkeypatch, json_logs):
    user = UserFactory()
    # The e-mail job will fail against a closed SMTP port, and log that it did.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    queue = ORM(list_key="ops-request-id-test")
    monkeypatch.setattr(jobs, "_broker", queue)
    monkeypatch.setattr(Conf, "SYNC", False)  # queued in the broker, not run in the request
    response = client.post(
        reverse("password_reset"), {"email": user.email}, HTTP_X_REQUEST_ID=GIVEN
    )
    assert response.status_code == 302
    [(_, package)] = queue.dequeue()
    # The worker runs the package it took from the broker, in a context of its own.
    contextvars.Context().run(_sync, package)

    job_lines = [line for line in json_logs() if line["logger"].startswith("lms.")]
    failed = [line for line in job_lines if line["logger"] == "lms.mail.services"]
    assert failed and failed[0]["level"] == "WARNING"
    finished = [line for line in job_lines if line["logger"] == "lms.jobs"]
    assert finished[0]["message"].startswith("job lms.tasks.email_send_task done in ")
    assert all(line["request_id"] == GIVEN for line in job_lines), job_lines


def test_log_format_json_switches_the_console(tmp_path):
    drop = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "DEBUG"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(VAR_DIR=str(tmp_path / "var"), LOG_FORMAT="json")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "import logging; logging.getLogger('lms.anything').warning('Søren Ærø ok')",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    [line] = [json.loads(x) for x in result.stderr.splitlines() if x.startswith("{")]
    assert line["message"] == "Søren Ærø ok"
    assert line["level"] == "WARNING"
    assert line["request_id"] == "-"
