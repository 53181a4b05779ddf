"""A participant's own certificates on My learning and at /certificates/mine/: current ones with
download, verify and LinkedIn links and a link to copy; revoked ones with their state; those
still being prepared said so; nobody else's."""

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from certificates.models import CertificateState
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

MY_LEARNING = "/my-learning/"
MINE = "/certificates/mine/"


def page(client, user, url=MY_LEARNING):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response


def linkedin_links(response) -> list[str]:
    html = response.content.decode()
    return [
        unescape(href) for href in re.findall(r'href="(https://www\.linkedin\.com/[^"]+)"', html)
    ]


def test_my_learning_lists_my_certificate_with_its_links(client, holder, certificate):
    response = page(client, holder)

    html = response.content.decode()
    text = visible_text(response)
    assert "My certificates" in text
    assert "BEP 2026 — Finnish presidency (Baltic Excellence Programme)" in text
    assert f'href="{reverse("certificates:download", kwargs={"pk": certificate.pk})}"' in html
    assert f'href="/certificates/verify/{certificate.code}/"' in html
    verification = f"{settings.BASE_URL}/certificates/verify/{certificate.code}/"
    assert f'readonly value="{verification}"' in html
    assert 'href="/certificates/mine/"' in html


def test_the_linkedin_link_fills_in_the_certificate(client, holder, make_certificate, cohort):
    certificate = make_certificate(
        user=holder, cohort=cohort, issued_at=timezone.make_aware(dt.datetime(2026, 10, 1, 12))
    )

    [link] = linkedin_links(page(client, holder))

    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    assert "+" not in parts.query  # spaces are %20, as LinkedIn expects
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": "BEP 2026 — Finnish presidency (Baltic Excellence Programme)",
        "organizationName": "BSR Academy",
        "issueYear": "2026",
        "issueMonth": "10",
        "certUrl": f"{settings.BASE_URL}/certificates/verify/{certificate.code}/",
        "certId": certificate.code,
    }
    assert "organizationName=BSR%20Academy" in link


def test_a_revoked_certificate_is_listed_with_its_state_and_not_for_sharing(
    client, holder, certificate
):
    certificate.state = CertificateState.REVOKED
    certificate.revoked_at = timezone.make_aware(dt.datetime(2026, 11, 3, 10))
    certificate.revoked_reason = "Issued for the wrong cohort."
    certificate.save()

    response = page(client, holder)

    text = visible_text(response)
    assert "Revoked on 3 November 2026" in text
    assert "Reason: Issued for the wrong cohort." in text
    assert linkedin_links(response) == []
    assert "Download the PDF" in text


def test_a_certificate_being_prepared_says_so(client, holder, make_certificate, cohort):
    make_certificate(user=holder, cohort=cohort, state=CertificateState.PENDING)

    response = page(client, holder)

    text = visible_text(response)
    assert "Being prepared" in text
    assert "Download the PDF" not in text
    assert linkedin_links(response) == []


def test_a_replaced_certificate_gives_way_to_its_replacement(
    client, holder, make_certificate, cohort
):
    new = make_certificate(user=holder, cohort=cohort)
    old = make_certificate(
        user=holder, cohort=cohort, state=CertificateState.REPLACED, replaced_by=new
    )

    html = page(client, holder).content.decode()

    assert f"/certificates/verify/{new.code}/" in html
    assert old.code not in html


def test_a_withdrawn_certificate_is_not_listed(client, holder, make_certificate, cohort):
    make_certificate(user=holder, cohort=cohort, state=CertificateState.WITHDRAWN)

    assert "My certificates" not in visible_text(page(client, holder))


def test_nobody_sees_another_person_s_certificates(client, make_person, certificate):
    other = make_person("SE", full_name="Søren Ærø")

    html = page(client, other).content.decode()

    assert certificate.code not in html
    assert "My certificates" not in visible_text(page(client, other))
    assert certificate.code not in page(client, other, MINE).content.decode()


def test_the_mine_page_lists_the_same_and_needs_a_login(client, holder, certificate):
    anonymous = client.get(MINE)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))

    response = page(client, holder, MINE)

    text = visible_text(response)
    assert "My certificates" in text
    assert "BEP 2026 — Finnish presidency" in text
    assert len(linkedin_links(response)) == 1
    assert f"/certificates/verify/{certificate.code}/" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_mine_page_without_certificates_says_how_they_come(client, holder):
    text = visible_text(page(client, holder, MINE))

    assert "You have no certificates yet" in text


def test_activity_and_module_certificates_are_listed_too(
    client, holder, make_certificate, make_activity, programme
):
    from tests.programmes.builders import ModulePageFactory

    activity = make_activity(title="Table-top exercise: Baltic storm surge")
    module = ModulePageFactory(parent=programme, title="Leading in a crisis")
    make_certificate(user=holder, activity=activity)
    make_certificate(user=holder, module=module)

    text = visible_text(page(client, holder, MINE))

    assert "Table-top exercise: Baltic storm surge (Baltic Excellence Programme)" in text
    assert "Leading in a crisis (Baltic Excellence Programme)" in text
