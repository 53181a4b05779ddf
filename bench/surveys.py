"""Survey results at scale: the admin results page of a survey with 5,000 responses to 30
questions (Likert, ratings, matrices, rankings, choices, numbers and free text; about 230,000
answer rows), rendered in-process by a programme admin, beside the limit — one plain COUNT over
the same answer table — and the aggregation queries alone. Run from the project root:
`.venv/bin/python bench/surveys.py`.

Each back-end (SQLite, and PostgreSQL when one answers on 127.0.0.1:5432) runs in a child
process against a fresh database: migrate, build the survey, insert the answers in bulk, warm
up, then time each case several times, interleaved so machine noise touches them alike. The
figure is the median."""

import json
import os
import statistics
import sys
import time
from pathlib import Path

from harness import PostgresRedis, bench_env, run_backends, run_child, scratch_dir, setup_django
from report import fmt, print_table, print_targets

RESPONSES = 5_000
ROUNDS = 7
CHILD_TIMEOUT = 420.0
TARGET_SECONDS = 0.5
BACKENDS = {"sqlite": "SQLite (embedded default)", "postgres": "PostgreSQL 127.0.0.1:5432"}
POSTGRES = PostgresRedis("bench_surveys_", "redis://127.0.0.1:6379/6")
COUNTRIES = ["DK", "EE", "FI", "DE", "IS", "LV", "LT", "NO", "PL", "SE"]
SECTORS = ["fire_rescue", "police", "border_guard", "civil_protection", "municipality", "ngo"]

CASES = {
    "count": "plain COUNT(*) of the survey's answers (the limit)",
    "aggregate": "aggregation queries alone (counts, means, texts)",
    "page": "results page, 5,000 responses × 30 questions",
    "breakdown": "results page with the breakdown by country",
}


def questions() -> list[dict]:
    """30 questions of every kind, in the order an editor might put them."""
    specs = []
    for n in range(10):
        specs.append({"field_type": "likert", "label": f"Statement {n + 1} holds for my work"})
    for n in range(5):
        specs.append({"field_type": "rating", "label": f"Rate part {n + 1} from 0 to 10"})
    for n in range(3):
        specs.append(
            {
                "field_type": "matrix",
                "label": f"Matrix {n + 1}",
                "rows": "Lessons\nScenarios\nKnowledge checks\nReflections",
            }
        )
    for n in range(2):
        specs.append(
            {
                "field_type": "ranking",
                "label": f"Ranking {n + 1}",
                "choices": "Modules\nExercises\nStudy visits\nWebinars",
            }
        )
    for n in range(4):
        specs.append(
            {"field_type": "radio", "label": f"Choice {n + 1}", "choices": "Yes\nNo\nNot sure"}
        )
    for n in range(2):
        specs.append(
            {
                "field_type": "checkboxes",
                "label": f"Topics {n + 1}",
                "choices": "Floods\nFires\nCyber\nPandemics",
            }
        )
    for n in range(2):
        specs.append({"field_type": "number", "label": f"Number {n + 1}"})
    for n in range(2):
        specs.append({"field_type": "multiline", "label": f"Comment {n + 1}", "required": False})
    assert len(specs) == 30
    return specs


# --- child: Django in-process, against the bench database ----------------------------------------


def child_main() -> None:
    setup_django()
    import random
    import uuid

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from lms.models import HomePage, User
    from programmes.models import (
        ProgrammeIndexPage,
        ProgrammePage,
        SurveyAnswer,
        SurveyField,
        SurveyPage,
        SurveyResponse,
    )
    from programmes.surveys.results import survey_results

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter() - started

    home = HomePage.objects.get()
    index = ProgrammeIndexPage(title="Programmes", slug="programmes")
    home.add_child(instance=index)
    programme = ProgrammePage(title="NEEDS", slug="needs", summary="Needs.")
    index.add_child(instance=programme)
    survey = SurveyPage(title="Bench survey", slug="bench-survey")
    for order, spec in enumerate(questions()):
        survey.form_fields.add(SurveyField(sort_order=order, **{"required": True, **spec}))
    programme.add_child(instance=survey)
    survey.save_revision().publish()
    fields = list(survey.get_form_fields())

    rng = random.Random(5000)
    loading = time.perf_counter()
    with transaction.atomic():
        responses = SurveyResponse.objects.bulk_create(
            [
                SurveyResponse(
                    survey=survey, country=rng.choice(COUNTRIES), sector=rng.choice(SECTORS)
                )
                for _ in range(RESPONSES)
            ],
            batch_size=1000,
        )
        if responses[0].pk is None:  # back-ends that do not return ids
            responses = list(SurveyResponse.objects.filter(survey=survey).order_by("pk"))
        batch = []
        rows = 0
        for response in responses:
            for field in fields:
                for number, (item, value, text) in enumerate(_answers(field, rng)):
                    batch.append(
                        SurveyAnswer(
                            id=uuid.uuid4(),
                            survey=survey,
                            field=field,
                            response=response,
                            country=response.country,
                            sector=response.sector,
                            item=item,
                            value=value,
                            text=text,
                            lead=number == 0,
                        )
                    )
            if len(batch) >= 20_000:
                SurveyAnswer.objects.bulk_create(batch, batch_size=2_000)
                rows += len(batch)
                batch = []
        SurveyAnswer.objects.bulk_create(batch, batch_size=2_000)
        rows += len(batch)
    if connection.vendor == "postgresql":
        # As autovacuum leaves a table: statistics and the visibility map (index-only scans).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    loaded = time.perf_counter() - loading

    admin = User.objects.create_superuser(email="bench.admin@example.org", password=None)
    client = Client()
    client.force_login(admin)
    page_url = f"/admin/cohorts/surveys/{survey.pk}/"

    def count():
        return SurveyAnswer.objects.filter(survey=survey).count()

    def aggregate():
        return survey_results(survey)

    def page():
        response = client.get(page_url)
        assert response.status_code == 200, response.status_code
        return response

    def breakdown():
        response = client.get(page_url + "?by=country")
        assert response.status_code == 200, response.status_code
        return response

    cases = {"count": count, "aggregate": aggregate, "page": page, "breakdown": breakdown}
    for case in cases.values():
        case()  # warm: first request of a process, query plans, template loading
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for round_number in range(ROUNDS):
        order = list(cases) if round_number % 2 == 0 else list(reversed(cases))
        for name in order:
            begun = time.perf_counter()
            cases[name]()
            timings[name].append(time.perf_counter() - begun)
    body = page().content.decode()
    Path(os.environ["BENCH_RESULT"]).write_text(
        json.dumps(
            {
                "vendor": connection.vendor,
                "migrated_seconds": migrated,
                "load_seconds": loaded,
                "answer_rows": rows,
                "responses": RESPONSES,
                "questions": len(fields),
                "charts": body.count('class="survey-chart"'),
                "timings": timings,
            }
        )
    )


