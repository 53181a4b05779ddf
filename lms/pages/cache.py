"""A whole-response cache for anonymous visitors of Wagtail pages, purged all at once (a new
"generation") whenever a page is published, unpublished, moved or deleted, or its privacy changes.

Personalised responses never enter it: a request that carries a session or messages cookie, an
Authorization header or a query string is never served from nor stored in the cache, and a
response is stored only if it is a 200 from Wagtail's page view (or a view marked with
`anonymous_cacheable`) with no cookie set, no message shown and no private Cache-Control.
While the cache is down every page is rendered afresh (docs/deploy.md, "When Redis is down")."""

import hashlib
import logging
import os
import time
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import MiddlewareNotUsed
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import cc_delim_re

from lms import near_cache as near
from lms.languages.middleware import goes_elsewhere
from lms.redis_cache import CacheUnavailable

logger = logging.getLogger(__name__)

HEADER = "X-Page-Cache"
GENERATION_KEY = near.GENERATION_KEY
WAGTAIL_SERVE = "wagtail_serve"
MARK = "_page_cache_anonymous"
PRIVATE_DIRECTIVES = {"private", "no-cache", "no-store"}
# Vary values that the key already accounts for: every cached response is an anonymous one, and
# a page whose address has no language is served only to readers of English (the others are
# redirected to their language's address: lms.languages.middleware).
HARMLESS_VARY = {"cookie", "accept-language"}
# A purge this process could not make while the shared cache was down: made as soon as the
# cache answers again, before any page is read from it, since Redis may come back with the
# pages it held before.
_purge_owed = False


def _cache():
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


def _shared(cache) -> bool:
    """Whether every web and job process sees the same cache (Redis), or each has its own
    (local memory), in which case the generation lives in a file they all read."""
    return not isinstance(cache, LocMemCache)


def _generation_file() -> Path:
    return Path(
        getattr(settings, "PAGE_CACHE_GENERATION_FILE", None)
        or Path(settings.VAR_DIR) / "page_cache_generation"
    )


def _near_url(cache) -> str | None:
    """The Redis server of a shared cache whose generation and pages this process may also keep
    near (lms/near_cache.py), or None."""
    servers = getattr(cache, "_servers", None)
    return servers[0] if servers and near.enabled() else None


def generation() -> int:
    """The current generation; every cached page belongs to exactly one."""
    cache = _cache()
    if _shared(cache):
        if _purge_owed:
            purge()
        url = _near_url(cache)
        if url and not _purge_owed:
            known = near.generation(url, lambda: near.generation_read(_cache()))
            if known:
                return known
        return near.generation_read(cache)
    try:
        return os.stat(_generation_file()).st_mtime_ns
    except FileNotFoundError:
        _touch_generation_file()
        try:
            return os.stat(_generation_file()).st_mtime_ns
        except OSError:
            return 0
    except OSError:
        return 0


def _touch_generation_file() -> bool:
    path = _generation_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a"):
            pass
        now = time.time_ns()
        try:
            before = os.stat(path).st_mtime_ns
        except OSError:
            before = 0
        # Always forward, even when two bumps land within the file system's clock resolution.
        os.utime(path, ns=(now, max(now, before + 1)))
        return True
    except OSError as exc:
        logger.warning("Page cache: cannot write the generation file %s: %s", path, exc)
        return False


def purge() -> None:
    """Invalidate every cached page at once: pages link to their parents, siblings and children,
    so one change can alter many pages."""
    global _purge_owed
    cache = _cache()
    if _shared(cache):
        try:
            value = cache.incr(GENERATION_KEY)
            _purge_owed = False
            url = _near_url(cache)
            if url:
                near.announce(url, value)
        except CacheUnavailable:
            _purge_owed = True
        except ValueError:
            # A lost counter starts again from the clock, past every generation stored so far.
            value = time.time_ns() // 1000
            _purge_owed = not cache.add(GENERATION_KEY, value, timeout=None)
            url = _near_url(cache)
            if url and not _purge_owed:
                near.announce(url, value)
    elif not _touch_generation_file():
        cache.clear()  # at least this process stops serving stale pages


def purge_receiver(sender=None, **kwargs) -> None:
    """Signal receiver: purge now, and again once the transaction commits, so a page rendered
    from the old content between the first purge and the commit cannot outlive it."""
    purge()
    transaction.on_commit(purge, robust=True)


def anonymous_cacheable(view):
    """Mark a view outside Wagtail's page tree whose anonymous responses may be cached."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        setattr(response, MARK, True)
        return response

    return wrapped


def _request_eligible(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if request.META.get("QUERY_STRING") or request.META.get("HTTP_AUTHORIZATION"):
        return False
    cookies = request.COOKIES
    # No session cookie means anonymous, without loading a session; a messages cookie means a
    # message waits to be shown.
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return False
    return not goes_elsewhere(request)


def _served_page(request: HttpRequest, response: HttpResponse) -> bool:
    if getattr(response, MARK, False):
        return True
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == WAGTAIL_SERVE


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.has_header("Cache-Control"):
        directives = {
            part.split("=", 1)[0].strip().lower()
            for part in cc_delim_re.split(response["Cache-Control"])
        }
        if directives & PRIVATE_DIRECTIVES or "max-age=0" in response["Cache-Control"]:
            return False
    if response.has_header("Vary"):
        varies = {v.strip().lower() for v in cc_delim_re.split(response["Vary"])}
        if varies - HARMLESS_VARY:
            return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    storage = getattr(request, "_messages", None)
    return not (storage is not None and len(storage))


class PageCacheMiddleware:
    """Serves anonymous Wagtail pages from the cache. Sits above the session, authentication and
    messages middleware so that a hit costs none of them."""

    def __init__(self, get_response):
        if not getattr(settings, "PAGE_CACHE_ENABLED", True):
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.timeout = getattr(settings, "PAGE_CACHE_SECONDS", 600)

    def _key(self, request: HttpRequest) -> str | None:
        """None when the generation is unknown (the cache is down): nothing is read or stored."""
        current = generation()
        if not current:
            return None
        url = f"{request.scheme}://{request.get_host()}{request.path}"
        digest = hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()
        return f"page_cache:{current}:{digest}"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _request_eligible(request):
            response = self.get_response(request)
            if _served_page(request, response):
                response[HEADER] = "bypass"
            return response

        cache = _cache()
        key = self._key(request)
        if key is None:
            response = self.get_response(request)
            if _served_page(request, response):
                response[HEADER] = "off"
            return response
        # Near first (this process's memory, kept with a shared cache), then the cache itself.
        url = _near_url(cache)
        entry = near.page(key) if url else None
        if entry is None:
            entry = cache.get(key)
            if entry is not None and url:
                near.keep(key, entry, self.timeout)
        if entry is not None:
            status, headers, body = entry
            response = HttpResponse(b"" if request.method == "HEAD" else body, status=status)
            for name, value in headers:
                response.headers[name] = value
            response[HEADER] = "hit"
            return response

        response = self.get_response(request)
        if not _served_page(request, response):
            return response
        if _storable(request, response):
            headers = [(k, v) for k, v in response.items() if k != HEADER]
            if request.method == "HEAD":
                response[HEADER] = "miss"  # a HEAD response's body may be empty: not stored
                return response
            entry = (response.status_code, headers, response.content)
            cache.set(key, entry, self.timeout)
            if _near_url(cache):
                near.keep(key, entry, self.timeout)
            response[HEADER] = "miss"
        else:
            response[HEADER] = "uncacheable"
        return response
