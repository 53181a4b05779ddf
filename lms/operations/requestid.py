"""Request ids: one per request (the caller's X-Request-ID when well-formed), on every log line
of the request and of the jobs it queues, and returned in the response."""

import logging
import re
import secrets
from contextvars import ContextVar

HEADER = "X-Request-ID"
# Letters, digits and a few separators, bounded: an id from a proxy or a client must not carry
# text into the logs (no spaces, no quotes, nothing long enough to hold personal data).
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")
NONE = "-"

request_id: ContextVar[str] = ContextVar("request_id", default=NONE)


def request_id_new() -> str:
    return secrets.token_hex(16)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (NONE outside a request or a job it queued)."""

    def filter(self, record: logging.LogRecord) -> bool:
        value = request_id.get()
        if value == NONE:
            # Django logs a request's error status after the middleware has finished with it.
            value = getattr(getattr(record, "request", None), "request_id", NONE)
        record.request_id = value
        return True


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        value = given if WELL_FORMED.fullmatch(given) else request_id_new()
        request.request_id = value
        token = request_id.set(value)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[HEADER] = value
        return response
