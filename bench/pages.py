"""Page throughput under gunicorn (2 workers) on 127.0.0.1: (a) an anonymous programme page served
by the page cache, under a language prefix (/lv/…), (b) a logged-in participant's module page with
progress, (c) a plain Django view returning the same bytes as (a) from a string, and (d) the
anonymous programme page with the page cache switched off (a stock, uncached Wagtail page). Run
from the project root: `.venv/bin/python bench/pages.py`.

A child process prepares a fresh SQLite database (migrate, demo content, a participant with
progress and a logged-in session) and counts the module page's SQL queries in-process. Two
gunicorns share that database, one with PAGE_CACHE_ENABLED=0 for (d); each is stopped by its own
pid. The client is a bounded thread pool of keep-alive-capable http.client connections; cases run
interleaved (a b c d d c b a) so machine noise touches them alike, and each case's rounds are
pooled. Every language's copy of the programme page is then fetched again until a page-cache hit
(at most six times: each worker has its own cache), which must be in its language."""

import contextlib
import http.client
import json
import os
import secrets
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from harness import Gunicorn, bench_env, fetch, run_child, scratch_dir, setup_django
from report import fmt, percentile, print_table, print_targets

CONNECTIONS = 4
ROUND_SECONDS = 5.0
WARM_SECONDS = 1.0
ROUNDS = ("a", "b", "c", "d", "d", "c", "b", "a")
SETUP_TIMEOUT = 300.0
TARGET_RATIO = 0.70
# One of them reads the session, kept in the database only (docs/deploy.md, "When Redis is down").
MAX_QUERIES = 11
PARTICIPANT_EMAIL = "bench.participant@example.org"
BENCH_LANGUAGE = "lv"  # the anonymous page is read under this language's prefix

CASES = {
    "a": "anonymous programme page (page cache on)",
    "b": "logged-in module page with progress",
    "c": "static bytes from a Django view",
    "d": "anonymous programme page (page cache off)",
}


# --- Set-up child: Django in-process, against the bench database ---------------------------------


def setup_main() -> None:
    """Migrate, load the demo, give a participant progress on one module, log them in, count the
    queries of their module page; write what the orchestrator needs as JSON."""
    setup_django()
    from io import StringIO

    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from lms.accounts.services import user_register
    from programmes.models import ModulePage, ProgrammePage
    from programmes.pages.selectors import modules_of
    from programmes.progress.selectors import missing_prerequisites
    from programmes.progress.services import progress_step_complete

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", stdout=StringIO())
    user = user_register(
        email=PARTICIPANT_EMAIL,
        password=secrets.token_urlsafe(16),
        full_name="Þórunn Guðmundsdóttir",
        country="IS",
    )
    programme = ProgrammePage.objects.live().order_by("path").first()
    with translation.override(BENCH_LANGUAGE):
        programme_url = programme.url  # under the language's prefix
    language_urls = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            language_urls[code] = programme.url
    module: ModulePage | None = None
    for candidate in modules_of(programme=programme):
        if not missing_prerequisites(module=candidate, user=user):
            module = candidate
            break
    if module is None:
        raise RuntimeError(f"no module without prerequisites in {programme}")
    with translation.override(settings.LANGUAGE_CODE):
        module_url = module.url  # the participant reads English: no prefix
    plain_steps = [c.id for c in module.lessons if c.block_type not in ("quiz", "reflection")]
    for step_id in plain_steps[:2]:
        progress_step_complete(user=user, module=module, step_id=step_id)

    client = Client()
    client.force_login(user)
    client.get(module_url)  # warm: the first request of a process loads Wagtail's site data
    # Read each capture straight away: the next request's request_started resets the log the
    # context reads from.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(module_url)
    module_sql = [q["sql"] for q in captured.captured_queries]
    if response.status_code != 200 or b"Your progress" not in response.content:
        raise RuntimeError(f"module page as the participant: HTTP {response.status_code}")

    anonymous = Client()
    cache.clear()
    anonymous.get(programme_url)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        anonymous.get(programme_url)
    uncached_count = len(captured.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        anonymous.get(programme_url)
    cached_count = len(captured.captured_queries)

    Path(os.environ["BENCH_RESULT"]).write_text(
        json.dumps(
            {
                "programme_url": programme_url,
                "language_urls": language_urls,
                "module_url": module_url,
                "module_title": module.title,
                "steps_done": len(plain_steps[:2]),
                "steps": len(module.lessons),
                "session_cookie": (
                    f"{settings.SESSION_COOKIE_NAME}="
                    f"{client.cookies[settings.SESSION_COOKIE_NAME].value}"
                ),
                "queries": {
                    "b": len(module_sql),
                    "d": uncached_count,
                    "a": cached_count,
                    "c": 0,
                },
                "module_sql": module_sql,
                "seconds": time.perf_counter() - started,
            }
        )
    )


# --- Client --------------------------------------------------------------------------------------


def load(port: int, path: str, headers: dict, seconds: float) -> dict:
    """CONNECTIONS threads, each on its own connection (reopened whenever the server closes it),
    sending requests back to back for `seconds`."""
    latencies: list[list[float]] = [[] for _ in range(CONNECTIONS)]
    statuses: list[Counter] = [Counter() for _ in range(CONNECTIONS)]
    cache_states: list[Counter] = [Counter() for _ in range(CONNECTIONS)]
    errors: list[int] = [0] * CONNECTIONS
    start_gate = threading.Barrier(CONNECTIONS + 1)
    deadline = [0.0]

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        start_gate.wait()
        try:
            while time.perf_counter() < deadline[0]:
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    errors[i] += 1
                    conn.close()
                    continue
                latencies[i].append(time.perf_counter() - t0)
                statuses[i][response.status] += 1
                cache_states[i][response.getheader("X-Page-Cache", "-")] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + seconds
    start_gate.wait()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "latencies": [x for per in latencies for x in per],
        "statuses": sum(statuses, Counter()),
        "cache": sum(cache_states, Counter()),
        "errors": sum(errors),
    }


