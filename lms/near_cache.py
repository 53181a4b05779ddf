"""The page cache's near tier when several processes share Redis: each process keeps the purge
generation and the pages it served last in its own memory, so a hit asks Redis nothing.

A thread per process, subscribed to the purge channel, learns of every purge at once and reads
the generation again every REFRESH_SECONDS in case a message was lost; until it has done so (or
while Redis is away) `generation()` answers None and the page cache asks Redis as before. A page
kept here belongs to one generation, like those in Redis, so a purge anywhere retires it."""

import contextlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

GENERATION_KEY = "page_cache:generation"
# Other keys read on every request that change only with the page tree or a site, both of which
# purge the page cache: Wagtail's site root paths. Kept here for as long as the generation holds.
NEAR_KEYS = frozenset({"wagtail_site_root_paths"})
REFRESH_SECONDS = 1.0
# A generation not confirmed for this long is not trusted: the thread has stalled or lost Redis.
TRUSTED_SECONDS = 3 * REFRESH_SECONDS
MAX_PAGES = 256
MAX_BYTES = 32 * 1024 * 1024


def generation_read(cache) -> int:
    """The generation as the shared cache holds it, started from the clock when missing (never
    from a constant: an evicted counter must not come back to a value that older, now stale
    entries were stored under); 0 while the cache is down."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns() // 1000, timeout=None)
        value = cache.get(GENERATION_KEY)
    return value or 0


def channel() -> str:
    return f"{settings.CACHE_PREFIX}:page_cache:purged"


class _Watch:
    """The generation as this process knows it, kept current by a daemon thread."""

    def __init__(self, url: str, read: Callable[[], int | None]):
        self.url = url
        self.read = read
        self.value: int | None = None
        self.confirmed = 0.0
        self.stopped = False
        thread = threading.Thread(target=self._run, name="page-cache-watch", daemon=True)
        thread.start()

    def current(self) -> int | None:
        value = self.value
        if value is None or time.monotonic() - self.confirmed > TRUSTED_SECONDS:
            return None
        return value

    def learn(self, value: int) -> None:
        self.value, self.confirmed = value, time.monotonic()

    def forget(self) -> None:
        self.value = None

    def _run(self) -> None:
        delay = 0.2
        while not self.stopped:
            client = None
            try:
                client = redis.Redis.from_url(
                    self.url, socket_connect_timeout=1, socket_timeout=TRUSTED_SECONDS
                )
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(channel())
                while not self.stopped:
                    # Read after subscribing: a purge made meanwhile is either read or heard.
                    value = self.read()
                    if not value:
                        raise ConnectionError("the generation cannot be read")
                    self.learn(value)
                    delay = 0.2
                    until = time.monotonic() + REFRESH_SECONDS
                    while (left := until - time.monotonic()) > 0:
                        message = pubsub.get_message(timeout=left)
                        if message and message.get("type") == "message":
                            self.learn(int(message["data"]))
            except Exception as exc:  # any failure: fall back to asking Redis, retry later
                self.forget()
                logger.debug("Page cache watch: %s; retrying in %.1f s", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                if client is not None:
                    with contextlib.suppress(Exception):  # closing a broken connection
                        client.close()


class _Pages:
    """The pages this process served last, each until its timeout, within MAX_PAGES and
    MAX_BYTES (least recently used first out)."""

    def __init__(self):
        self.items: OrderedDict[str, tuple[float, tuple, int]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            item = self.items.get(key)
            if item is None:
                return None
            expires, entry, size = item
            if expires < time.monotonic():
                del self.items[key]
                self.size -= size
                return None
            self.items.move_to_end(key)
            return entry

    def put(self, key: str, entry: tuple, timeout: float) -> None:
        size = len(entry[2])
        if size > MAX_BYTES // 8:
            return
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.size -= old[2]
            self.items[key] = (time.monotonic() + timeout, entry, size)
            self.size += size
            while self.items and (len(self.items) > MAX_PAGES or self.size > MAX_BYTES):
                _, (_, _, dropped) = self.items.popitem(last=False)
                self.size -= dropped

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.size = 0


_lock = threading.Lock()
_state: dict = {}


def _mine() -> dict:
    """This process's watch and pages; a forked child starts its own."""
    pid = os.getpid()
    if _state.get("pid") != pid:
        with _lock:
            if _state.get("pid") != pid:
                _state.clear()
                _state.update(pid=pid, pages=_Pages(), watch=None, values={})
    return _state


def enabled() -> bool:
    return getattr(settings, "PAGE_CACHE_NEAR", True)


def generation(url: str, read: Callable[[], int | None]) -> int | None:
    """The generation without a round trip, or None when it is not known for certain here."""
    state = _mine()
    watch = state["watch"]
    if watch is None or watch.url != url:
        with _lock:
            if state["watch"] is None or state["watch"].url != url:
                if state["watch"] is not None:
                    state["watch"].stopped = True
                state["watch"] = _Watch(url, read)
            watch = state["watch"]
    return watch.current()


def announce(url: str, value: int) -> None:
    """Tell every process of every node that the generation is now `value`; this one learns it
    at once. A lost message costs at most REFRESH_SECONDS of stale pages elsewhere."""
    watch = _mine()["watch"]
    if watch is not None and watch.url == url:
        watch.learn(value)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.publish(channel(), value)
        finally:
            client.close()
    except redis.RedisError as exc:
        logger.warning("Page cache: the purge could not be announced (%s)", exc)


def page(key: str):
    return _mine()["pages"].get(key)


def keep(key: str, entry: tuple, timeout: float) -> None:
    _mine()["pages"].put(key, entry, timeout)


def value(name: str, current: int):
    """A NEAR_KEYS value kept under the generation `current`, or None."""
    kept = _mine()["values"].get(name)
    return kept[1] if kept is not None and kept[0] == current else None


def remember(name: str, current: int, value) -> None:
    _mine()["values"][name] = (current, value)


def forget_values() -> None:
    _mine()["values"].clear()


def reset() -> None:
    """Forget the pages and the generation this process knows (tests, between two of them)."""
    state = _mine()
    state["pages"].clear()
    state["values"].clear()
    if state["watch"] is not None:
        state["watch"].forget()
