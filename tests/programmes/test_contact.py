"""Every page that tells people to write to someone links to an address: a programme's own
contact (fields of its page, editable in Wagtail, filled in by the demo) or, on error and
rate-limit pages, the site's contact from the settings."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from lms.accounts.views import server_error
from lms.languages.content import canonical
from programmes.models import ProgrammePage
from tests.factories import UserFactory
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db


def test_the_programme_page_links_to_its_contact(make_programme, client):
    programme = make_programme(
        title="NEEDS",
        slug="needs",
        contact="NEEDS education team, CBSS Secretariat",
        contact_email="needs@bsr-academy.local",
        contact_phone="+46 8 440 19 20",
        contact_url="https://bsr-academy.local/needs/contact/",
    )

    html = client.get(programme.url).content.decode()

    assert 'href="mailto:needs@bsr-academy.local"' in html
    assert "NEEDS education team, CBSS Secretariat" in html
    assert 'href="tel:+468440' in html
    assert 'href="https://bsr-academy.local/needs/contact/"' in html


def test_a_programme_without_an_address_points_to_the_site_contact(
    make_programme, client, settings
):
    settings.CONTACT_EMAIL = "academy@bsr-academy.local"
    programme = make_programme(title="BYFORES", slug="byfores", contact="BYFORES team")

    html = client.get(programme.url).content.decode()

    assert "BYFORES team" in html
    assert 'href="mailto:academy@bsr-academy.local"' in html


def test_error_pages_link_to_the_site_contact(client, settings):
    settings.CONTACT_NAME = "BSR Academy secretariat"
    settings.CONTACT_EMAIL = "academy@bsr-academy.local"

    not_found = client.get("/no-such-page/")
    assert not_found.status_code == 404
    assert 'href="mailto:academy@bsr-academy.local"' in not_found.content.decode()
    assert "BSR Academy secretariat" in visible_text(not_found)

    client.force_login(UserFactory())
    forbidden = client.get(reverse("groups:care_notes", args=[999999]))
    assert forbidden.status_code == 404
    assert "academy@bsr-academy.local" in forbidden.content.decode()

    request = RequestFactory().get("/")
    failed = server_error(request)
    assert failed.status_code == 500
    assert 'href="mailto:academy@bsr-academy.local"' in failed.content.decode()


def test_403_page_links_to_the_site_contact(settings):
    from django.core.exceptions import PermissionDenied

    from lms.accounts.views import permission_denied

    settings.CONTACT_EMAIL = "academy@bsr-academy.local"
    request = RequestFactory().get("/")
    request.user = UserFactory()
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert 'href="mailto:academy@bsr-academy.local"' in response.content.decode()


def test_editors_set_the_contact_in_wagtail(make_programme, client):
    programme = make_programme(title="Secure Kids", slug="secure-kids")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    html = client.get(reverse("wagtailadmin_pages:edit", args=[programme.pk])).content.decode()

    for field in ("contact", "contact_email", "contact_phone", "contact_url"):
        assert f'name="{field}"' in html, field


def test_the_demo_gives_each_programme_a_contact_address_once(client):
    call_command("load_demo", only=["programmes"], stdout=StringIO())
    out = StringIO()
    call_command("load_demo", only=["programmes"], stdout=out)

    assert "contact address" not in out.getvalue()
    programmes = canonical(ProgrammePage.objects.all())
    assert programmes.count() == 4
    for programme in programmes:
        assert programme.contact_email.endswith("@bsr-academy.local"), programme.slug
        html = client.get(programme.url).content.decode()
        assert f'href="mailto:{programme.contact_email}"' in html