# --- Orchestrator --------------------------------------------------------------------------------


def _env(work_dir: Path) -> dict[str, str]:
    return bench_env(
        work_dir,
        settings="bench.pages_settings",
        prefix="bsr-bench-pages",
        SQLITE_PATH=str(work_dir / "db.sqlite3"),
        PAGE_CACHE_ENABLED="1",
        BENCH_STATIC_BYTES=str(work_dir / "static-bytes.html"),
        BENCH_RESULT=str(work_dir / "setup.json"),
    )


def _setup(env: dict[str, str]) -> dict:
    return run_child(
        __file__,
        {**env, "BENCH_PAGES_SETUP": "1"},
        Path(env["BENCH_RESULT"]),
        SETUP_TIMEOUT,
        "set-up",
    )


def run(work_dir: Path) -> tuple[dict, dict]:
    env = _env(work_dir)
    setup = _setup(env)
    print(
        f"Set-up in {setup['seconds']:.0f} s: programme page {setup['programme_url']}, module "
        f"page {setup['module_url']} ({setup['steps_done']} of {setup['steps']} steps done).",
        flush=True,
    )
    cached = Gunicorn("cache-on", env, work_dir, workers=2)
    uncached = Gunicorn("cache-off", {**env, "PAGE_CACHE_ENABLED": "0"}, work_dir, workers=2)
    try:
        cached.wait_ready()
        uncached.wait_ready()
        status, headers, page = fetch(cached.port, setup["programme_url"])
        if status != 200:
            raise RuntimeError(f"programme page: HTTP {status}")
        Path(env["BENCH_STATIC_BYTES"]).write_bytes(page)
        _, _, stock = fetch(uncached.port, setup["programme_url"])
        _, _, static = fetch(cached.port, "/bench/static-bytes/")
        if static != page:
            raise RuntimeError("the static-bytes view does not return the captured page")
        if stock != page:
            print("  note: the uncached page's bytes differ from the cached page's", flush=True)
        session = {"Cookie": setup["session_cookie"]}
        targets = {
            "a": (cached.port, setup["programme_url"], {}),
            "b": (cached.port, setup["module_url"], session),
            "c": (cached.port, "/bench/static-bytes/", {}),
            "d": (uncached.port, setup["programme_url"], {}),
        }
        status, _, body = fetch(*targets["b"])
        if status != 200 or b"Log out" not in body:
            raise RuntimeError(f"module page with the session: HTTP {status}, not logged in")
        print(
            f"Bytes per response: (a) {len(page)}, (b) {len(body)}, (c) {len(static)}, "
            f"(d) {len(stock)}. {CONNECTIONS} connections, {ROUND_SECONDS:g} s per round, "
            f"rounds {' '.join(ROUNDS)}.",
            flush=True,
        )
        for case in CASES:
            load(*targets[case], seconds=WARM_SECONDS)
        rounds: dict[str, list[dict]] = {case: [] for case in CASES}
        for case in ROUNDS:
            measured = load(*targets[case], seconds=ROUND_SECONDS)
            rounds[case].append(measured)
            rate = len(measured["latencies"]) / measured["seconds"]
            print(
                f"  ({case}) {rate:8.1f} req/s  statuses {dict(measured['statuses'])}  "
                f"X-Page-Cache {dict(measured['cache'])}"
                + (f"  errors {measured['errors']}" if measured["errors"] else ""),
                flush=True,
            )
        # A cached copy per language: a repeated fetch of each language's page is a hit (each
        # worker keeps its own local-memory cache, so a few fetches reach both), in its language.
        cached_languages = []
        for code, path in setup["language_urls"].items():
            lang = f'<html lang="{code}">'.encode()
            for _attempt in range(6):
                status, headers, body = fetch(cached.port, path)
                if status == 200 and headers.get("X-Page-Cache") == "hit" and lang in body:
                    cached_languages.append(code)
                    break
        setup["cached_languages"] = cached_languages
    finally:
        cached.stop()
        uncached.stop()
    return setup, rounds


