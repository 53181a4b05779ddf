"""`manage.py serve` as `make run` starts it: a real process with its web server and job cluster,
stopped by each signal a terminal, a service manager or a closed session sends. Both children
(and the cluster's workers) are gone within seconds, and none is left answering."""

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests import db_templates
from tests.db_templates import subprocess_env
from tests.local import free_port

BASE_DIR = Path(django_settings.BASE_DIR)


def _env(var_dir: Path) -> dict:
    return subprocess_env(var_dir)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A migrated VAR_DIR of this module's own (a copy of the run's migrated template)."""
    return db_templates.copy_to(tmp_path_factory.mktemp("serve") / "var")


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (Linux /proc)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found |= {child} | descendants(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the web server is up
    except OSError:
        return False


def as_background_job() -> None:
    # A shell starts a background job (`make run &`, a CI step) with SIGINT ignored, and what
    # it starts inherits that.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    "number", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda number: number.name
)
def test_any_stop_signal_stops_the_web_server_and_the_job_cluster(migrated, number):
    port = free_port()
    serve = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=BASE_DIR,
        env=_env(migrated),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=as_background_job,  # noqa: PLW1509
    )
    try:
        deadline = time.monotonic() + 90
        while not answers(port):
            assert serve.poll() is None, "serve stopped on its own"
            assert time.monotonic() < deadline, "the web server never answered"
            time.sleep(0.5)
        children = descendants(serve.pid)
        assert len(children) >= 2, "a web server and a job cluster (with its workers)"

        serve.send_signal(number)
        serve.wait(timeout=15)

        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in children if alive(pid)], "a child outlived serve"
        assert not answers(port), "the web server still answers"
    finally:
        if serve.poll() is None:
            serve.kill()
