"""Many machines on one: two web nodes (gunicorn, 4 workers each, working folders of their own)
against PostgreSQL, Redis and an S3-protocol object store, compared side by side with one node of
8 workers on the same PostgreSQL with its cache, job queue and files kept locally. Run from the
project root: `.venv/bin/python bench/scale.py`.

(a) Throughput, same total workers: the anonymous programme page and a logged-in participant's
module page, closed-loop from a pool of client threads for a few seconds a round, rounds
interleaved (one, two, two, one, ...) so machine noise touches both alike; the two-node set-up's
requests go to the node with the fewest requests in flight (ties in turn), as a load balancer
set to least connections does (nginx `least_conn`, HAProxy `leastconn`): one node's 8 workers
share one queue, and strict turns would give two nodes two queues, where a request waits behind
a slow one on its node while the other node idles. Target: two nodes ≥ 0.9× one.
(b) The application-deadline rush on the two-node set-up: 2,000 logged-in people each POST one
application to an open cohort (300 places, at most 30 per country) at random moments of a window
of RUSH_SECONDS (150 s: twice the rate of "2,000 within 5 minutes", to keep the run within 10
minutes), while 200 people browse the public programme pages with a few seconds between clicks.
Targets: no error, every place exact (no cap passed, one enrolment each, the places filled as the
rules say), p95 under 1 s. No job cluster runs: the e-mails wait in the queue.

This machine has 2 cores, so the second node cannot add speed; the ratio shows what sharing the
sessions, the cache and the files costs. The clients run on the same cores as the servers."""

import contextlib
import http.client
import json
import os
import random
import secrets
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from harness import (
    Gunicorn,
    PostgresRedis,
    Service,
    bench_env,
    free_port,
    run_child,
    scratch_dir,
    session_cookie,
    setup_django,
)
from report import fmt, percentile, print_table, print_targets

CAPACITY = 300
COUNTRY_CAP = 30
COUNTRIES = ["DK", "EE", "FI", "DE", "IS", "LV", "LT", "NO", "PL", "SE", "EU"]
# Uneven, as applications are: some countries send fewer people than their cap.
WEIGHTS = [9, 6, 14, 16, 1, 7, 7, 9, 14, 15, 0.6]
APPLICANTS = 2000
BROWSERS = 200
RUSH_SECONDS = 150.0
THINK_SECONDS = (1.0, 5.0)
RUSH_THREADS = 48
ROUND_SECONDS = 6.0
ROUNDS = 6
CLIENTS = 16
WORKERS_TOTAL = 8
REQUEST_TIMEOUT = 30.0
SETUP_TIMEOUT = 300.0
RUN_BUDGET = 570.0
TARGET_RATIO = 0.9
TARGET_P95 = 1.0
MOTIVATION = "Koordinacja działań ratowniczych na Bałtyku — ćwiczenia z sąsiadami."
NAMES = ("Jānis Bērziņš", "Žydrūnas Šimkus", "Þórunn Guðmundsdóttir", "Søren Ærø", "Õie Täht")

BACKEND = PostgresRedis("bench_scale_", "redis://127.0.0.1:6379/8")
_started = time.perf_counter()


def left() -> float:
    return RUN_BUDGET - (time.perf_counter() - _started)


# --- Set-up and verify children: Django in-process, against the bench database ----------------


