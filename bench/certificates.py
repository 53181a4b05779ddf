"""Certificate rendering: the project's reportlab certificate (embedded DejaVu Sans, vector QR code)
side by side with a trivial one-line reportlab PDF (the limit) and the same certificate built from
HTML by WeasyPrint; then a bulk issue of 1,000 certificates for one cohort through the real job
queue. Run from the project root: `.venv/bin/python bench/certificates.py`.

Each renderer runs in its own child process, so one's imports, caches and memory cannot colour
another's figures. A child renders a few certificates to warm up (fonts parsed, modules imported),
then a timed batch of 500 with different names and codes, then the same batch again under
tracemalloc for the memory figures (slower, so not timed). WeasyPrint is not a project
dependency: when it cannot be imported the bench installs it into a temporary folder with pip,
removed afterwards.

The bulk issue runs in a child process with a fresh database: PostgreSQL + Redis when they answer
(the django-q2 broker on Redis), else SQLite with the ORM broker. It starts `manage.py qcluster`
with 2 workers, warms it up with a small bulk issue, then times `certificates_bulk_request` for a
cohort of 1,000 people who completed it, until its status row says done: the pending rows, the
rendering in chunks shared by both workers, the PDFs written to the private storage and the
`certificates.certificate.issued` events. The e-mails that follow are reported, not timed.
BENCH_CERT_BULK=0 skips it."""

import datetime as dt
import gc
import html
import importlib.util
import json
import math
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from harness import (
    ROOT,
    PostgresRedis,
    Service,
    bench_env,
    run_child,
    scratch_dir,
    setup_django,
)
from report import fmt, percentile, print_table, print_targets

N_CERTIFICATES = 500
N_WARM_UP = 5
WINDOW = 50  # certificates per memory window: the first and the last are compared
N_TRACED_WEASYPRINT = 100  # WeasyPrint under tracemalloc is slow; fewer keep the run short
CHILD_TIMEOUT = 300.0
PIP_TIMEOUT = 180.0

TARGET_RATE = 120.0  # certificates per second per process
TARGET_RATIO = 6.0  # times WeasyPrint's rate
TARGET_SIZE = 60 * 1024  # bytes
TARGET_TRACED_GROWTH = 1024 * 1024  # bytes still allocated after 500 that were not after 50
TARGET_RSS_GROWTH = 4 * 1024 * 1024  # bytes of resident memory added after the first 50

BULK_PEOPLE = 1000
BULK_WORKERS = 2
BULK_WARM_UP = 6  # people in the warm-up cohort
BULK_TIMEOUT = 300.0  # seconds for the bulk child, migrations included
BULK_RUN_TIMEOUT = 120.0  # seconds for the timed bulk issue to finish
BULK_EMAIL_TIMEOUT = 90.0  # seconds to wait for the e-mails afterwards (reported only)
TARGET_BULK_SECONDS = 20.0
BULK_POSTGRES = PostgresRedis(
    "bsr_bench_cert_", os.environ.get("BENCH_CERT_REDIS_URL", "redis://127.0.0.1:6379/4")
)

VARIANTS = {
    "trivial": "trivial one-line reportlab PDF (the limit)",
    "certificate": "certificate, reportlab + DejaVu + QR",
    "weasyprint": "same certificate, HTML by WeasyPrint",
}

NAMES = [
    "Jānis Bērziņš",
    "Žydrūnas Šimkus",
    "Þórunn Guðmundsdóttir",
    "Małgorzata Wąsowska",
    "Søren Ærø",
    "Õie Täht",
    "Aino Virtanen",
    "Ķirsis Ļaudaks",
    "Gintarė Čepulė",
    "Zoltán Kőváry",
]


# --- Child side: one renderer ----------------------------------------------------------------


