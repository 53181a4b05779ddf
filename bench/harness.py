"""Process and back-end plumbing shared by the bench scripts (imported from the script's own
folder): child environments, gunicorn and other subprocesses, the PostgreSQL + Redis back-end."""

import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_ADMIN_URL = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"


# --- Child processes -----------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A temporary folder for one run's database, logs and results, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def bench_env(work_dir: Path, *, settings: str, prefix: str, **extra: str) -> dict[str, str]:
    """The environment for a script's children; `prefix` names its cache and queue."""
    # Whatever database the shell points at must never be the one a bench migrates and empties.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "SQLITE_TEST_PATH"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        ENVIRONMENT="development",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        VAR_DIR=str(work_dir),
        MEDIA_ROOT=str(work_dir / "media"),
        # Per run, so two benches at once (or a leftover) do not share a cache or a queue.
        CACHE_PREFIX=f"{prefix}-{os.getpid()}",
        Q_NAME=f"{prefix}-{os.getpid()}",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def setup_django() -> None:
    """Django in a bench child, with the project root importable and as working directory."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()


def session_cookie(user) -> tuple[str, str]:
    """A logged-in session (as `login()` would leave it) and a CSRF cookie, as a Cookie header.
    Called in a set-up child: Django is imported here, once that child has set it up."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.crypto import get_random_string

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    csrf = get_random_string(32)
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={store.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
    )
    return cookie, csrf


def run_child(script: str, env: dict[str, str], result: Path, timeout: float, step: str) -> dict:
    """Run `script` again as a child with `env`, and read the JSON it leaves in `result`."""
    proc = subprocess.run(
        [sys.executable, str(Path(script).resolve())],
        env=env,
        cwd=ROOT,
        timeout=timeout,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 or not result.exists():
        raise RuntimeError(f"{step} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(result.read_text())


def run_backends(backends: dict[str, str], run: Callable[[str], dict]) -> dict[str, dict]:
    """`run` for each back-end BENCH_BACKENDS names (all by default); the others count as
    skipped."""
    chosen = os.environ.get("BENCH_BACKENDS", ",".join(backends)).split(",")
    return {
        backend: run(backend) if backend in chosen else {"skipped": "not chosen"}
        for backend in backends
    }


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        # Any of them may exit while it is read.
        with contextlib.suppress(OSError, ValueError):
            for task in Path(f"/proc/{parent}/task").iterdir():
                children = [int(p) for p in (task / "children").read_text().split()]
                found += children
                todo += children
    return found


class Service:
    """A long-running subprocess with its output in a log file, stopped by its own pid (never by
    name, which could hit another run's processes)."""

    def __init__(
        self,
        label: str,
        argv: list[str],
        log_path: Path,
        *,
        env: dict[str, str] | None = None,
        stop_timeout: float = 20.0,
    ) -> None:
        self.label = label
        self.log_path = log_path
        self.stop_timeout = stop_timeout
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def tail(self, lines: int = 20) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.label} exited with {self.proc.returncode}:\n{self.tail()}")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the process and all its descendants (not by the servers it
        talks to)."""
        ticks = 0
        for pid in [self.proc.pid, *descendants(self.proc.pid)]:
            with contextlib.suppress(OSError, IndexError, ValueError):
                # The command name may contain spaces and parentheses; the fields follow its ")".
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    # Found before the parent dies: afterwards they are re-parented out of reach.
                    for pid in descendants(self.proc.pid):
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
                    self.proc.kill()
                    self.proc.wait(timeout=10)
        finally:
            self.log.close()


# --- gunicorn ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class Gunicorn(Service):
    """One gunicorn master serving lms.wsgi on a free port of 127.0.0.1: sync workers, or gthread
    ones when `threads` is given."""

    def __init__(
        self,
        name: str,
        env: dict[str, str],
        work_dir: Path,
        *,
        workers: int,
        threads: int | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.port = free_port()
        argv = [sys.executable, "-m", "gunicorn", "lms.wsgi", "-w", str(workers)]
        if threads is not None:
            argv += ["-k", "gthread", "--threads", str(threads)]
        argv += ["-b", f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "60"]
        argv += extra_args
        super().__init__(f"gunicorn {name}", argv, work_dir / f"gunicorn-{name}.log", env=env)

    def wait_ready(self, timeout: float = 60.0, path: str = "/") -> None:
        deadline = time.perf_counter() + timeout
        while True:
            self.check_alive()
            try:
                status, _, _ = fetch(self.port, path)
                if status < 500:
                    return
            except OSError:
                pass
            if time.perf_counter() > deadline:
                raise TimeoutError(f"gunicorn {self.name} not ready within {timeout:.0f} s")
            time.sleep(0.2)


# --- PostgreSQL + Redis --------------------------------------------------------------------------


class PostgresRedis:
    """A fresh PostgreSQL database named after this process, and a Redis db index the bench owns
    (it is emptied before and after)."""

    def __init__(self, db_prefix: str, redis_url: str) -> None:
        self.database = f"{db_prefix}{os.getpid()}"
        self.url = f"postgres://postgres@{PG_HOST}:{PG_PORT}/{self.database}"
        self.redis_url = redis_url

    def _admin(self, statement: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(self.database)))

    def _drop(self) -> None:
        # FORCE, for connections a crashed child left behind.
        self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")

    def flush_redis(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=3, socket_timeout=5)
        try:
            client.flushdb()  # the bench's own db index only
        finally:
            client.close()

    def prepare(self) -> str | None:
        """Create the database and empty the Redis db; a reason if either is unusable."""
        try:
            self._drop()
            self._admin("CREATE DATABASE {}")
        except Exception as exc:
            return f"PostgreSQL at {PG_HOST}:{PG_PORT} not usable ({type(exc).__name__}: {exc})"
        try:
            self.flush_redis()
        except Exception as exc:
            with contextlib.suppress(Exception):
                self._drop()
            return f"Redis at {self.redis_url} not usable ({type(exc).__name__}: {exc})"
        return None

    def cleanup(self) -> None:
        # Each step on its own, so a Redis that went away still lets the database be dropped.
        for step in (self._drop, self.flush_redis):
            try:
                step()
            except Exception as exc:
                print(f"  postgres: cleanup step failed: {exc}", flush=True)
