"""Every page the catalogue API lists serialises, whatever its type and whichever fields are
asked for, and its addresses are the site's public ones."""

from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import Site

from programmes.models import ActivityKind, ActivityPage, ProgrammePage
from programmes.pages.api import CATALOGUE_TYPES
from tests.programmes.pages.test_api import add_activity

pytestmark = pytest.mark.django_db

PUBLIC = "https://academy.example.org"


@pytest.fixture
def demo_catalogue(settings):
    settings.BASE_URL = PUBLIC
    call_command("load_demo", "--only=programmes", stdout=StringIO())
    programme = ProgrammePage.objects.live().first()
    online = add_activity(
        programme,
        title="Webinar: warning the public in eleven languages",
        kind=ActivityKind.WEBINAR,
        venue_city="",
        venue_country="",
        online_url="https://meet.example.org/room-1",
    )
    return online


def label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


@pytest.mark.parametrize("model", CATALOGUE_TYPES, ids=label)
def test_every_page_of_every_type_serialises_with_every_field(client, demo_catalogue, model):
    items = []
    while not items or len(items) % 20 == 0:
        url = f"/api/v2/pages/?type={label(model)}&fields=*&limit=20&offset={len(items)}"
        listing = client.get(url)
        assert listing.status_code == 200, listing.content[:500]
        page = listing.json()["items"]
        if not page:
            break
        items += page
    assert items, f"the demo has no {label(model)}"
    for item in items:
        detail = client.get(f"/api/v2/pages/{item['id']}/")
        assert detail.status_code == 200, (item["title"], detail.content[:500])
        meta = detail.json()["meta"]
        assert meta["detail_url"].startswith(f"{PUBLIC}/api/v2/pages/"), meta["detail_url"]
        assert meta["html_url"].startswith(f"{PUBLIC}/"), meta["html_url"]
        assert item["meta"]["detail_url"] == meta["detail_url"]


def test_an_online_activity_without_a_venue_country_serialises(client, demo_catalogue):
    online = demo_catalogue

    detail = client.get(f"/api/v2/pages/{online.pk}/")

    assert detail.status_code == 200, detail.content[:500]
    data = detail.json()
    assert data["title"] == "Webinar: warning the public in eleven languages"
    assert data["venue_country"] is None
    assert data["is_online"] is True
    assert "room-1" not in detail.content.decode()


def test_a_venue_country_is_given_by_its_code(client, demo_catalogue):
    activity = ActivityPage.objects.live().exclude(venue_country="").first()

    data = client.get(f"/api/v2/pages/{activity.pk}/").json()

    assert data["venue_country"] == activity.venue_country.code


def test_addresses_follow_the_wagtail_site_when_it_names_a_public_host(client, demo_catalogue):
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "learn.example.eu", 443
    site.save()

    data = client.get(f"/api/v2/pages/{demo_catalogue.pk}/").json()

    assert data["meta"]["html_url"].startswith("https://learn.example.eu/")
    assert data["meta"]["detail_url"].startswith(f"{PUBLIC}/api/v2/pages/")
