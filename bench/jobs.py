"""Job throughput: a trivial django-q2 task enqueued directly versus the same work dispatched as a
domain event through the outbox, plus commit→handler latency, on the embedded default (SQLite +
ORM broker) and on PostgreSQL + Redis. Run from the project root: `.venv/bin/python bench/jobs.py`.

Each back-end gets a fresh database and its own producer process (Django settings differ); every
round starts its own `manage.py qcluster` and stops it by pid afterwards. The modes run interleaved
(plain, outbox, outbox, plain, plain, outbox) and the best round of each counts, so machine noise
touches both alike. A round ends when the cluster has finished every task (result saved, task
acknowledged) and, for the outbox, every Delivery is DONE. Latency is measured at a steady rate
well below capacity, since in a burst it only measures the burst's own queue.

BENCH_BACKENDS=sqlite (or postgres) runs one back-end; BENCH_SETTINGS=<module> measures a proposed
settings change (a module that star-imports bench.settings) without editing lms/."""

import json
import math
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import PostgresRedis, Service, bench_env, run_backends, scratch_dir, setup_django
from report import fmt, percentile, print_table, print_targets

N_TASKS = 400  # per throughput round
PACED_EVENTS = 60  # per outbox round, for the latency figures
PACED_RATE = 20.0  # events per second during the latency phase
ROUNDS = ("plain", "outbox", "outbox", "plain", "plain", "outbox")
ROUND_TIMEOUT = 90.0  # seconds for one round to drain before it counts as failed
CHILD_TIMEOUT = 240.0  # seconds for one back-end, migrations included
TARGET_RATIO = 0.75
TARGET_P95 = 1.5

POSTGRES = PostgresRedis("bsr_bench_", "redis://127.0.0.1:6379/2")

PING_EVENT = "bench.ping"

BACKENDS = {
    "sqlite": "SQLite + ORM broker",
    "postgres": "PostgreSQL + Redis",
}


# --- Producer side: a child process per back-end, with Django set up ---------------------------


def _cluster(log_path: Path) -> Service:
    """One `manage.py qcluster` subprocess, stopped by its own pid."""
    return Service(
        "qcluster", [sys.executable, "manage.py", "qcluster"], log_path, stop_timeout=30.0
    )


def _wait_until(predicate, cluster: Service, timeout: float = ROUND_TIMEOUT) -> float:
    deadline = time.perf_counter() + timeout
    while True:
        if predicate():
            return time.perf_counter()
        cluster.check_alive()
        if time.perf_counter() > deadline:
            raise TimeoutError(f"not done within {timeout:.0f} s")
        time.sleep(0.02)


def _emit_one(key: str, n: int, commits: dict[str, float]) -> None:
    from django.db import transaction

    from lms.events import emit

    with transaction.atomic(durable=True):
        # Registered before emit's own on_commit, so it runs first: right after COMMIT returns.
        transaction.on_commit(lambda: commits.__setitem__(key, time.time()))
        emit(PING_EVENT, key=key, payload={"n": n})


def _done_deliveries(prefix: str) -> int:
    from lms.models import Delivery

    return Delivery.objects.filter(
        event__key__startswith=prefix, status=Delivery.Status.DONE
    ).count()


def _latencies(prefix: str, commits: dict[str, float]) -> list[float]:
    from lms.models import Delivery

    rows = Delivery.objects.filter(event__key__startswith=prefix).values_list(
        "event__key", "started_at"
    )
    return [started.timestamp() - commits[key] for key, started in rows if key in commits]


def _reset() -> None:
    """Empty what the rounds count and what grows per task, so every round starts alike."""
    from django_q.models import Task

    from bench.benchapp.tasks import DISPATCH_TASK, PING_TASK, finished_path
    from lms.models import Event

    Task.objects.all().delete()
    Event.objects.all().delete()
    for func in (PING_TASK, DISPATCH_TASK):
        finished_path(func).unlink(missing_ok=True)


def _warm_up(cluster: Service, tag: str) -> None:
    """Wait until the cluster has run both code paths once, so imports and connections are warm."""
    from bench.benchapp.tasks import DISPATCH_TASK, PING_TASK, finished_count
    from lms.jobs import enqueue

    enqueue(PING_TASK, -1)
    _emit_one(f"bench:{tag}:warm", -1, {})
    _wait_until(
        lambda: finished_count(PING_TASK) >= 1 and finished_count(DISPATCH_TASK) >= 1, cluster
    )
    _reset()


def _round_plain(cluster: Service) -> dict:
    from django_q.models import Task

    from bench.benchapp.tasks import PING_TASK, finished_count
    from lms.jobs import enqueue

    cpu = cluster.cpu_seconds() + time.process_time()
    start = time.perf_counter()
    for i in range(N_TASKS):
        enqueue(PING_TASK, i)
    produced = time.perf_counter() - start
    end = _wait_until(lambda: finished_count(PING_TASK) >= N_TASKS, cluster)
    cpu = cluster.cpu_seconds() + time.process_time() - cpu
    return {
        "seconds": end - start,
        "rate": N_TASKS / (end - start),
        "produce_seconds": produced,
        "cpu_ms": cpu / N_TASKS * 1000,
        "failures": Task.objects.filter(func=PING_TASK, success=False).count(),
    }


