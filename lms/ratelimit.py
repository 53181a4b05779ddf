"""Counting what one client (or one e-mail address) may do in a fixed window, in Django's cache
(local memory on the embedded default, shared through Redis when REDIS_URL is set), and finding
the client's address behind the trusted proxies. What is counted is hashed: the shared cache
holds no list of visitors' addresses or e-mail addresses. While the shared cache is down, each
process counts alone (docs/deploy.md, "When Redis is down")."""

import hashlib
import ipaddress
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest
from django.utils import timezone

from lms.redis_cache import CacheUnavailable

# Where counting goes on while the shared cache is down. Refusing everything instead would stop
# every honest sign-up, password reset and look-up without a word; allowing everything would
# let one script mail an address without end. Counting per process keeps a limit, at most the
# limit times the number of web processes.
_fallback = LocMemCache("lms-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 10000}})


@dataclass(frozen=True)
class Hit:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until this window ends


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


def hit(*, scope: str, subject: str, limit: int, window: int) -> Hit:
    """Count one action of `subject` (a client address, an e-mail address) in `scope` and say
    whether it is within `limit` per `window` seconds."""
    window = max(1, window)
    now = timezone.now().timestamp()
    number = int(now // window)
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}:{number}"
    try:
        count = _count(cache, key, timeout=window + 60)
    except CacheUnavailable:
        count = _count(_fallback, key, timeout=window + 60)
    retry_after = max(1, math.ceil((number + 1) * window - now))
    return Hit(allowed=count <= limit, count=count, limit=limit, retry_after=retry_after)


def _count(store, key: str, *, timeout: int) -> int:
    store.add(key, 0, timeout=timeout)
    try:
        return store.incr(key)
    except CacheUnavailable:
        raise
    except ValueError:  # evicted between add and incr
        store.set(key, 1, timeout=timeout)
        return 1


def email_allowed(*, scope: str, address: str, request: HttpRequest | None) -> bool:
    """Whether one more e-mail of `scope` (sign-up, password reset) may go to `address` at the
    request of this client: at most EMAIL_LIMIT_PER_ADDRESS per address and
    EMAIL_LIMIT_PER_CLIENT per client address in EMAIL_LIMIT_WINDOW seconds. Both are counted
    either way, so a client over its limit stays over it."""
    window = settings.EMAIL_LIMIT_WINDOW
    by_address = hit(
        scope=f"{scope}:address",
        subject=address,
        limit=settings.EMAIL_LIMIT_PER_ADDRESS,
        window=window,
    )
    if request is None:
        return by_address.allowed
    by_client = hit(
        scope=f"{scope}:client",
        subject=client_address(request),
        limit=settings.EMAIL_LIMIT_PER_CLIENT,
        window=window,
    )
    return by_address.allowed and by_client.allowed