def batch_data(n: int) -> list:
    from certificates.documents.pdf import CertificateData, Signatory
    from certificates.verify.codes import code_new

    out = []
    for i in range(n):
        code = code_new()
        name = f"{NAMES[i % len(NAMES)]} {NAMES[(i * 7 + 3) % len(NAMES)].split()[1]}"
        out.append(
            CertificateData(
                holder_name=name,
                title="Certificate of Completion",
                wording=(
                    f"This certifies that {name} has successfully completed the Baltic Excellence "
                    "Programme 2026, a leadership course for senior civil-protection and "
                    "law-enforcement experts of the Baltic Sea Region.",
                    "The programme covered crisis leadership, cross-border cooperation, "
                    "table-top exercises and a study visit to the Finnish Emergency Services "
                    "Academy in Kuopio.",
                ),
                programme="Baltic Excellence Programme",
                context="BEP 2026 — Finnish presidency",
                date_start=dt.date(2026, 3, 2),
                date_end=dt.date(2026, 9, 30),
                hours=48,
                place="Helsinki, Finland",
                signatories=(
                    Signatory("Aino Virtanen", "Programme Director"),
                    Signatory("Małgorzata Wąsowska", "Head of Secretariat, CBSS"),
                ),
                verification_url=f"https://academy.example.org/certificates/verify/{code}/",
                verification_code=code,
                issued_on=dt.date(2026, 10, 1),
                second_language="lv",
                second_title="Apliecība par pabeigšanu",
                second_wording=(
                    f"Šī apliecība apliecina, ka {name} ir sekmīgi pabeidzis Baltijas izcilības "
                    "programmu 2026.",
                ),
            )
        )
    return out


def trivial_renderer():
    import io

    from reportlab.pdfgen.canvas import Canvas

    def render(data) -> bytes:
        out = io.BytesIO()
        canvas = Canvas(out, invariant=1)
        canvas.drawString(72, 720, "Certificate")
        canvas.showPage()
        canvas.save()
        return out.getvalue()

    return render


def certificate_renderer():
    from certificates.documents.pdf import render

    return render


def weasyprint_html(data) -> str:
    import segno

    from lms.pdf_fonts import FONT_DIR
    from lms.qr import QR_ERROR, QR_MASK

    qr = segno.make(data.verification_url, error=QR_ERROR, mask=QR_MASK, micro=False)
    e = html.escape
    wording = "".join(f"<p>{e(p)}</p>" for p in data.wording)
    second = "".join(f"<p>{e(p)}</p>" for p in data.second_wording)
    signatories = "".join(
        f'<div class="sig"><div class="line"></div><b>{e(s.name)}</b><br>{e(s.role)}</div>'
        for s in data.signatories
    )
    details = (
        f"{e(data.programme)} · {e(data.context)} · {data.date_start.isoformat()} – "
        f"{data.date_end.isoformat()} · {data.hours} h · {e(data.place)}"
    )
    return f"""<!doctype html><html lang="{data.language}"><head><meta charset="utf-8">
<title>{e(data.title)} — {e(data.holder_name)}</title><style>
@font-face {{ font-family: BSRSans; src: url("{(FONT_DIR / "DejaVuSans.ttf").as_uri()}"); }}
@font-face {{ font-family: BSRSans; font-weight: bold;
  src: url("{(FONT_DIR / "DejaVuSans-Bold.ttf").as_uri()}"); }}
@page {{ size: A4 landscape; margin: 20pt; }}
body {{ font-family: BSRSans; margin: 0; color: #1a1a1a; }}
.page {{ border: 2.5pt double #1d3557; box-sizing: border-box; height: 555pt; padding: 24pt;
  position: relative; text-align: center; }}
h1 {{ color: #1d3557; font-size: 30pt; margin: 40pt 0 4pt; }}
h2 {{ color: #5c677d; font-size: 15pt; font-weight: normal; margin: 0 0 16pt; }}
.name {{ color: #1d3557; font-size: 26pt; font-weight: bold; margin-bottom: 14pt; }}
p {{ font-size: 12.5pt; margin: 0 40pt 4pt; }}
.details, .second p {{ color: #5c677d; font-size: 10pt; margin-top: 10pt; }}
.bottom {{ position: absolute; left: 24pt; right: 24pt; bottom: 18pt; text-align: left; }}
.sig {{ display: inline-block; width: 200pt; text-align: center; font-size: 8pt; }}
.line {{ border-top: 0.6pt solid #333; margin: 0 15pt 4pt; }}
.code {{ font-size: 9pt; color: #5c677d; margin-top: 8pt; }}
.url {{ font-size: 7.5pt; color: #5c677d; }}
.qr {{ position: absolute; right: 0; bottom: 0; width: 92pt; height: 92pt; }}
.qr svg {{ width: 92pt; height: 92pt; }}
</style></head><body><div class="page">
<h1>{e(data.title)}</h1><h2>{e(data.second_title)}</h2>
<div class="name">{e(data.holder_name)}</div>{wording}
<div class="details">{details}</div><div class="second">{second}</div>
<div class="bottom">{signatories}
<div class="code">{e(data.verify_label)}: <b>{e(data.verification_code)}</b></div>
<div class="url">{e(data.verification_url)} · {e(data.issued_label)} {data.issued_on}</div>
<div class="qr">{qr.svg_inline(border=4, omitsize=True)}</div></div>
</div></body></html>"""