def setup_main() -> None:
    setup_django()
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.urls import reverse
    from django.utils import timezone

    from cohorts.models import (
        ApplicationQuestion,
        Cohort,
        EnrolmentMode,
        PlaceRule,
        RuleAttribute,
        RuleKind,
    )
    from lms.models import HomePage, Organisation, Profile, Sector, User
    from programmes.models import ModulePage, ProgrammeIndexPage, ProgrammePage

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter() - started
    home = HomePage.objects.get()
    index = home.add_child(
        instance=ProgrammeIndexPage(title="Programmes", slug="programmes", intro="Programmes.")
    )
    programme = index.add_child(
        instance=ProgrammePage(
            title="Baltic Excellence Programme",
            slug="bep",
            short_name="BEP",
            summary="A yearly leadership course run by the presidency.",
        )
    )
    module = programme.add_child(
        instance=ModulePage(
            title="Leading across borders",
            slug="leading-across-borders",
            summary="Joint action and interoperability in a crisis.",
            estimated_minutes=40,
            lessons=json.dumps(
                [
                    {
                        "type": "section",
                        "id": f"step-{n}",
                        "value": {
                            "title": f"Section {n}",
                            "content": [
                                {
                                    "type": "paragraph",
                                    "value": f"<p>Section {n}: who decides, who informs.</p>",
                                    "id": f"p{n}",
                                }
                            ],
                        },
                    }
                    for n in range(1, 6)
                ]
            ),
        )
    )
    now = timezone.now()
    cohort = Cohort.objects.create(
        programme=programme,
        title="BEP 2027 — Danish presidency",
        slug="bep-2027",
        presidency_country="DK",
        starts_on=timezone.localdate() + timedelta(days=60),
        ends_on=timezone.localdate() + timedelta(days=200),
        enrolment_mode=EnrolmentMode.OPEN,
        applications_open_at=now - timedelta(hours=1),
        applications_close_at=now + timedelta(days=1),
        capacity=CAPACITY,
    )
    PlaceRule.objects.create(
        cohort=cohort, kind=RuleKind.CAP, attribute=RuleAttribute.COUNTRY, limit=COUNTRY_CAP
    )
    question = ApplicationQuestion.objects.create(
        cohort=cohort, label="Why do you want to take part?", required=True
    )
    organisations = {
        code: Organisation.objects.create(
            name=f"Rescue service {code}", country=code, sector=Sector.FIRE_RESCUE
        )
        for code in COUNTRIES
    }
    countries = random.Random(2027).choices(COUNTRIES, weights=WEIGHTS, k=APPLICANTS + 1)
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(email=f"scale.{i}@example.org", password=unusable) for i in range(len(countries))]
    )
    Profile.objects.bulk_create(
        [
            Profile(
                user=user,
                full_name=f"{NAMES[i % len(NAMES)]} {i}",
                country=code,
                organisation=organisations[code],
                sector=Sector.FIRE_RESCUE,
            )
            for i, (user, code) in enumerate(zip(users, countries, strict=True))
        ]
    )
    reader, applicants = users[0], users[1:]
    apply_path = reverse("cohorts:apply", kwargs={"slug": cohort.slug})
    rows = []
    for user in applicants:
        cookie, csrf = session_cookie(user)
        body = urlencode({"csrfmiddlewaretoken": csrf, question.field_name: MOTIVATION})
        rows.append({"cookie": cookie, "body": body})
    reader_cookie, _ = session_cookie(reader)
    result = {
        "migrated_seconds": migrated,
        "cohort_id": cohort.pk,
        "apply_path": apply_path,
        "applications": rows,
        "countries": Counter(countries[1:]),
        "browse_paths": [home.url, index.url, programme.url, f"/cohorts/{cohort.slug}/"],
        "programme_path": programme.url,
        "module_path": module.url,
        "reader_cookie": reader_cookie,
        "seconds": time.perf_counter() - started,
    }
    Path(os.environ["BENCH_RESULT"]).write_text(json.dumps(result))


def verify_main() -> None:
    setup_django()
    from django.db.models import Count

    from cohorts.models import Cohort, Enrolment, EnrolmentState, PlaceClaim

    setup = json.loads(Path(os.environ["BENCH_SETUP"]).read_text())
    cohort = Cohort.objects.get(pk=setup["cohort_id"])
    enrolments = Enrolment.objects.filter(cohort=cohort)
    accepted = dict(
        enrolments.filter(state=EnrolmentState.ACCEPTED)
        .values_list("country")
        .annotate(n=Count("id"))
        .values_list("country", "n")
    )
    per_person = Counter(enrolments.values_list("user_id", flat=True))
    result = {
        "enrolments": enrolments.count(),
        "people_twice": sum(1 for n in per_person.values() if n > 1),
        "accepted_by_country": accepted,
        "waitlisted": enrolments.filter(state=EnrolmentState.WAITLISTED).count(),
        "claims": PlaceClaim.objects.filter(scope=f"c:{cohort.pk}").count(),
    }
    Path(os.environ["BENCH_RESULT"]).write_text(json.dumps(result))


