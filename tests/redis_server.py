"""A real redis-server of a test's own, on a free port, that the test can kill and start again,
and the settings that point the cache and the job broker at it."""

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import redis

from lms import jobs, redis_cache
from tests.local import free_port

START_SECONDS = 10


class RedisServer:
    """One redis-server process at a time on a fixed port. It keeps its data in an append-only
    file, so that, like a production server restarted, it comes back with what it held."""

    def __init__(self, binary: str, directory: Path):
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        options = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "dir": str(self.directory),
            "save": "",
            "appendonly": "yes",
            "appendfsync": "always",
        }
        arguments = [part for name, value in options.items() for part in (f"--{name}", value)]
        self.process = subprocess.Popen(  # noqa: S603 (our own fixed arguments)
            [self.binary, *arguments],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.02)
            finally:
                client.close()

    def stop(self) -> None:
        """Kill the server outright, as a crash or a lost machine would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=START_SECONDS)
        self.process = None

    def stored_keys(self) -> list[bytes]:
        client = redis.Redis(port=self.port)
        try:
            return client.keys("*")
        finally:
            client.close()


@pytest.fixture
def redis_server(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not found: install the Debian package 'redis-server'")
    server = RedisServer(binary, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def on_redis(redis_server, settings, monkeypatch):
    """The cache and the job broker on the test's own Redis, as REDIS_URL would set them, with
    the jobs really queued (not run in the caller as in the other tests)."""
    from django_q.conf import Conf

    settings.CACHES = {
        "default": {
            "BACKEND": "lms.redis_cache.OutageTolerantRedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "outage-test",
            # Tried again soon after a failure, so that a test sees it come back in time.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2, "RETRY_SECONDS": 0.2},
        }
    }
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "redis": redis_server.url}
    settings.Q_CLUSTER.pop("orm", None)
    # django-q2 reads its settings once, at import.
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", redis_server.url)
    monkeypatch.setattr(jobs, "_broker", None)
    redis_cache._down_until.clear()
    try:
        yield redis_server
    finally:
        redis_cache._down_until.clear()