def weasyprint_renderer():
    import weasyprint

    def render(data) -> bytes:
        return weasyprint.HTML(string=weasyprint_html(data)).write_pdf()

    return render


def rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child_main(variant: str, result_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    try:
        make = {
            "trivial": trivial_renderer,
            "certificate": certificate_renderer,
            "weasyprint": weasyprint_renderer,
        }[variant]
        render = make()
    except ImportError as exc:
        result_path.write_text(json.dumps({"unavailable": f"import failed: {exc}"}))
        return
    version = ""
    if variant == "weasyprint":
        import weasyprint

        version = weasyprint.__version__
    else:
        import reportlab

        version = reportlab.Version

    batch = batch_data(N_CERTIFICATES)
    warm = batch_data(N_WARM_UP)
    start = time.perf_counter()
    render(warm[0])
    first_ms = (time.perf_counter() - start) * 1000
    for data in warm[1:]:
        render(data)
    gc.collect()

    times, sizes = [], []
    rss_after_window = None
    started = time.perf_counter()
    for i, data in enumerate(batch, 1):
        t0 = time.perf_counter()
        pdf = render(data)
        times.append(time.perf_counter() - t0)
        sizes.append(len(pdf))
        if i == WINDOW:
            rss_after_window = rss_bytes()
    elapsed = time.perf_counter() - started
    rss_end = rss_bytes()

    # Memory pass: the same batch under tracemalloc, peak per window of 50.
    traced = batch[:N_TRACED_WEASYPRINT] if variant == "weasyprint" else batch
    gc.collect()
    tracemalloc.start()
    peaks, currents = [], []
    for begin in range(0, len(traced), WINDOW):
        tracemalloc.reset_peak()
        for data in traced[begin : begin + WINDOW]:
            render(data)
        current, peak = tracemalloc.get_traced_memory()
        peaks.append(peak)
        currents.append(current)
    tracemalloc.stop()

    result_path.write_text(
        json.dumps(
            {
                "version": version,
                "n": len(batch),
                "elapsed": elapsed,
                "times": times,
                "sizes": sizes,
                "first_ms": first_ms,
                "rss_growth": rss_end - rss_after_window,
                "rss_end": rss_end,
                "traced_n": len(traced),
                "peaks": peaks,
                "currents": currents,
            }
        )
    )


# --- Child side: the bulk issue through the job queue ---------------------------------------------


def _bulk_cohort(programme, slug: str, people: int):
    """A finished cohort and `people` participants who completed it, inserted in bulk."""
    from cohorts.models import Cohort, Enrolment, EnrolmentSource, EnrolmentState
    from lms.models import Profile, User

    cohort = Cohort.objects.create(
        programme=programme,
        title=f"BEP 2026 — Finnish presidency ({slug})",
        slug=slug,
        presidency_country="FI",
        starts_on=dt.date(2026, 3, 2),
        ends_on=dt.date(2026, 9, 30),
        capacity=people,
    )
    users = User.objects.bulk_create(
        User(email=f"{slug}-{i}@example.org", password="!") for i in range(people)
    )
    Profile.objects.bulk_create(
        Profile(
            user=user,
            full_name=f"{NAMES[i % len(NAMES)]} {NAMES[(i * 7 + 3) % len(NAMES)].split()[1]}",
            country="LV",
            preferred_language="lv" if i % 3 == 0 else "en",
        )
        for i, user in enumerate(users)
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            cohort=cohort,
            user=user,
            state=EnrolmentState.COMPLETED,
            source=EnrolmentSource.STAFF,
            country="LV",
        )
        for user in users
    )
    return cohort


