"""Every response carries a Content-Security-Policy and a Permissions-Policy: the site's strict
one (no inline script or style), the admin's looser one (Wagtail's own widgets need inline
script), and no page refers to an outside avatar service."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.mark.parametrize("url", ["/", "/programmes/", "/account/login/", "/search/?q=flood"])
def test_public_pages_allow_scripts_and_styles_from_this_site_only(client, url):
    response = client.get(url)

    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_a_cached_page_carries_the_same_policy(client):
    first = client.get("/programmes/")
    second = client.get("/programmes/")

    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert second["Permissions-Policy"] == first["Permissions-Policy"]


def test_no_page_carries_an_inline_script(client):
    user = UserFactory()
    client.force_login(user)
    for url in ("/", reverse("my_learning"), reverse("profile"), reverse("my_data")):
        content = client.get(url).content.decode()
        scripts = re.findall(r"<script\b[^>]*>", content)
        # Scripts come from files; a JSON data block is data, never run.
        assert scripts and all(
            "src=" in tag or 'type="application/json"' in tag for tag in scripts
        ), (url, scripts)
        assert not re.search(r"\son[a-z]+=", content), url
        assert "style=" not in content, url


def test_the_admin_has_its_own_policy_and_shows_no_outside_avatars(client):
    admin = UserFactory(is_staff=True, is_superuser=True, email="admin@example.org")
    client.force_login(admin)

    response = client.get("/admin/")

    policy = directives(response)
    assert response.status_code == 200
    assert "'unsafe-inline'" in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert "gravatar" not in response.content.decode()
