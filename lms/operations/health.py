"""Health checks for load balancers and orchestrators: liveness (the process answers) and
readiness (the database, cache, job broker and private file storage answer), as JSON."""

import asyncio
import dataclasses
from concurrent.futures import ThreadPoolExecutor

from django.core.files.storage import storages
from django.db import connections
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils.cache import add_never_cache_headers
from django_q.brokers.orm import ORM
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.views import HealthCheckView

from lms.jobs import broker

# A name no file of the site ever has: asking whether it exists is a read-only round trip to
# the storage (a bucket's HEAD request), whatever the backend.
STORAGE_PROBE = ".health-probe"

# Synchronous checks run here rather than in a new event loop's default executor, which would
# start fresh threads (and database connections) on every probe.
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="health")


@dataclasses.dataclass
class Broker(HealthCheck):
    """The django-q2 broker answers: the queue's length is read (Redis: LLEN; ORM: a count)."""

    def run(self) -> None:
        queue = broker()
        if isinstance(queue, ORM):
            with connections["default"].temporary_connection():
                queue.queue_size()
        else:
            queue.queue_size()


@dataclasses.dataclass
class PrivateStorage(HealthCheck):
    """The storage of private files (a directory or an object-storage bucket) answers."""

    alias: str = "private"

    def run(self) -> None:
        storage = storages[self.alias]
        bucket = getattr(storage, "bucket_name", None)
        if bucket:
            # An object store answers "no such file" for a bucket that is gone as well: ask
            # for the bucket itself (and the right to use it).
            storage.connection.meta.client.head_bucket(Bucket=bucket)
        else:
            storage.exists(STORAGE_PROBE)


CHECKS = {
    "database": Database,
    "cache": Cache,
    "broker": Broker,
    "storage": PrivateStorage,
}


def _answer(status: str, code: int, checks: dict | None = None) -> JsonResponse:
    body = {"status": status}
    if checks is not None:
        body["checks"] = checks
    response = JsonResponse(body, status=code)
    add_never_cache_headers(response)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def live(request) -> JsonResponse:
    """The process answers requests; touches no service, so a database outage never makes an
    orchestrator restart healthy web processes."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _answer("ok", 200)


class ReadinessView(HealthCheckView):
    """django-health-check's runner (each check bounded by its timeout, all run together) with
    one answer for machines: 200 when every check passes, else 503; names and "ok" or
    "unavailable" only, never an error text (it could name hosts or users)."""

    http_method_names = ["get", "head"]

    def get_checks(self):
        for check in CHECKS.values():
            yield check()

    async def get(self, request, *args, **kwargs):
        results = await asyncio.gather(
            *(check.get_result(_executor) for check in self.get_checks())
        )
        checks = {
            name: "unavailable" if result.error else "ok"
            for name, result in zip(CHECKS, results, strict=True)
        }
        if all(value == "ok" for value in checks.values()):
            return _answer("ok", 200, checks)
        return _answer("unavailable", 503, checks)


ready = ReadinessView.as_view()