def _bulk_setup():
    from certificates.models import (
        CertificateKind,
        CertificateSignatory,
        CertificateTemplate,
        CertificateTranslation,
    )
    from lms.models import HomePage
    from programmes.models import ProgrammeIndexPage, ProgrammePage

    home = HomePage.objects.first()
    index = home.add_child(instance=ProgrammeIndexPage(title="Programmes", slug="programmes"))
    programme = index.add_child(
        instance=ProgrammePage(
            title="Baltic Excellence Programme",
            slug="bep",
            short_name="BEP",
            summary="A yearly leadership course.",
        )
    )
    template = CertificateTemplate.objects.create(
        name="BEP completion",
        kind=CertificateKind.PROGRAMME,
        programme=programme,
        title="Certificate of completion",
        wording=(
            "This certifies that {name} has successfully completed the {programme}, {cohort}, "
            "from {dates}.\nThe programme covered crisis leadership, cross-border cooperation, "
            "table-top exercises and a study visit."
        ),
        hours=48,
    )
    CertificateTranslation.objects.create(
        template=template,
        language="lv",
        title="Apliecība par pabeigšanu",
        wording="Šī apliecība apliecina, ka {name} ir sekmīgi pabeidzis {programme}.",
    )
    for name, role in (
        ("Aino Virtanen", "Programme Director"),
        ("Małgorzata Wąsowska", "Head of Secretariat, CBSS"),
    ):
        CertificateSignatory.objects.create(template=template, name=name, role=role)
    return programme


def _wait_bulk(bulk_id: int, cluster, timeout: float):
    """Poll the status row, as the admin page does, until the bulk issue is final."""
    from certificates.models import BulkIssue, BulkIssueState

    deadline = time.perf_counter() + timeout
    while True:
        bulk = BulkIssue.objects.get(pk=bulk_id)
        if bulk.state in (BulkIssueState.DONE, BulkIssueState.FAILED):
            return bulk
        cluster.check_alive()
        if time.perf_counter() > deadline:
            raise TimeoutError(f"bulk issue not done within {timeout:.0f} s: {bulk.issued} issued")
        time.sleep(0.05)


def _workers_busy(rendered: list, chunk: int) -> float | None:
    """How many workers were printing at once, on average: each chunk's span (from the
    print times of its certificates, consecutive ids in chunks as the service splits them)
    summed, over the whole span. 2.00 = both workers busy from the first PDF to the last."""
    spans = []
    for begin in range(0, len(rendered), chunk):
        part = rendered[begin : begin + chunk]
        if len(part) > 1:
            seconds = (max(part) - min(part)).total_seconds()
            spans.append(seconds * len(part) / (len(part) - 1))
    window = (max(rendered) - min(rendered)).total_seconds() if rendered else 0
    return sum(spans) / window if window else None


