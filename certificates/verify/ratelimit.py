"""How many public look-ups one client may make: a fixed window per client address (counted by
lms.ratelimit). Guessing codes looks like many look-ups from one place, so every look-up counts,
found or not."""

from django.conf import settings
from django.http import HttpRequest

from lms.ratelimit import Hit, client_address
from lms.ratelimit import hit as _count

__all__ = ["Hit", "client_address", "hit"]


def hit(request: HttpRequest, *, scope: str = "certificates.verify") -> Hit:
    """Count one look-up by this request's client and say whether it is within the limit."""
    return _count(
        scope=scope,
        subject=client_address(request),
        limit=settings.CERTIFICATES_VERIFY_LIMIT,
        window=settings.CERTIFICATES_VERIFY_WINDOW,
    )