def _round_outbox(cluster: Service, tag: str) -> dict:
    from bench.benchapp.tasks import DISPATCH_TASK, finished_count
    from lms.models import Delivery

    prefix = f"bench:{tag}:burst:"
    commits: dict[str, float] = {}
    cpu = cluster.cpu_seconds() + time.process_time()
    start = time.perf_counter()
    for i in range(N_TASKS):
        _emit_one(f"{prefix}{i}", i, commits)
    produced = time.perf_counter() - start
    # The cheap file check first, so polling does not load the database the cluster is using.
    end = _wait_until(
        lambda: finished_count(DISPATCH_TASK) >= N_TASKS and _done_deliveries(prefix) >= N_TASKS,
        cluster,
    )
    cpu = cluster.cpu_seconds() + time.process_time() - cpu
    failures = Delivery.objects.filter(event__key__startswith=prefix, attempts__gt=1).count()
    burst = _latencies(prefix, commits)

    # Latency at a steady rate well below capacity: commit of the emit → handler start.
    prefix = f"bench:{tag}:paced:"
    commits = {}
    paced_start = time.perf_counter()
    for i in range(PACED_EVENTS):
        delay = paced_start + i / PACED_RATE - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        _emit_one(f"{prefix}{i}", i, commits)
    _wait_until(
        lambda: (
            finished_count(DISPATCH_TASK) >= N_TASKS + PACED_EVENTS
            and _done_deliveries(prefix) >= PACED_EVENTS
        ),
        cluster,
    )
    return {
        "seconds": end - start,
        "rate": N_TASKS / (end - start),
        "produce_seconds": produced,
        "cpu_ms": cpu / N_TASKS * 1000,
        "failures": failures,
        "burst_latencies": burst,
        "paced_latencies": _latencies(prefix, commits),
    }


def _round_line(backend: str, number: int, measured: dict) -> str:
    line = (
        f"  {backend}: round {number} {measured['mode']:<6} {N_TASKS} in "
        f"{measured['seconds']:5.2f} s = {measured['rate']:6.1f}/s  (producer "
        f"{measured['produce_seconds']:.2f} s, client CPU {measured['cpu_ms']:.1f} ms per task"
    )
    if measured["failures"]:
        line += f", {measured['failures']} failed"
    if measured["mode"] == "outbox":
        burst, paced = measured["burst_latencies"], measured["paced_latencies"]
        line += (
            f"; latency p50/p95 in the burst {percentile(burst, 50):.2f}/"
            f"{percentile(burst, 95):.2f} s, at {PACED_RATE:g}/s "
            f"{percentile(paced, 50):.3f}/{percentile(paced, 95):.3f} s"
        )
    return line + ")"


def child_main(backend: str) -> None:
    """Producer process for one back-end: migrate the fresh database, run the rounds, write JSON."""

    def _terminate(signum, _frame):
        raise SystemExit(128 + signum)  # so the finally blocks stop the cluster

    signal.signal(signal.SIGTERM, _terminate)
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from lms.jobs import broker

    result: dict = {"rounds": [], "error": None}
    work_dir = Path(os.environ["BENCH_DIR"])
    try:
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        print(
            f"  {backend}: migrated in {time.perf_counter() - started:.1f} s; broker "
            f"{broker().info()}, {settings.Q_CLUSTER['workers']} workers, "
            f"save_limit {settings.Q_CLUSTER.get('save_limit')}",
            flush=True,
        )
        for number, mode in enumerate(ROUNDS, start=1):
            tag = f"r{number}"
            cluster = _cluster(work_dir / f"qcluster-{tag}.log")
            try:
                _warm_up(cluster, tag)
                measured = _round_plain(cluster) if mode == "plain" else _round_outbox(cluster, tag)
            except Exception as exc:
                # Carry on with the other rounds, but a failed round fails the back-end's targets.
                error = f"round {number} {mode}: {type(exc).__name__}: {exc}"
                result["error"] = result["error"] or error
                print(f"  {backend}: {error}", flush=True)
                continue
            finally:
                cluster.stop()
            measured["mode"] = mode
            result["rounds"].append(measured)
            print(_round_line(backend, number, measured), flush=True)
    except BaseException as exc:  # reported to the parent, which counts the targets as not met
        result["error"] = f"{type(exc).__name__}: {exc}"
        print(f"  {backend}: failed: {result['error']}", flush=True)
    finally:
        connections.close_all()
        Path(os.environ["BENCH_RESULT"]).write_text(json.dumps(result))


# --- Orchestrator: prepares each back-end, runs its producer, prints the table -------------------


