"""Upgrades without downtime: while a release's migrations run and its web nodes start, the
release before it keeps serving the same database. So every column added since that release is
nullable or has a database default, nothing it reads is dropped or renamed, and the previous
release's own web node, started on the migrated database, answers the main pages, takes an
application and issues a certificate. The previous release is the commit named in
`.ci/previous_release`."""

import contextlib
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import (
    AddField,
    AlterField,
    DeleteModel,
    RemoveField,
    RenameField,
    RenameModel,
)
from django.db.models import NOT_PROVIDED
from django.urls import reverse

from certificates.models import Certificate
from cohorts.models import Enrolment, EnrolmentMode
from lms.models import Event
from tests.certificates.issuing import completed_in, make_template
from tests.local import database_url, free_port

ROOT = Path(settings.BASE_DIR)
APPS = ("lms", "programmes", "cohorts", "certificates")
PASSWORD = "Correct-Horse-42-upgrade"


def previous_release() -> str:
    ref = (ROOT / ".ci" / "previous_release").read_text().split()[0]
    found = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{ref}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if found.returncode != 0:
        pytest.skip(f"this checkout has no git history with the previous release {ref[:12]}")
    return ref


def migrations_since(ref: str) -> list[tuple[str, str]]:
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-tree", "-r", "--name-only", ref, "--"]
        + [f"{app}/migrations" for app in APPS],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    released = {(Path(p).parts[0], Path(p).stem) for p in listed if p.endswith(".py")}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(key for key in loader.disk_migrations if key[0] in APPS and key not in released)


def refusals(app: str, name: str) -> list[str]:
    """What in one migration would break the release before it, still serving meanwhile."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    migration = loader.disk_migrations[(app, name)]
    before = loader.project_state((app, name), at_end=False)
    found = []
    for operation in migration.operations:
        where = f"{app}.{name}: {operation.describe()}"
        if isinstance(operation, RemoveField | DeleteModel | RenameField | RenameModel):
            found.append(f"{where} — the previous release still reads it; do it a release later")
        elif isinstance(operation, AddField):
            field = operation.field
            if not (field.null or field.many_to_many or field.db_default is not NOT_PROVIDED):
                found.append(f"{where} — a new column needs null=True or a db_default")
        elif isinstance(operation, AlterField):
            old = before.models[app, operation.model_name_lower].fields.get(operation.name)
            new = operation.field
            if old is not None and old.null and not new.null and new.db_default is NOT_PROVIDED:
                found.append(
                    f"{where} — a column the previous release leaves empty became NOT NULL"
                )
    return found


def test_migrations_since_the_previous_release_keep_it_working():
    new = migrations_since(previous_release())
    problems = [problem for app, name in new for problem in refusals(app, name)]
    assert problems == []


def test_the_check_refuses_what_would_break_the_previous_release():
    """The rule above is not vacuous: an old migration that added a NOT NULL column with only a
    Python default is refused, and one that added a nullable column passes."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    refused, passed = [], []
    for app, name in loader.disk_migrations:
        if app not in APPS:
            continue
        (refused if refusals(app, name) else passed).append((app, name))
    assert ("cohorts", "0001_initial") in passed  # new tables break nothing
    assert refused, "some earlier migration added a NOT NULL column without a database default"


# --- the previous release's web node on the migrated database ---------------------------------


def checkout(ref: str, folder: Path) -> Path:
    archive = folder / "release.tar"
    with open(archive, "wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref], stdout=out, check=True)
    code = folder / "release"
    with tarfile.open(archive) as tar:
        tar.extractall(code, filter="data")
    return code


def node_env(code: Path, var_dir: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "STORAGE_URL", "PRIVATE_ROOT", "MEDIA_ROOT"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings",
        # The release's own code comes first, before this checkout's installed package.
        PYTHONPATH=str(code),
        DATABASE_URL=database_url(),
        SECRET_KEY=settings.SECRET_KEY,
        VAR_DIR=str(var_dir),
        # Its jobs wait in a queue of its own that no cluster takes.
        Q_NAME=f"upgrade-{os.getpid()}",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_previous_release_serves_the_migrated_database(
    make_cohort, make_person, programme, tmp_path
):
    code = checkout(previous_release(), tmp_path)
    cohort = make_cohort(title="BEP 2026 — Finnish presidency", enrolment_mode=EnrolmentMode.OPEN)
    finished = make_cohort(title="NEEDS 2025")
    make_template("programme", name="Completion", programme=programme)
    person = make_person("LV", full_name="Jānis Bērziņš")
    person.password = PBKDF2PasswordHasher().encode(PASSWORD, "upgradesalt", iterations=1000)
    person.save(update_fields=["password"])
    completed_in(finished, person)

    env = node_env(code, tmp_path / "var")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "web.log"
    with open(log_path, "ab") as log:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "lms.wsgi:application"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"],
            cwd=code,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert web.poll() is None, log_path.read_text(errors="replace")[-3000:]
            with contextlib.suppress(requests.RequestException):
                if requests.get(base + reverse("login"), timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "the previous release did not start"
            time.sleep(0.3)

        anonymous = requests.Session()
        for path in (
            "/",
            programme.url,
            reverse("cohorts:cohort", args=[cohort.slug]),
            reverse("certificates:verify"),
            reverse("login"),
        ):
            answer = anonymous.get(base + path, timeout=30)
            assert answer.status_code == 200, (path, answer.status_code)

        browser = requests.Session()
        browser.get(base + reverse("login"), timeout=30)
        logged_in = browser.post(
            base + reverse("login"),
            {
                "username": person.email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
            timeout=30,
        )
        assert logged_in.status_code == 200 and logged_in.url.rstrip("/") != (
            base + reverse("login")
        ).rstrip("/"), "the previous release logs people in"
        for path in (reverse("my_learning"), reverse("profile"), reverse("certificates:mine")):
            answer = browser.get(base + path, timeout=30)
            assert answer.status_code == 200, (path, answer.status_code)
        applied = browser.post(
            base + reverse("cohorts:apply", args=[cohort.slug]),
            {"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            timeout=30,
        )
        assert applied.status_code == 200
        assert Enrolment.objects.filter(cohort=cohort, user=person).exists()
        assert Event.objects.filter(name="cohorts.enrolment.accepted").exists()

        # Its job node writes too: a certificate row, with the columns it does not know of
        # filled in by the database.
        issued = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", ISSUE.format(user=person.pk)],
            cwd=code,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert issued.returncode == 0, issued.stderr[-3000:]
        certificate = Certificate.objects.get(user=person, cohort=finished)
        assert certificate.render_attempts == 0 and certificate.render_problem == ""
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(web.pid, signal.SIGTERM)
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(web.pid, signal.SIGKILL)
            web.wait(timeout=10)
    errors = [line for line in log_path.read_text(errors="replace").splitlines() if " 500 " in line]
    assert errors == []


ISSUE = """
from django.contrib.auth import get_user_model
from certificates.services import certificate_issue
from cohorts.models import Cohort
user = get_user_model().objects.get(pk={user})
certificate_issue(user=user, cohort=Cohort.objects.get(title="NEEDS 2025"), source="manual")
"""