def _answers(field, rng) -> list[tuple[str, float | None, str]]:
    kind = field.field_type
    if kind == "likert":
        return [("", float(rng.randint(1, 5)), "")]
    if kind == "rating":
        return [("", float(rng.randint(0, 10)), "")]
    if kind == "matrix":
        return [(row, float(rng.randint(1, 5)), "") for row in field.rows.splitlines()]
    if kind == "ranking":
        items = field.choices.splitlines()
        ranks = rng.sample(range(1, len(items) + 1), len(items))
        return [(item, float(rank), "") for item, rank in zip(items, ranks, strict=True)]
    if kind == "radio":
        return [(rng.choice(field.choices.splitlines()), None, "")]
    if kind == "checkboxes":
        options = field.choices.splitlines()
        return [(option, None, "") for option in rng.sample(options, rng.randint(1, 3))]
    if kind == "number":
        return [("", float(rng.randint(0, 40)), "")]
    if rng.random() < 0.4:
        return [("", None, rng.choice(["Más ejercicios", "More exercises — Søren Ærø", "Ok"]))]
    return []


# --- orchestrator ------------------------------------------------------------------------------


def run_backend(backend: str) -> dict:
    with scratch_dir(f"bsr-bench-surveys-{backend}-") as work_dir:
        env = bench_env(work_dir, settings="lms.settings", prefix="bsr-bench-surveys")
        if backend == "sqlite":
            env["SQLITE_PATH"] = str(work_dir / "db.sqlite3")
        else:
            reason = POSTGRES.prepare()
            if reason:
                print(f"  {backend}: skipped: {reason}", flush=True)
                return {"skipped": reason}
            env["DATABASE_URL"] = POSTGRES.url
            env["REDIS_URL"] = POSTGRES.redis_url
        result_path = work_dir / "result.json"
        env["BENCH_SURVEYS_CHILD"] = "1"
        env["BENCH_RESULT"] = str(result_path)
        try:
            result = run_child(__file__, env, result_path, CHILD_TIMEOUT, f"{backend} child")
        finally:
            if backend == "postgres":
                POSTGRES.cleanup()
        print(
            f"  {backend}: migrated in {result['migrated_seconds']:.0f} s; "
            f"{result['answer_rows']:,} answer rows for {result['responses']:,} responses to "
            f"{result['questions']} questions loaded in {result['load_seconds']:.0f} s; "
            f"{result['charts']} charts on the page",
            flush=True,
        )
        return result


def main() -> int:
    print(__doc__.split("\n\n")[0].replace("\n", " "))
    results = run_backends(BACKENDS, run_backend)
    header = ("back-end", "case", "median", "min", "× count")
    rows = []
    checks = []
    for backend, label in BACKENDS.items():
        result = results[backend]
        if "skipped" in result:
            rows.append((label, "skipped: " + result["skipped"][:60], "—", "—", "—"))
            continue
        medians = {name: statistics.median(times) for name, times in result["timings"].items()}
        for name, description in CASES.items():
            times = result["timings"][name]
            rows.append(
                (
                    label,
                    description,
                    fmt(medians[name] * 1000, "{:.1f} ms"),
                    fmt(min(times) * 1000, "{:.1f} ms"),
                    fmt(medians[name] / medians["count"], "{:.1f}"),
                )
            )
        checks.append(
            (
                f"{label}: results page for {RESPONSES:,} responses × 30 questions ≤ "
                f"{TARGET_SECONDS:.1f} s",
                f"{medians['page']:.3f} s ({medians['page'] / medians['count']:.1f}× a plain "
                f"count of {medians['count'] * 1000:.1f} ms)",
                medians["page"] <= TARGET_SECONDS,
            )
        )
        checks.append(
            (
                f"{label}: with the country breakdown ≤ {TARGET_SECONDS:.1f} s",
                f"{medians['breakdown']:.3f} s",
                medians["breakdown"] <= TARGET_SECONDS,
            )
        )
    print_table(header, rows)
    print()
    print_targets(checks)
    return 0


if __name__ == "__main__":
    if os.environ.get("BENCH_SURVEYS_CHILD"):
        child_main()
    else:
        sys.exit(main())
