"""Django's Redis cache, made to act as an empty cache while Redis cannot be reached, so that an
outage costs speed, never pages: reads miss, writes are dropped, and `incr` says so."""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from lms import near_cache as near

logger = logging.getLogger(__name__)

# After a failure the cache is left alone for this many seconds (one log line, no waiting on
# a dead server for every call), then tried again.
RETRY_SECONDS = 5.0


class CacheUnavailable(ValueError):
    """Raised by `incr` while the cache is down. A ValueError, as for a missing key, so callers
    that start a missing counter afresh still work; those that must know can tell."""


# One state per server and process: Django builds a cache object per thread.
_down_until: dict[str, float] = {}
_state_lock = threading.Lock()


class OutageTolerantRedisCache(RedisCache):
    """RedisCache whose calls answer as an empty cache while Redis is down. OPTIONS may hold
    RETRY_SECONDS; the other OPTIONS go to the Redis connection pool (set its socket timeouts,
    or a server that stops answering holds every request)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("RETRY_SECONDS", RETRY_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        self._name = ",".join(self._servers)

    def available(self) -> bool:
        """Whether the cache is worth asking: False for a while after a failure."""
        return time.monotonic() >= _down_until.get(self._name, 0.0)

    def _failed(self, exc: Exception) -> None:
        with _state_lock:
            if not self.available():
                return  # already reported for this interval
            _down_until[self._name] = time.monotonic() + self.retry_seconds
        logger.warning(
            "Cache unreachable (%s): working without it; trying again in %s s.",
            exc,
            self.retry_seconds,
        )

    def _call(self, default, method, *args, **kwargs):
        if not self.available():
            return default
        try:
            result = method(*args, **kwargs)
        except RedisError as exc:
            self._failed(exc)
            return default
        if _down_until.get(self._name):
            with _state_lock:
                if _down_until.pop(self._name, None) is not None:
                    logger.warning("Cache reachable again.")
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        if key in near.NEAR_KEYS and near.enabled():
            return self._near_get(key, default, version)
        return self._call(default, super().get, key, default, version)

    def _near_get(self, key, default, version):
        """A key read on every request that changes only with the page tree or a site (which
        purge the page cache): this process keeps it for as long as the purge generation holds,
        so a logged-in page asks Redis nothing for it either."""
        url = self._servers[0]
        current = near.generation(url, lambda: near.generation_read(self))
        name = f"{version}:{key}"
        if current:
            known = near.value(name, current)
            if known is not None:
                return known
        value = self._call(default, super().get, key, default, version)
        if current and value is not None and value is not default:
            near.remember(name, current, value)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if key in near.NEAR_KEYS:
            near.forget_values()
        return self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        if key in near.NEAR_KEYS:
            near.forget_values()
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._call(missing, super().incr, key, delta, version)
        if result is missing:
            raise CacheUnavailable("The cache cannot be reached.")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(None, super().delete_many, keys, version)

    def clear(self):
        near.forget_values()
        return self._call(False, super().clear)