def run_backend(backend: str) -> dict:
    with scratch_dir(f"bsr-bench-{backend}-") as work_dir:
        env = bench_env(
            work_dir,
            # BENCH_SETTINGS lets a proposed settings change be measured without editing lms/.
            settings=os.environ.get("BENCH_SETTINGS", "bench.settings"),
            prefix="bsr-bench",
            BENCH_CHILD=backend,
            BENCH_DIR=str(work_dir),
            BENCH_RESULT=str(work_dir / "result.json"),
        )
        if backend == "sqlite":
            env["SQLITE_PATH"] = str(work_dir / "db.sqlite3")
        else:
            reason = POSTGRES.prepare()
            if reason:
                print(f"  {backend}: skipped: {reason}", flush=True)
                return {"skipped": reason}
            env["DATABASE_URL"] = POSTGRES.url
            env["REDIS_URL"] = POSTGRES.redis_url
        try:
            proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve())], env=env)
            try:
                proc.wait(timeout=CHILD_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGTERM)  # the child stops its cluster on the way out
                try:
                    proc.wait(timeout=45)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            result_file = Path(env["BENCH_RESULT"])
            if result_file.exists():
                return json.loads(result_file.read_text())
            return {"rounds": [], "error": f"producer exited with {proc.returncode}, no result"}
        finally:
            if backend == "postgres":
                # The producer and the cluster have exited, so their connections are closed.
                POSTGRES.cleanup()


def summarise(result: dict) -> dict:
    rounds = result.get("rounds", [])
    by_mode = {mode: [r for r in rounds if r["mode"] == mode] for mode in ("plain", "outbox")}
    plain = max((r["rate"] for r in by_mode["plain"]), default=None)
    outbox = max((r["rate"] for r in by_mode["outbox"]), default=None)
    paced = [x for r in by_mode["outbox"] for x in r["paced_latencies"]]
    return {
        "complete": not result.get("error") and all(by_mode.values()),
        "plain": plain,
        "outbox": outbox,
        "ratio": outbox / plain if plain and outbox else None,
        "p50": percentile(paced, 50),
        "p95": percentile(paced, 95),
        "rates": {m: [r["rate"] for r in rs] for m, rs in by_mode.items()},
        "cpu": {
            m: statistics.median([r["cpu_ms"] for r in rs]) if rs else None
            for m, rs in by_mode.items()
        },
    }


def _percent(ratio: float | None) -> str:
    # Rounded down, so 74.96% never prints as a met-looking 75%.
    return "—" if ratio is None else f"{math.floor(ratio * 100)}%"


def main() -> int:
    print(
        f"Job throughput: {N_TASKS} trivial tasks vs {N_TASKS} outbox events (one emit per "
        f"transaction) per round; rounds {', '.join(ROUNDS)}; the best round of each mode counts."
        f"\nLatency: commit of the emit → Delivery.started_at, {PACED_EVENTS} events per outbox "
        f"round at {PACED_RATE:g}/s. Load average at start: {os.getloadavg()[0]:.1f} "
        f"({os.cpu_count()} CPUs).",
        flush=True,
    )
    started = time.perf_counter()
    results = run_backends(BACKENDS, run_backend)
    summaries = {backend: summarise(result) for backend, result in results.items()}

    header = ("backend", "plain tasks/s", "outbox events/s", "ratio", "p50 latency", "p95 latency")
    rows = []
    for backend, label in BACKENDS.items():
        s = summaries[backend]
        if results[backend].get("skipped"):
            rows.append((label, "skipped", "", "", "", ""))
            continue
        rows.append(
            (
                label,
                fmt(s["plain"], "{:.1f}"),
                fmt(s["outbox"], "{:.1f}"),
                _percent(s["ratio"]),
                fmt(s["p50"], "{:.3f} s"),
                fmt(s["p95"], "{:.3f} s"),
            )
        )
    print_table(header, rows)
    print()
    for backend, label in BACKENDS.items():
        s = summaries[backend]
        if results[backend].get("skipped") or not s["complete"]:
            continue
        rates = {m: "/".join(f"{r:.0f}" for r in rs) for m, rs in s["rates"].items()}
        print(
            f"{label}: every round plain {rates['plain']}, outbox {rates['outbox']} per s; "
            f"client CPU per task (median) plain {s['cpu']['plain']:.1f} ms, "
            f"outbox {s['cpu']['outbox']:.1f} ms"
        )
    print(
        f"Load average at end: {os.getloadavg()[0]:.1f}; ran in "
        f"{time.perf_counter() - started:.0f} s.\n"
    )

    checks = []
    for backend, label in BACKENDS.items():
        result, s = results[backend], summaries[backend]
        note = ""
        if result.get("skipped"):
            note = " (back-end skipped)"
        elif result.get("error"):
            note = f" (run failed: {result['error']})"
        checks += [
            (
                f"{label}: outbox throughput ≥ {TARGET_RATIO:.0%} of plain tasks",
                _percent(s["ratio"]) + note,
                s["complete"] and s["ratio"] is not None and s["ratio"] >= TARGET_RATIO,
            ),
            (
                f"{label}: p95 commit → handler start ≤ {TARGET_P95} s",
                fmt(s["p95"], "{:.3f} s") + note,
                s["complete"] and s["p95"] is not None and s["p95"] <= TARGET_P95,
            ),
        ]
    print_targets(checks)
    return 0


if __name__ == "__main__":
    if os.environ.get("BENCH_CHILD"):
        child_main(os.environ["BENCH_CHILD"])
    else:
        sys.exit(main())
