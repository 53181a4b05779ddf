"""Management commands that create accounts: the demo and the administrator are refused where
they would put publicly known passwords on a real site."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.models import Page

from lms.models import User

pytestmark = pytest.mark.django_db

BASE_DIR = Path(django_settings.BASE_DIR)


def test_load_demo_is_refused_in_production_and_creates_nothing(settings):
    settings.PRODUCTION = True
    pages = Page.objects.count()

    with pytest.raises(CommandError, match="refused when ENVIRONMENT=production"):
        call_command("load_demo", stdout=StringIO())

    assert not User.objects.exists()
    assert Page.objects.count() == pages


def test_load_demo_from_the_command_line_in_production_exits_non_zero(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DEBUG"}
    }
    env.update(
        ENVIRONMENT="production",
        SECRET_KEY="k" + "".join(chr(97 + i % 26) for i in range(60)),
        ALLOWED_HOSTS="academy.example.org",
        VAR_DIR=str(tmp_path / "var"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "load_demo"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "load_demo is refused when ENVIRONMENT=production" in result.stderr
    assert "Nothing was created" in result.stderr


@pytest.mark.parametrize(
    "password, message",
    [
        ("", "Set ADMIN_PASSWORD"),
        ("baltic-admin", "development password"),
        ("12345678", "too weak"),
    ],
    ids=["missing", "development-default", "weak"],
)
def test_ensure_admin_in_production_refuses_a_known_or_weak_password(
    settings, monkeypatch, password, message
):
    settings.PRODUCTION = True
    monkeypatch.setenv("ADMIN_PASSWORD", password)

    with pytest.raises(CommandError, match=message):
        call_command("ensure_admin", stdout=StringIO())

    assert not User.objects.exists()


def test_ensure_admin_in_production_with_a_strong_password_never_prints_it(settings, monkeypatch):
    settings.PRODUCTION = True
    monkeypatch.setenv("ADMIN_PASSWORD", "Vilnius-Harbour-Lighthouse-2026")
    out = StringIO()

    call_command("ensure_admin", stdout=out)

    admin = User.objects.get()
    assert admin.is_superuser and admin.check_password("Vilnius-Harbour-Lighthouse-2026")
    assert "Vilnius-Harbour" not in out.getvalue()


def test_ensure_admin_in_development_uses_the_readme_password(monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)

    call_command("ensure_admin", stdout=StringIO())

    assert User.objects.get().check_password("baltic-admin")