# --- The client: plain http.client, one connection per request (gunicorn's sync workers) -------


def request(port: int, method: str, path: str, headers: dict, body: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    started = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        status = response.status
        if status == 302 and "/login/" in (response.getheader("Location") or ""):
            status = 401  # sent to log in: the session did not hold
        return status, time.perf_counter() - started
    except OSError:
        return 0, time.perf_counter() - started
    finally:
        conn.close()


def closed_loop(ports: list[int], path: str, headers: dict, seconds: float) -> tuple[int, int]:
    """CLIENTS threads, each sending the next request as soon as the last one answered, to the
    port with the fewest requests in flight (ties in turn). Returns (answered 200, other
    answers)."""
    stop = time.perf_counter() + seconds
    counts = Counter()
    lock = threading.Lock()
    in_flight = dict.fromkeys(ports, 0)
    turn = [0]

    def client():
        while time.perf_counter() < stop:
            with lock:
                turn[0] += 1
                port = min(
                    ports, key=lambda p: (in_flight[p], (ports.index(p) + turn[0]) % len(ports))
                )
                in_flight[port] += 1
            status, _ = request(port, "GET", path, headers)
            with lock:
                in_flight[port] -= 1
                counts["ok" if status == 200 else "bad"] += 1

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["ok"], counts["bad"]


def rush(ports: list[int], setup: dict) -> dict:
    """Applications at random moments of the window, one thread pool sending them on time, while
    BROWSERS people click through the public pages."""
    rng = random.Random(5)
    moments = sorted(rng.uniform(0, RUSH_SECONDS) for _ in setup["applications"])
    jobs = list(zip(moments, setup["applications"], strict=True))
    start = time.perf_counter() + 1.0
    stop = start + RUSH_SECONDS
    lock = threading.Lock()
    outcomes = {"apply": Counter(), "browse": Counter()}
    latencies = {"apply": [], "browse": []}
    late = []

    def record(kind: str, status: int, seconds: float, good: set[int]) -> None:
        with lock:
            outcomes[kind][status if status in good else f"error {status}"] += 1
            latencies[kind].append(seconds)

    def applicant_worker():
        while True:
            with lock:
                if not jobs:
                    return
                moment, row = jobs.pop(0)
                index = len(jobs)
            wait = start + moment - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            else:
                late.append(-wait)
            headers = {
                "Cookie": row["cookie"],
                "Content-Type": "application/x-www-form-urlencoded",
            }
            port = ports[index % len(ports)]
            status, seconds = request(port, "POST", setup["apply_path"], headers, row["body"])
            record("apply", status, seconds, {302})

    def browser(number: int):
        person = random.Random(number)
        time.sleep(person.uniform(0, THINK_SECONDS[1]))
        while time.perf_counter() < stop:
            path = person.choice(setup["browse_paths"])
            status, seconds = request(person.choice(ports), "GET", path, {})
            record("browse", status, seconds, {200})
            time.sleep(person.uniform(*THINK_SECONDS))

    threads = [threading.Thread(target=applicant_worker) for _ in range(RUSH_THREADS)]
    threads += [threading.Thread(target=browser, args=(n,)) for n in range(BROWSERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(5.0, left() - 60))
    return {
        "outcomes": {k: dict(v) for k, v in outcomes.items()},
        "latencies": latencies,
        "late_p95": percentile(late, 95) if late else 0.0,
    }


# --- The S3-protocol server ---------------------------------------------------------------------


class ObjectStore(Service):
    def __init__(self, work_dir: Path):
        self.port = free_port()
        super().__init__(
            "S3 server",
            [sys.executable, "-m", "tests.s3_server", str(self.port)],
            work_dir / "s3.log",
        )

    def url(self) -> str:
        import boto3

        deadline = time.perf_counter() + 30
        client = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.port}",
            aws_access_key_id="bench",
            aws_secret_access_key="bench-secret",
            region_name="eu-north-1",
        )
        while True:
            self.check_alive()
            try:
                for bucket in ("bench-media", "bench-private"):
                    client.create_bucket(
                        Bucket=bucket,
                        CreateBucketConfiguration={"LocationConstraint": "eu-north-1"},
                    )
                break
            except Exception:
                if time.perf_counter() > deadline:
                    raise
                time.sleep(0.3)
        return (
            f"s3://bench:bench-secret@127.0.0.1:{self.port}/bench-media"
            "?region=eu-north-1&secure=0&private_bucket=bench-private"
        )


