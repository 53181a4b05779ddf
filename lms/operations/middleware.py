"""Answers the load balancer's and Prometheus's requests before the rest of the middleware: they
come by a node's own address (not a host name the site allows), over plain HTTP inside the
network, and must create no session and pass through no page cache."""

import contextlib

from asgiref.sync import async_to_sync
from django_prometheus import middleware as prometheus

from lms.operations import health, metrics

LIVE = "/health/live"
READY = "/health/ready"
METRICS = "/metrics"

_VIEWS = {
    LIVE: health.live,
    READY: async_to_sync(health.ready),
    METRICS: metrics.metrics,
}


class OperationsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = _VIEWS.get(request.path_info)
        if view is None:
            return self.get_response(request)
        return view(request)


class PrometheusAfterMiddleware(prometheus.PrometheusAfterMiddleware):
    """django-prometheus's request counting, except that it reads Content-Length with `int()`: a
    garbled header is counted as an empty body here, and the view still answers it (400)."""

    def process_request(self, request):
        try:
            int(request.headers.get("content-length") or 0)
        except ValueError:
            with _content_length(request, "0"):
                return super().process_request(request)
        return super().process_request(request)


@contextlib.contextmanager
def _content_length(request, value: str):
    """The header as the metrics see it, for the length of one call; the view sees the original."""
    original = request.META.get("CONTENT_LENGTH")
    request.META["CONTENT_LENGTH"] = value
    request.__dict__.pop("headers", None)
    try:
        yield
    finally:
        if original is None:
            request.META.pop("CONTENT_LENGTH", None)
        else:
            request.META["CONTENT_LENGTH"] = original
        request.__dict__.pop("headers", None)
