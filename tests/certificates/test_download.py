"""Downloading a certificate's PDF: the holder and the staff who manage it get the file exactly
as issued, as an attachment named after the holder (diacritics kept, with an ASCII fallback),
never cached; anyone else gets a 404 that does not reveal the certificate exists."""

import datetime as dt
import hashlib
import io
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from certificates.models import CertificateState
from cohorts.places.services import cohort_staff_group_ensure
from tests.certificates.conftest import pdf_bytes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def download_url(certificate) -> str:
    return reverse("certificates:download", kwargs={"pk": certificate.pk})


def fetch(client, user, certificate):
    client.force_login(user)
    return client.get(download_url(certificate))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def staff_of(cohort):
    person = UserFactory(profile__full_name="Helmi Väänänen", profile__country="FI")
    person.groups.add(cohort_staff_group_ensure(cohort=cohort))
    return person


def test_the_address_is_the_one_e_mails_link_to(certificate):
    assert download_url(certificate) == f"/certificates/{certificate.pk}/download/"


def test_the_holder_gets_the_pdf_exactly_as_issued(client, holder, certificate):
    response = fetch(client, holder, certificate)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = body(response)
    assert data == pdf_bytes(certificate)
    assert hashlib.sha256(data).hexdigest() == certificate.sha256
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Jānis Bērziņš" in text
    assert certificate.code in text
    assert response["Cache-Control"] == "private, no-store"


def test_the_file_name_keeps_diacritics_and_has_an_ascii_fallback(
    client, make_certificate, make_person, cohort
):
    person = make_person("IS", full_name="Þórunn Guðmundsdóttir")
    certificate = make_certificate(user=person, cohort=cohort)

    disposition = fetch(client, person, certificate)["Content-Disposition"]

    assert disposition.startswith("attachment;")
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback == "Certificate-Thorunn-Gudmundsdottir-BEP-2026-Finnish-presidency.pdf"
    assert fallback.isascii()
    full = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert full == "Certificate-Þórunn-Guðmundsdóttir-BEP-2026-Finnish-presidency.pdf"


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("Søren Ærø", "Soren-AEro"),
        ("Małgorzata Wąsowska", "Malgorzata-Wasowska"),
        ("Žydrūnas Šimkus", "Zydrunas-Simkus"),
        ("Õie Täht", "Oie-Taht"),
    ],
)
def test_every_name_of_the_region_gets_a_readable_ascii_fallback(
    client, make_certificate, make_person, cohort, name, fallback
):
    person = make_person("DK", full_name=name)
    certificate = make_certificate(user=person, cohort=cohort)

    disposition = fetch(client, person, certificate)["Content-Disposition"]

    assert f'filename="Certificate-{fallback}-BEP-2026' in disposition
    assert name.replace(" ", "-") in unquote(disposition)


def test_another_participant_gets_a_404(client, make_person, certificate):
    assert fetch(client, make_person("EE"), certificate).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, certificate):
    response = client.get(download_url(certificate))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"]


def test_staff_of_the_certificate_s_cohort_may_download(client, cohort, certificate):
    response = fetch(client, staff_of(cohort), certificate)

    assert response.status_code == 200
    assert body(response) == pdf_bytes(certificate)


def test_staff_of_another_cohort_get_a_404(client, make_cohort, certificate):
    other = make_cohort(title="BEP 2027 — Polish presidency", slug="bep-2027")

    assert fetch(client, staff_of(other), certificate).status_code == 404


def test_staff_rights_end_with_the_cohort_s_staff_access(client, cohort, certificate):
    person = staff_of(cohort)
    cohort.staff_access_until = timezone.localdate() - dt.timedelta(days=1)
    cohort.save()

    assert fetch(client, person, certificate).status_code == 404


def test_activity_certificates_are_for_programme_admins_not_cohort_staff(
    client, make_certificate, make_activity, holder, cohort, staff
):
    activity = make_activity(title="Table-top exercise: Baltic storm surge")
    certificate = make_certificate(user=holder, activity=activity)
    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="certificates", codename="change_certificate"
        )
    )

    assert fetch(client, staff_of(cohort), certificate).status_code == 404
    assert fetch(client, staff, certificate).status_code == 200
    assert fetch(client, editor, certificate).status_code == 200
    assert fetch(client, holder, certificate).status_code == 200


def test_a_revoked_or_replaced_certificate_can_still_be_downloaded(
    client, make_certificate, holder, cohort
):
    new = make_certificate(user=holder, cohort=cohort)
    old = make_certificate(
        user=holder, cohort=cohort, state=CertificateState.REPLACED, replaced_by=new
    )
    new.state = CertificateState.REVOKED
    new.revoked_at = timezone.now()
    new.save()

    assert fetch(client, holder, old).status_code == 200
    assert fetch(client, holder, new).status_code == 200


@pytest.mark.parametrize("state", [CertificateState.PENDING, CertificateState.WITHDRAWN])
def test_pending_and_withdrawn_certificates_cannot_be_downloaded(
    client, make_certificate, holder, cohort, staff, state
):
    certificate = make_certificate(user=holder, cohort=cohort, state=state)

    assert fetch(client, holder, certificate).status_code == 404
    assert fetch(client, staff, certificate).status_code == 404


def test_a_certificate_without_its_file_is_a_404_not_an_error(client, holder, certificate):
    certificate.pdf.storage.delete(certificate.pdf.name)

    assert fetch(client, holder, certificate).status_code == 404


def test_a_certificate_that_does_not_exist_is_a_404(client, holder):
    client.force_login(holder)

    assert client.get("/certificates/999999999/download/").status_code == 404
    assert client.get("/certificates/99999999999999999999999/download/").status_code == 404
