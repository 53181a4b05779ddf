"""Migrated databases made once and copied wherever a test run needs one.

Migrating an empty database takes most of a minute on a busy machine (Wagtail's migrations and
ours replayed one by one), and a run needed one per test process plus one for the tests of real
server processes. Instead the first process to need one migrates it, under a lock, and keeps it
under a name made from every migration file and every installed package's version (a changed
migration or an upgrade makes a new one, and the old one is removed); every other process, of
this run, of the other suite running beside it or of a later run, copies it:

- SQLite: one file in `var/test-templates/`. The embedded default's test databases (in memory)
  are filled from it with SQLite's backup API before Django's `migrate` runs, which then finds
  nothing left to do; `copy_to(folder)` gives the tests that start real processes a migrated
  `VAR_DIR` of their own.
- PostgreSQL: a database `bsr_template_<fingerprint>` on the same server, given to Django as the
  test databases' TEMPLATE (`CREATE DATABASE ... TEMPLATE`), so that each starts migrated.
"""

import contextlib
import fcntl
import hashlib
import importlib.metadata
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
FOLDER = BASE_DIR / "var" / "test-templates"
APPS = ("lms", "programmes", "cohorts", "certificates")
# The in-memory databases filled from the template: a connection keeps each one alive.
_kept: list[sqlite3.Connection] = []


def subprocess_env(var_dir: Path) -> dict:
    """The environment of a process on the embedded default with its own VAR_DIR."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "DEBUG"}
    }
    env.update(VAR_DIR=str(var_dir), PYTHONDONTWRITEBYTECODE="1", Q_WORKERS="1")
    return env


def _locked():
    FOLDER.mkdir(parents=True, exist_ok=True)
    lock = open(FOLDER / "lock", "w")  # noqa: SIM115 (closed by the caller's with)
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for app in APPS:
        for path in sorted((BASE_DIR / app / "migrations").glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    versions = sorted(
        f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions()
    )
    digest.update("\n".join(versions).encode())
    return digest.hexdigest()[:16]


def path() -> Path:
    """The migrated database file, made first if this is the first process to ask."""
    target = FOLDER / f"{_fingerprint()}.sqlite3"
    with _locked():
        if not target.exists():
            _build(target)
    return target


def _migrate(env: dict) -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        raise RuntimeError(f"migrating the test template failed:\n{result.stderr[-3000:]}")


def _build(target: Path) -> None:
    work = FOLDER / f"building-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        _migrate(subprocess_env(work))
        # One self-contained file: the write-ahead log folded in.
        with sqlite3.connect(work / "db.sqlite3") as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("PRAGMA journal_mode=DELETE")
        db.close()
        for old in FOLDER.glob("*.sqlite3"):
            old.unlink()
        (work / "db.sqlite3").replace(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def copy_to(var_dir: Path) -> Path:
    """A migrated VAR_DIR at `var_dir` (its database a copy of the template)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path(), var_dir / "db.sqlite3")
    return var_dir


def fill_in_memory(name: str) -> None:
    """Fill the shared in-memory database `name` (a `file:...?mode=memory&cache=shared` URI)
    with the template, and keep it alive for the rest of this process."""
    keep = sqlite3.connect(name, uri=True)
    with sqlite3.connect(path()) as source:
        source.backup(keep)
    source.close()
    _kept.append(keep)


def install() -> None:
    """From now on, this process's in-memory SQLite test databases start migrated."""
    from django.db.backends.sqlite3.creation import DatabaseCreation

    original = DatabaseCreation._create_test_db
    if getattr(original, "from_template", False):
        return

    def _create_test_db(self, verbosity, autoclobber, keepdb=False):
        name = original(self, verbosity, autoclobber, keepdb)
        if self.is_in_memory_db(name) and self.connection.alias == "default":
            fill_in_memory(name)
        return name

    _create_test_db.from_template = True
    DatabaseCreation._create_test_db = _create_test_db


def postgres(database: dict) -> str:
    """The name of a migrated template database on `database`'s server, made if missing."""
    import psycopg
    from psycopg import sql

    name = f"bsr_template_{_fingerprint()}"
    params = {
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with _locked(), psycopg.connect(**params) as server:
        found = {
            row[0]
            for row in server.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'bsr\\_template\\_%'"
            )
        }
        if name in found:
            return name
        # Another checkout on the same server may be making the same one: each makes its own.
        building = f"{name}_{os.getpid()}"
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(building)))
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
        auth = params["user"] or ""
        if params["password"]:
            auth += f":{params['password']}"
        url = f"postgres://{auth}@{params['host'] or ''}:{params['port'] or 5432}/{building}"
        env = {**subprocess_env(FOLDER / "postgres-var"), "DATABASE_URL": url}
        _migrate(env)
        try:
            server.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(building), sql.Identifier(name)
                )
            )
        except psycopg.errors.DuplicateDatabase:
            server.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(building)))
        for old in found:
            # A template still in use by another run's CREATE DATABASE stays for next time.
            with contextlib.suppress(psycopg.Error):
                server.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(old)))
    return name