def summarise(rounds: list[dict]) -> dict:
    latencies = [x for r in rounds for x in r["latencies"]]
    seconds = sum(r["seconds"] for r in rounds)
    ok = sum(r["statuses"].get(200, 0) for r in rounds)
    return {
        "rate": len(latencies) / seconds if seconds else None,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "all_ok": bool(latencies) and ok == len(latencies) and not any(r["errors"] for r in rounds),
        "cache": sum((r["cache"] for r in rounds), Counter()),
    }


def main() -> int:
    print(
        f"Page throughput: gunicorn 2 sync workers on 127.0.0.1, SQLite, local-memory cache. "
        f"Load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs).",
        flush=True,
    )
    started = time.perf_counter()
    setup: dict = {}
    summaries: dict[str, dict] = {}
    error = None
    with scratch_dir("bsr-bench-pages-") as work_dir:
        try:
            setup, rounds = run(work_dir)
            summaries = {case: summarise(rounds[case]) for case in CASES}
        except Exception as exc:  # reported below; the targets then count as not met
            error = f"{type(exc).__name__}: {exc}"
            print(f"run failed: {error}", flush=True)

    queries = setup.get("queries", {})
    static_rate = summaries.get("c", {}).get("rate")
    header = ("case", "req/s", "p50", "p99", "vs (c)", "SQL queries", "X-Page-Cache")
    rows = []
    for case, label in CASES.items():
        s = summaries.get(case)
        if not s:
            rows.append((f"({case}) {label}", "—", "—", "—", "—", str(queries.get(case, "—")), ""))
            continue
        rows.append(
            (
                f"({case}) {label}",
                fmt(s["rate"], "{:.0f}"),
                fmt(s["p50"] and s["p50"] * 1000, "{:.1f} ms"),
                fmt(s["p99"] and s["p99"] * 1000, "{:.1f} ms"),
                fmt(static_rate and s["rate"] / static_rate * 100, "{:.0f}%"),
                str(queries.get(case, "—")),
                ", ".join(f"{k} {v}" for k, v in s["cache"].most_common()),
            )
        )
    print_table(header, rows)
    print(
        f"\nLoad average at end: {os.getloadavg()[0]:.1f}; ran in "
        f"{time.perf_counter() - started:.0f} s.\n"
    )
    if setup.get("module_sql") and queries.get("b", 0) > MAX_QUERIES:
        print(f"The module page's {queries['b']} queries:")
        for sql in setup["module_sql"]:
            where = sql.find(" WHERE ")
            print(f"  {sql[:40]} …{sql[where : where + 110] if where > 0 else ''}")
        print()

    a, b, c, d = (summaries.get(case, {}) for case in "abcd")
    ratio = a["rate"] / c["rate"] if a.get("rate") and c.get("rate") else None
    note = f" (run failed: {error})" if error else ""
    checks = (
        (
            f"(a) anonymous programme page ≥ {TARGET_RATIO:.0%} of (c) static bytes",
            fmt(ratio and ratio * 100, "{:.0f}%") + note,
            ratio is not None and ratio >= TARGET_RATIO and a["all_ok"] and c["all_ok"],
        ),
        (
            "(b) logged-in module page at least as fast as (d) stock uncached page",
            f"{fmt(b.get('rate'), '{:.0f}')} vs {fmt(d.get('rate'), '{:.0f}')} req/s{note}",
            bool(b.get("rate") and d.get("rate"))
            and b["rate"] >= d["rate"]
            and b["all_ok"]
            and d["all_ok"],
        ),
        (
            "a cached page per language (a repeated fetch is a hit, in its language)",
            f"{len(setup.get('cached_languages', []))} of {len(setup.get('language_urls', {}))}"
            + note,
            bool(setup.get("language_urls"))
            and len(setup.get("cached_languages", [])) == len(setup["language_urls"]),
        ),
        (
            f"module page SQL queries ≤ {MAX_QUERIES}",
            str(queries.get("b", "—")) + note,
            "b" in queries and queries["b"] <= MAX_QUERIES,
        ),
    )
    print_targets(checks)
    return 0


if __name__ == "__main__":
    if os.environ.get("BENCH_PAGES_SETUP"):
        setup_main()
    else:
        with contextlib.suppress(KeyboardInterrupt):
            sys.exit(main())
