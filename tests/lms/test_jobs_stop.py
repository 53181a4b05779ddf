"""`manage.py jobs` (the job cluster for a service manager) and `manage.py serve` stop within
their grace period when SIGTERM reaches their whole process group, as systemd and a terminal
send it, with no process left behind; a task in flight finishes, or returns to the queue and
runs once later. Real processes on the embedded SQLite default, in a folder of their own."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.lms.test_serve import (  # noqa: F401 (fixture)
    BASE_DIR,
    _env,
    alive,
    answers,
    descendants,
    free_port,
    migrated,
)

TASK = "tests.lms.slow_tasks.task_record"


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", *command],
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # as a service manager starts it: its own process group
    )


def enqueue(env: dict, marker: Path, seconds: float) -> None:
    code = (
        "from django_q.tasks import async_task; "
        f"async_task({TASK!r}, {str(marker)!r}, {str(seconds)!r})"
    )
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


def queued(var_dir: Path) -> int:
    with sqlite3.connect(var_dir / "db.sqlite3") as db:
        return db.execute("SELECT count(*) FROM django_q_ormq").fetchone()[0]


def wait_for(predicate, *, seconds: float, proc: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert proc.poll() is None, f"exited early:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"{what}:\n{log.read_text()[-3000:]}"
        time.sleep(0.1)


def group_terminate(proc: subprocess.Popen, *, within: float) -> tuple[float, set[int]]:
    """SIGTERM to the whole process group; how long it took to exit, and who outlived it."""
    below = descendants(proc.pid)
    started = time.monotonic()
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=within)
    finally:
        took = time.monotonic() - started
        for pid in [proc.pid, *below]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)  # orphans are reaped by init
    return took, {pid for pid in below if alive(pid)}


def finished(marker: Path) -> list[str]:
    return marker.read_text().splitlines() if marker.exists() else []


def test_jobs_stops_on_sigterm_to_its_group_and_finishes_the_task_in_flight(
    migrated,  # noqa: F811
    tmp_path,
):
    env = _env(migrated)
    log, marker = tmp_path / "jobs.log", tmp_path / "task"
    enqueue(env, marker, 3)
    jobs = start(["jobs", "--grace", "20"], env, log)
    try:
        wait_for(
            Path(f"{marker}.started").exists,
            seconds=45,
            proc=jobs,
            log=log,
            what="the task never started",
        )
        assert len(descendants(jobs.pid)) >= 4, "the cluster, its sentinel, worker and helpers"

        took, left = group_terminate(jobs, within=25)

        assert took < 20, f"stopped after {took:.1f} s, beyond its grace period"
        assert left == set(), "no process is left behind"
        assert finished(marker) == ["done"], "the task in flight finished, once"
        assert queued(migrated) == 0, "and was taken off the queue"
        assert "job cluster stopped in" in log.read_text()
    finally:
        if jobs.poll() is None:
            os.killpg(jobs.pid, signal.SIGKILL)


def test_a_task_longer_than_the_grace_returns_to_the_queue_and_runs_once_later(
    migrated,  # noqa: F811
    tmp_path,
):
    # A task far longer than the grace, so that a stop which waited for it cannot pass for one
    # slowed by a busy machine; a timeout and retry just above it, so that the queue hands the
    # task out again within the test.
    env = {**_env(migrated), "Q_TIMEOUT": "15", "Q_RETRY": "16"}
    log, marker = tmp_path / "jobs.log", tmp_path / "task"
    enqueue(env, marker, 12)
    jobs = start(["jobs", "--grace", "1"], env, log)
    try:
        wait_for(
            Path(f"{marker}.started").exists,
            seconds=45,
            proc=jobs,
            log=log,
            what="the task never started",
        )
        took, left = group_terminate(jobs, within=15)

        assert took < 8, f"stopped after {took:.1f} s: the grace is 1 s, the task takes 12"
        assert left == set(), "the worker was killed with the rest"
        assert finished(marker) == []
        assert queued(migrated) == 1, "the task is still on the queue, not lost"

        Path(f"{marker}.started").unlink()
        jobs = start(["jobs"], env, log)
        wait_for(lambda: finished(marker), seconds=60, proc=jobs, log=log, what="never run again")
        wait_for(lambda: queued(migrated) == 0, seconds=10, proc=jobs, log=log, what="not acked")
        took, left = group_terminate(jobs, within=35)
        assert finished(marker) == ["done"], "run once to the end, never twice"
        assert left == set()
    finally:
        if jobs.poll() is None:
            os.killpg(jobs.pid, signal.SIGKILL)


def test_serve_stops_on_sigterm_to_its_group(migrated, tmp_path):  # noqa: F811
    port = free_port()
    log = tmp_path / "serve.log"
    serve = start(["serve", "--port", str(port)], _env(migrated), log)
    try:
        wait_for(lambda: answers(port), seconds=90, proc=serve, log=log, what="never answered")
        assert len(descendants(serve.pid)) >= 2

        took, left = group_terminate(serve, within=15)

        assert took < 10, f"stopped after {took:.1f} s"
        assert left == set(), "a child outlived serve"
        assert not answers(port)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