# --- The orchestrator ---------------------------------------------------------------------------


def main() -> int:
    checks = []
    reason = BACKEND.prepare()
    if reason:
        print(f"scale: {reason}")
        print_targets([("the bench ran", reason, False)])
        return 1
    services: list[Service] = []
    try:
        with scratch_dir("bench-scale-") as work:
            store = ObjectStore(work)
            services.append(store)
            storage_url = store.url()
            common = {
                "DATABASE_URL": BACKEND.url,
                "SECRET_KEY": secrets.token_urlsafe(50),
                "PAGE_CACHE_ENABLED": "1",
            }
            (work / "setup").mkdir()
            setup_env = bench_env(
                work / "setup", settings="lms.settings", prefix="bench-scale", **common
            )
            setup_env["SECRET_KEY"] = common["SECRET_KEY"]
            setup_file = work / "setup.json"
            setup = run_child(
                __file__,
                {**setup_env, "BENCH_STEP": "setup", "BENCH_RESULT": str(setup_file)},
                setup_file,
                SETUP_TIMEOUT,
                "set-up",
            )
            print(
                f"set-up: migrated in {setup['migrated_seconds']:.0f} s, "
                f"{len(setup['applications'])} applicants in {setup['seconds']:.0f} s",
                flush=True,
            )

            def node_env(name: str, shared: bool) -> dict:
                (work / name).mkdir(exist_ok=True)
                env = bench_env(work / name, settings="lms.settings", prefix="bench-scale")
                env.update(common)
                if shared:
                    env.update(REDIS_URL=BACKEND.redis_url, STORAGE_URL=storage_url)
                return env

            one = [Gunicorn("one", node_env("one", False), work, workers=WORKERS_TOTAL)]
            two = [
                Gunicorn(f"two-{n}", node_env(f"two-{n}", True), work, workers=WORKERS_TOTAL // 2)
                for n in (1, 2)
            ]
            for node in [*one, *two]:
                services.append(node)
            for node in [*one, *two]:
                node.wait_ready(path=setup["programme_path"])

            # (a) throughput, interleaved rounds.
            pages = {
                "anonymous programme page": (setup["programme_path"], {}),
                "logged-in module page": (setup["module_path"], {"Cookie": setup["reader_cookie"]}),
            }
            rates = {(page, setup_name): [] for page in pages for setup_name in ("one", "two")}
            bad = Counter()
            for page, (path, headers) in pages.items():
                for nodes in (one, two):  # warm every worker's caches and connections
                    closed_loop([n.port for n in nodes], path, headers, 1.5)
                for round_number in range(ROUNDS):
                    order = ("one", "two") if round_number % 2 == 0 else ("two", "one")
                    for setup_name in order:
                        nodes = one if setup_name == "one" else two
                        ok, wrong = closed_loop(
                            [n.port for n in nodes], path, headers, ROUND_SECONDS
                        )
                        rates[page, setup_name].append(ok / ROUND_SECONDS)
                        bad[setup_name] += wrong
            rows = []
            for page in pages:
                one_rate = sum(rates[page, "one"]) / ROUNDS
                two_rate = sum(rates[page, "two"]) / ROUNDS
                ratio = two_rate / one_rate if one_rate else 0.0
                rows.append((page, f"{one_rate:.0f}", f"{two_rate:.0f}", f"{ratio:.2f}"))
                checks.append(
                    (
                        f"{page}, two nodes ≥ {TARGET_RATIO}× one node",
                        f"{ratio:.2f}× ({two_rate:.0f} vs {one_rate:.0f} req/s)",
                        ratio >= TARGET_RATIO,
                    )
                )
            print_table(
                (
                    "page (throughput, same total workers)",
                    f"one node × {WORKERS_TOTAL} req/s",
                    f"two nodes × {WORKERS_TOTAL // 2} req/s",
                    "ratio (baseline: one node)",
                ),
                rows,
            )
            print(f"non-200 answers during the rounds: {dict(bad) or 'none'}", flush=True)
            for node in one:
                node.stop()

            # (b) the rush, on the two nodes.
            print(
                f"\nrush: {len(setup['applications'])} applications over {RUSH_SECONDS:.0f} s "
                f"while {BROWSERS} people browse ...",
                flush=True,
            )
            outcome = rush([n.port for n in two], setup)
            verify_file = work / "verify.json"
            verify_env = {
                **setup_env,
                "BENCH_STEP": "verify",
                "BENCH_RESULT": str(verify_file),
                "BENCH_SETUP": str(work / "setup.json"),
            }
            verified = run_child(__file__, verify_env, verify_file, 120, "verify")

            rows = []
            for kind in ("apply", "browse"):
                values = outcome["latencies"][kind]
                rows.append(
                    (
                        kind,
                        str(len(values)),
                        ", ".join(
                            f"{k}: {v}"
                            for k, v in sorted(outcome["outcomes"][kind].items(), key=str)
                        ),
                        fmt(percentile(values, 50), "{:.3f}"),
                        fmt(percentile(values, 95), "{:.3f}"),
                        fmt(percentile(values, 99), "{:.3f}"),
                    )
                )
            print_table(("rush requests", "n", "answers", "p50 s", "p95 s", "p99 s"), rows)
            print(f"applications sent late by the client (p95): {outcome['late_p95']:.3f} s")

            errors = sum(
                n
                for kind in ("apply", "browse")
                for status, n in outcome["outcomes"][kind].items()
                if str(status).startswith("error")
            )
            expected = min(CAPACITY, sum(min(COUNTRY_CAP, n) for n in setup["countries"].values()))
            accepted = verified["accepted_by_country"]
            exact = (
                verified["enrolments"] == len(setup["applications"])
                and verified["people_twice"] == 0
                and sum(accepted.values()) == expected
                and max(accepted.values(), default=0) <= COUNTRY_CAP
                and verified["claims"] == sum(accepted.values())
                and verified["waitlisted"] == len(setup["applications"]) - expected
            )
            print(
                f"places: {sum(accepted.values())} accepted (expected {expected}), "
                f"{verified['waitlisted']} waitlisted, {verified['enrolments']} enrolments, "
                f"{verified['people_twice']} people twice, most from one country "
                f"{max(accepted.values(), default=0)} (cap {COUNTRY_CAP})"
            )
            every = outcome["latencies"]["apply"] + outcome["latencies"]["browse"]
            p95 = percentile(every, 95)
            checks.append(("rush: no error", f"{errors} errors", errors == 0))
            checks.append(("rush: places exact", "exact" if exact else "NOT exact", exact))
            checks.append(
                (
                    f"rush: p95 under {TARGET_P95:.0f} s",
                    fmt(p95, "{:.3f} s"),
                    p95 is not None and p95 < TARGET_P95,
                )
            )
    finally:
        for service in reversed(services):
            with contextlib.suppress(Exception):
                service.stop()
        BACKEND.cleanup()
    print()
    print_targets(checks)
    return 0


if __name__ == "__main__":
    step = os.environ.get("BENCH_STEP")
    if step == "setup":
        setup_main()
    elif step == "verify":
        verify_main()
    else:
        sys.exit(main())
