"""/metrics as Prometheus scrapes it: refused to clients outside the allowed networks and
without the token, served otherwise; request counters and latencies move with real requests;
the outbox gauges count the real rows."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from prometheus_client.parser import text_string_to_metric_families

from lms import jobs
from lms.events.models import Delivery, Event
from lms.mail.models import OutgoingEmail

TOKEN = "scrape-8f2c1d0e9b7a6f5e4d3c2b1a"  # noqa: S105


def samples(response) -> dict:
    assert response.status_code == 200, response.status_code
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.django_db
def test_refused_to_other_networks(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    # Through a proxy the settings do not count, loopback is the proxy's address, not the client's.
    forwarded = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forwarded.status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_served_with_the_token(client):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **outside).status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **outside)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@override_settings(METRICS_ALLOWED_NETWORKS=[], METRICS_TOKEN="")
def test_no_network_and_no_token_refuses_everyone(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


@pytest.mark.django_db
def test_request_counters_and_latencies_move(client):
    labels = {"view": "security_txt", "method": "GET"}
    before = samples(client.get("/metrics"))
    for _ in range(3):
        assert client.get("/.well-known/security.txt").status_code == 200
    after = samples(client.get("/metrics"))
    name = "django_http_responses_total_by_status_view_method_total"
    assert (
        value(after, name, status="200", **labels) - value(before, name, status="200", **labels)
        == 3
    )
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert value(after, latency, **labels) - value(before, latency, **labels) == 3


@pytest.mark.django_db
def test_backlog_gauges_count_real_rows(client):
    now = timezone.now()
    old = Event.objects.create(
        name="lms.test.waiting", key="a", created_at=now - timedelta(hours=1)
    )
    Event.objects.create(name="lms.test.waiting", key="b", created_at=now - timedelta(minutes=5))
    Event.objects.create(name="lms.test.done", key="c", dispatched_at=now)
    Delivery.objects.create(event=old, handler="h1", status=Delivery.Status.DEAD)
    Delivery.objects.create(event=old, handler="h2", status=Delivery.Status.FAILED)
    Delivery.objects.create(event=old, handler="h3", status=Delivery.Status.DONE)
    for n, status in enumerate(["pending", "failed", "sent", "dead"]):
        OutgoingEmail.objects.create(
            recipient=f"person{n}@example.org",
            reason="test",
            subject="s",
            body_text="b",
            status=status,
        )
    found = samples(client.get("/metrics"))
    assert value(found, "bsr_domain_metrics_up") == 1
    assert value(found, "bsr_outbox_undelivered_events") == 2
    assert 3600 <= value(found, "bsr_outbox_oldest_undelivered_age_seconds") < 3700
    assert value(found, "bsr_email_backlog") == 2
    assert value(found, "bsr_failed_deliveries", kind="event", status="dead") == 1
    assert value(found, "bsr_failed_deliveries", kind="event", status="failed") == 1
    assert value(found, "bsr_failed_deliveries", kind="email", status="dead") == 1
    assert value(found, "bsr_queue_depth") == 0

    Event.objects.filter(dispatched_at__isnull=True).update(dispatched_at=now)
    found = samples(client.get("/metrics"))
    assert value(found, "bsr_outbox_undelivered_events") == 0
    assert value(found, "bsr_outbox_oldest_undelivered_age_seconds") == 0


@pytest.mark.django_db
def test_queue_depth_counts_waiting_jobs(client, monkeypatch):
    # A broker of the test's own (real rows, rolled back), and jobs left waiting in it.
    monkeypatch.setattr(jobs, "_broker", ORM(list_key="ops-metrics-test"))
    monkeypatch.setattr(Conf, "SYNC", False)
    jobs.enqueue("lms.tasks.event_sweep_task")
    jobs.enqueue("lms.tasks.email_sweep_task")
    assert value(samples(client.get("/metrics")), "bsr_queue_depth") == 2
