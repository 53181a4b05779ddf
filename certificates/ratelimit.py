"""How many public look-ups one client may make: a fixed window per client address, counted in
Django's cache (local memory on the embedded default, shared through Redis when REDIS_URL is set).
Guessing codes looks like many look-ups from one place, so every look-up counts, found or not."""

import hashlib
import ipaddress
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone


@dataclass(frozen=True)
class Hit:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until this client's window ends


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies stand in front of
    the site. Then it is the hop the outermost trusted proxy appended to X-Forwarded-For, counted
    from the right: anything further left was written by the client and proves nothing."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies and _address(hops[-proxies]) is not None:
            remote = hops[-proxies]
    address = _address(remote)
    if address is None:
        return remote.strip()[:64] or "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        # One home or phone usually gets a whole /64: count it as one client.
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def hit(request: HttpRequest, *, scope: str = "certificates.verify") -> Hit:
    """Count one look-up by this request's client and say whether it is within the limit."""
    limit = settings.CERTIFICATES_VERIFY_LIMIT
    window = max(1, settings.CERTIFICATES_VERIFY_WINDOW)
    now = timezone.now().timestamp()
    number = int(now // window)
    # The address is hashed: the shared cache needs no list of visitors' addresses.
    client = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{client}:{number}"
    cache.add(key, 0, timeout=window + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 60)
        count = 1
    retry_after = max(1, math.ceil((number + 1) * window - now))
    return Hit(allowed=count <= limit, count=count, limit=limit, retry_after=retry_after)