def bulk_child_main(result_path: Path) -> None:
    def _terminate(signum, _frame):
        raise SystemExit(128 + signum)  # so the finally block stops the cluster

    signal.signal(signal.SIGTERM, _terminate)
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from certificates.models import Certificate, CertificateState
    from certificates.services import BULK_CHUNK, certificates_bulk_request
    from lms.jobs import broker
    from lms.models import OutgoingEmail

    result: dict = {}
    cluster = None
    try:
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        result["migrate_seconds"] = time.perf_counter() - started
        result["broker"] = type(broker()).__name__
        result["workers"] = settings.Q_CLUSTER["workers"]
        programme = _bulk_setup()
        warm = _bulk_cohort(programme, "warm-up", BULK_WARM_UP)
        cohort = _bulk_cohort(programme, "bep-2026", BULK_PEOPLE)
        work_dir = Path(os.environ["BENCH_DIR"])
        cluster = Service(
            "qcluster",
            [sys.executable, "manage.py", "qcluster"],
            work_dir / "qcluster.log",
            stop_timeout=30.0,
        )
        # Warm-up: both workers import the code, parse the fonts and open their connections.
        bulk = certificates_bulk_request(cohort=warm, actor=None)
        _wait_bulk(bulk.pk, cluster, BULK_RUN_TIMEOUT)

        began_wall = time.time()
        began = time.perf_counter()
        bulk = certificates_bulk_request(cohort=cohort, actor=None)
        bulk = _wait_bulk(bulk.pk, cluster, BULK_RUN_TIMEOUT)
        elapsed = time.perf_counter() - began
        issued = Certificate.objects.filter(cohort=cohort, state=CertificateState.ISSUED)
        rendered = list(issued.order_by("pk").values_list("rendered_at", flat=True))
        chunk = getattr(settings, "CERTIFICATES_BULK_CHUNK", BULK_CHUNK)
        result.update(
            state=bulk.state,
            error=bulk.error[:500],
            total=bulk.total,
            counted=bulk.issued,
            failed=bulk.failed,
            issued=issued.count(),
            codes=issued.values("code").distinct().count(),
            seconds=elapsed,
            first_pdf_after=(min(rendered).timestamp() - began_wall) if rendered else None,
            chunks=math.ceil(len(rendered) / chunk),
            chunk=chunk,
            parallelism=_workers_busy(rendered, chunk),
        )
        # The e-mails follow through the events and the outbox; not part of the timed work.
        emails = OutgoingEmail.objects.filter(
            reason__startswith="certificates.", status=OutgoingEmail.Status.SENT
        )
        deadline = time.perf_counter() + BULK_EMAIL_TIMEOUT
        while emails.count() < BULK_PEOPLE + BULK_WARM_UP and time.perf_counter() < deadline:
            cluster.check_alive()
            time.sleep(0.2)
        result["emails"] = emails.count() - BULK_WARM_UP
        result["emails_seconds"] = time.perf_counter() - began
    except BaseException as exc:  # reported to the parent, which counts the target as not met
        result["error"] = f"{type(exc).__name__}: {exc}"
        if cluster is not None:
            result["error"] += "\n" + cluster.tail(10)
    finally:
        if cluster is not None:
            cluster.stop()
        connections.close_all()
        result_path.write_text(json.dumps(result))


# --- Parent side -------------------------------------------------------------------------------


def install_weasyprint(target: Path) -> str | None:
    """A path to put on PYTHONPATH for WeasyPrint, "" when it is importable already, None when
    it cannot be had."""
    if importlib.util.find_spec("weasyprint") is not None:
        return ""
    print(f"WeasyPrint is not installed: installing it into {target} (removed afterwards) ...")
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--target",
                str(target),
                "weasyprint",
            ],
            capture_output=True,
            text=True,
            timeout=PIP_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        print(f"WeasyPrint install did not finish within {PIP_TIMEOUT:.0f} s")
        return None
    if proc.returncode != 0:
        print(f"WeasyPrint install failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        return None
    return str(target)


def run_variant(variant: str, work: Path, pythonpath: str) -> dict:
    result = work / f"{variant}.json"
    env = dict(os.environ, BENCH_CERT_VARIANT=variant, BENCH_CERT_RESULT=str(result))
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, env.get("PYTHONPATH")]))
    try:
        return run_child(__file__, env, result, CHILD_TIMEOUT, variant)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        # The first line names the step; the last says what went wrong.
        lines = [line for line in str(exc).splitlines() if line.strip()]
        return {"unavailable": " … ".join(dict.fromkeys([lines[0], lines[-1]])) if lines else ""}


