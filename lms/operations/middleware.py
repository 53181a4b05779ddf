"""Answers the load balancer's and Prometheus's requests before the rest of the middleware: they
come by a node's own address (not a host name the site allows), over plain HTTP inside the
network, and must create no session and pass through no page cache."""

from asgiref.sync import async_to_sync

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
