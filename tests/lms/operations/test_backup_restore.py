"""The backup and restore script of docs/deploy.md, run against the test database: pg_dump,
pg_restore into a fresh database, the same row count in every table."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import UserFactory
from tests.local import database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)"),
]

SCRIPT = Path(settings.BASE_DIR) / ".ci" / "backup_restore"


# Committing: pg_dump sees only committed rows.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_restores_every_row():
    UserFactory.create_batch(3)
    result = subprocess.run(
        [str(SCRIPT), database_url()], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "== restore matches:" in result.stdout
    # The script's own clean-up leaves no restored copy behind.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", ["%_restore_%"])
        assert cursor.fetchone()[0] == 0


def test_refuses_a_database_that_is_not_postgresql():
    result = subprocess.run(
        [str(SCRIPT), "sqlite:///var/db.sqlite3"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "postgres://" in result.stderr