def run_bulk() -> dict:
    """The bulk issue in a child process on PostgreSQL + Redis, or SQLite when they are not
    there; the child runs in its own process group, so a timeout stops its cluster too."""
    if os.environ.get("BENCH_CERT_BULK", "1") == "0":
        return {"unavailable": "skipped (BENCH_CERT_BULK=0)"}
    with scratch_dir("bench-certificates-bulk-") as work:
        result_path = work / "bulk.json"
        env = bench_env(
            work,
            settings="lms.settings",
            prefix="bench-cert",
            Q_WORKERS=str(BULK_WORKERS),
            BENCH_DIR=str(work),
            BENCH_CERT_VARIANT="bulk",
            BENCH_CERT_RESULT=str(result_path),
        )
        reason = BULK_POSTGRES.prepare()
        if reason:
            print(f"bulk issue: PostgreSQL + Redis not available ({reason}); using SQLite")
            env["SQLITE_PATH"] = str(work / "db.sqlite3")
            backend = "SQLite + ORM broker"
        else:
            env["DATABASE_URL"] = BULK_POSTGRES.url
            env["REDIS_URL"] = BULK_POSTGRES.redis_url
            backend = "PostgreSQL + Redis"
        print(f"bulk issue: {BULK_PEOPLE} certificates on {backend}, {BULK_WORKERS} workers ...")
        try:
            proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve())],
                env=env,
                cwd=ROOT,
                start_new_session=True,
            )
            try:
                proc.wait(timeout=BULK_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGTERM)  # the child stops its cluster on the way
                try:
                    proc.wait(timeout=45)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            if not result_path.exists():
                return {"backend": backend, "error": f"exited with {proc.returncode}, no result"}
            return {"backend": backend, **json.loads(result_path.read_text())}
        finally:
            if not reason:
                BULK_POSTGRES.cleanup()


def bulk_ok(bulk: dict) -> bool:
    return (
        "seconds" in bulk
        and not bulk.get("error")
        and bulk["state"] == "done"
        and bulk["issued"] == bulk["counted"] == bulk["codes"] == BULK_PEOPLE
    )


def print_bulk(bulk: dict) -> None:
    if "unavailable" in bulk:
        print(f"\nbulk issue: {bulk['unavailable']}")
        return
    if "seconds" not in bulk:
        print(f"\nbulk issue ({bulk.get('backend')}) failed: {bulk.get('error')}")
        return
    print_table(
        (
            "bulk issue",
            "certificates",
            "seconds",
            "certs/s",
            "first PDF after",
            "jobs",
            "workers busy",
            "e-mails sent",
        ),
        [
            (
                f"{bulk['backend']}, {bulk['workers']} workers ({bulk['broker']} broker)",
                f"{bulk['issued']} of {bulk['total']}",
                f"{bulk['seconds']:.1f}",
                f"{bulk['issued'] / bulk['seconds']:.0f}",
                fmt(bulk["first_pdf_after"], "{:.2f} s"),
                f"{bulk['chunks']} × {bulk['chunk']}",
                fmt(bulk["parallelism"], "{:.2f}"),
                f"{bulk['emails']} after {bulk['emails_seconds']:.0f} s",
            )
        ],
    )
    print(
        "\nseconds: certificates_bulk_request until its status row says done (pending rows, "
        "PDFs rendered and stored, issued events written). first PDF after: until the first "
        "certificate was printed (before it, the pending rows are written in one transaction). "
        "jobs: rendering jobs × certificates each. workers busy: the jobs' summed spans over "
        "the whole span, from the print times (2.00 = both workers printing all along)."
    )
    if bulk.get("error") or bulk.get("failed"):
        print(f"bulk issue problems: failed {bulk.get('failed')}, {bulk.get('error')}")


def kib(value: float | None) -> str:
    return fmt(None if value is None else value / 1024, "{:.1f} KB")


def mib(value: float | None) -> str:
    return fmt(None if value is None else value / 1024 / 1024, "{:.2f} MB")


def signed_mib(value: float | None) -> str:
    return fmt(None if value is None else value / 1024 / 1024, "{:+.2f} MB")


def rate(result: dict) -> float | None:
    return result["n"] / result["elapsed"] if "elapsed" in result else None


