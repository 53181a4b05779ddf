"""Prometheus metrics at /metrics for allowed networks or a bearer token: request counts and
latencies (django-prometheus), and the state of the queue and the outboxes, read from the
database and the broker on each scrape so that every node reports the same, whole picture."""

import hmac
import ipaddress
import logging
import os

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpResponse, HttpResponseNotFound
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from lms.events.models import Delivery, Event
from lms.jobs import broker
from lms.mail.models import OutgoingEmail

logger = logging.getLogger(__name__)

FAILED = ("failed", "dead")
EMAIL_BACKLOG = (OutgoingEmail.Status.PENDING, OutgoingEmail.Status.FAILED)


class DomainCollector:
    """Gauges over shared state (the broker's queue, the event and e-mail outboxes)."""

    def collect(self):
        up = GaugeMetricFamily(
            "bsr_domain_metrics_up",
            "1 when the queue and outbox gauges below could be read, else 0.",
        )
        try:
            families = list(self._families())
        except Exception:
            logger.warning("metrics: the queue or outbox state could not be read", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self):
        yield GaugeMetricFamily(
            "bsr_queue_depth",
            "Jobs waiting in the django-q2 broker (ORM: ready rows; Redis: list length).",
            value=broker().queue_size() or 0,
        )
        pending = Event.objects.filter(dispatched_at__isnull=True).aggregate(
            count=Count("id"), oldest=Min("created_at")
        )
        yield GaugeMetricFamily(
            "bsr_outbox_undelivered_events",
            "Domain events not yet dispatched to all their handlers.",
            value=pending["count"],
        )
        age = (timezone.now() - pending["oldest"]).total_seconds() if pending["oldest"] else 0
        yield GaugeMetricFamily(
            "bsr_outbox_oldest_undelivered_age_seconds",
            "Age of the oldest undispatched domain event (0 when there is none).",
            value=max(age, 0),
        )
        yield GaugeMetricFamily(
            "bsr_email_backlog",
            "Outbox e-mails waiting to be sent (pending, or failed and to be retried).",
            value=OutgoingEmail.objects.filter(status__in=EMAIL_BACKLOG).count(),
        )
        failed = GaugeMetricFamily(
            "bsr_failed_deliveries",
            "Event deliveries and e-mails that failed: 'failed' will be retried, 'dead' not.",
            labels=["kind", "status"],
        )
        for kind, model in (("event", Delivery), ("email", OutgoingEmail)):
            counts = dict(
                model.objects.filter(status__in=FAILED)
                .values_list("status")
                .annotate(n=Count("id"))
                .values_list("status", "n")
            )
            for status in FAILED:
                failed.add_metric([kind, status], counts.get(status, 0))
        yield failed


def _process_registry():
    """This process's counters, or every gunicorn worker's when PROMETHEUS_MULTIPROC_DIR is
    set (each worker writes its own files there; docs/deploy.md)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


def _scraper_address(request) -> str | None:
    """The scraper's address, or None when the request came through a proxy the settings do
    not count (then REMOTE_ADDR is the proxy's, and a loopback proxy would open the door)."""
    forwarded = [
        hop.strip()
        for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if hop.strip()
    ]
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0 and len(forwarded) >= proxies:
        return forwarded[-proxies]
    if forwarded or "HTTP_FORWARDED" in request.META:
        return None
    return request.META.get("REMOTE_ADDR")


def allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    address = _scraper_address(request)
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if client.version == 6 and client.ipv4_mapped is not None:
        client = client.ipv4_mapped
    return any(client in network for network in settings.METRICS_ALLOWED_NETWORKS)


def metrics(request) -> HttpResponse:
    if request.method not in ("GET", "HEAD") or not allowed(request):
        # Plain, like any unknown address: this answer is given before the site's middleware.
        return HttpResponseNotFound(b"Not found\n", content_type="text/plain")
    domain = CollectorRegistry()
    domain.register(DomainCollector())
    body = generate_latest(_process_registry()) + generate_latest(domain)
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    add_never_cache_headers(response)
    return response
