"""Certificate rendering: the project's reportlab certificate (embedded DejaVu Sans, vector QR code)
side by side with a trivial one-line reportlab PDF (the limit) and the same certificate built from
HTML by WeasyPrint. Run from the project root: `.venv/bin/python bench/certificates.py`.

Each renderer runs in its own child process, so one's imports, caches and memory cannot colour
another's figures. A child renders a few certificates to warm up (fonts parsed, modules imported),
then a timed batch of 500 with different names and codes, then the same batch again under
tracemalloc for the memory figures (slower, so not timed). WeasyPrint is not a project
dependency: when it cannot be imported the bench installs it into a temporary folder with pip,
removed afterwards."""

import datetime as dt
import gc
import html
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from harness import ROOT, run_child, scratch_dir
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
    from certificates.codes import code_new
    from certificates.pdf import CertificateData, Signatory

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
    from certificates.pdf import render

    return render


def weasyprint_html(data) -> str:
    import segno

    from certificates.pdf import FONT_DIR, QR_ERROR, QR_MASK

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
        return {"unavailable": str(exc).splitlines()[0]}


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

    rows = []
    for variant, label in VARIANTS.items():
        r = results[variant]
        if "unavailable" in r:
            rows.append((label, "not available", *["—"] * 8))
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
        ]
    )
    print(f"(bench took {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    if "BENCH_CERT_VARIANT" in os.environ:
        child_main(os.environ["BENCH_CERT_VARIANT"], Path(os.environ["BENCH_CERT_RESULT"]))
    else:
        main()