def main() -> None:
    began = time.perf_counter()
    print(
        f"Certificate rendering: {N_CERTIFICATES} per renderer, one child process each; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    results = {}
    with scratch_dir("bench-certificates-") as work:
        for variant in ("trivial", "certificate"):
            results[variant] = run_variant(variant, work, "")
        pythonpath = install_weasyprint(work / "weasyprint")
        if pythonpath is None:
            results["weasyprint"] = {"unavailable": "not available (install failed)"}
        else:
            results["weasyprint"] = run_variant("weasyprint", work, pythonpath)
    bulk = run_bulk()

    rows = []
    for variant, label in VARIANTS.items():
        r = results[variant]
        if "unavailable" in r:
            rows.append((label, "not available", *["—"] * 8))
            print(f"{label}: {r['unavailable']}")
            continue
        ms = [t * 1000 for t in r["times"]]
        peaks = r["peaks"]
        rows.append(
            (
                f"{label} ({r['version']})",
                f"{rate(r):.1f}",
                f"{statistics.fmean(ms):.2f}",
                fmt(percentile(ms, 95), "{:.2f}"),
                f"{r['first_ms']:.0f}",
                f"{kib(statistics.fmean(r['sizes']))} / {kib(max(r['sizes']))}",
                f"{mib(peaks[0])} / {mib(peaks[-1])}",
                signed_mib(r["currents"][-1] - r["currents"][0]),
                signed_mib(r["rss_growth"]),
                mib(r["rss_end"]),
            )
        )
    print_table(
        (
            "renderer",
            "certs/s",
            "ms/cert",
            "p95 ms",
            "first ms",
            "PDF mean / max",
            "traced peak first 50 / last 50",
            "traced growth",
            "RSS growth 50→500",
            "max RSS",
        ),
        rows,
    )
    print(
        "\ntraced: tracemalloc over the same batch, run again after the timed one "
        f"(WeasyPrint: first {N_TRACED_WEASYPRINT}); growth = still allocated after the last "
        "window minus after the first. RSS growth: ru_maxrss after the batch minus after its "
        f"first {WINDOW}."
    )

    print_bulk(bulk)

    cert, weasy = results["certificate"], results["weasyprint"]
    ok = "unavailable" not in cert
    cert_rate = rate(cert) if ok else None
    weasy_rate = rate(weasy) if "unavailable" not in weasy else None
    ratio = cert_rate / weasy_rate if cert_rate and weasy_rate else None
    max_size = max(cert["sizes"]) if ok else None
    traced_growth = cert["currents"][-1] - cert["currents"][0] if ok else None
    peak_growth = cert["peaks"][-1] - cert["peaks"][0] if ok else None
    flat = ok and (
        traced_growth <= TARGET_TRACED_GROWTH
        and peak_growth <= TARGET_TRACED_GROWTH
        and cert["rss_growth"] <= TARGET_RSS_GROWTH
    )
    print()
    print_targets(
        [
            (
                f"certificates/s per process ≥ {TARGET_RATE:.0f}",
                fmt(cert_rate, "{:.1f}/s"),
                bool(cert_rate and cert_rate >= TARGET_RATE),
            ),
            (
                f"≥ {TARGET_RATIO:.0f}× WeasyPrint in the same run",
                fmt(ratio, "{:.1f}×") if ratio else "WeasyPrint not available",
                bool(ratio and ratio >= TARGET_RATIO),
            ),
            (
                f"PDF ≤ {TARGET_SIZE // 1024} KB",
                f"max {kib(max_size)}",
                bool(max_size and max_size <= TARGET_SIZE),
            ),
            (
                "peak memory flat over the batch (traced growth and peak growth ≤ "
                f"{mib(TARGET_TRACED_GROWTH)}, RSS growth ≤ {mib(TARGET_RSS_GROWTH)})",
                f"traced {signed_mib(traced_growth)}, peak {signed_mib(peak_growth)}, "
                f"RSS {signed_mib(cert['rss_growth'] if ok else None)}",
                bool(flat),
            ),
            (
                f"bulk issue of {BULK_PEOPLE:,} certificates for one cohort with "
                f"{BULK_WORKERS} workers ≤ {TARGET_BULK_SECONDS:.0f} s",
                (
                    f"{bulk['seconds']:.1f} s ({bulk['backend']})"
                    if "seconds" in bulk
                    else bulk.get("unavailable") or f"failed: {bulk.get('error')}"
                ),
                bulk_ok(bulk) and bulk["seconds"] <= TARGET_BULK_SECONDS,
            ),
        ]
    )
    print(f"(bench took {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    if os.environ.get("BENCH_CERT_VARIANT") == "bulk":
        bulk_child_main(Path(os.environ["BENCH_CERT_RESULT"]))
    elif "BENCH_CERT_VARIANT" in os.environ:
        child_main(os.environ["BENCH_CERT_VARIANT"], Path(os.environ["BENCH_CERT_RESULT"]))
    else:
        main()
