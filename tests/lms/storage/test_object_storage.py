"""Files in object storage, against a real S3-protocol server on 127.0.0.1: certificates, passes,
data exports and Wagtail's images and documents land in the buckets, never on the local disk;
their owners get them through the permission-checking views by short-lived signed addresses,
anyone else gets nothing, and the bucket itself answers no unsigned request."""

import io
import json
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage, storages
from django.urls import reverse
from PIL import Image as PillowImage
from pypdf import PdfReader
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from certificates.models import CertificateKind, CertificateSource
from certificates.services import certificate_issue
from lms.privacy import services as privacy
from lms.storage import object_storages
from tests.certificates.conftest import (  # noqa: F401 (fixtures)
    clock,
    home,
    make_activity,
    make_cohort,
    make_person,
    make_programme,
    programme,
    programme_index,
    staff,
)
from tests.certificates.issuing import completed_in, make_template
from tests.cohorts import attendance_builders as builders
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

register = builders.register
tabletop = builders.tabletop


def fetch(url: str):
    """A browser following the address: status, headers and body as the server sends them."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (http only)
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def files_under(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def local_disk(settings, tmp_path):
    """The local folders the embedded default would write to, empty and this test's own, to
    show nothing lands there."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_ROOT = tmp_path / "private"
    return Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_ROOT)


@pytest.fixture
def issued(
    local_disk,
    object_storage,  # noqa: F811
    make_cohort,  # noqa: F811
    make_person,  # noqa: F811
    staff,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """A certificate issued by staff and rendered by the real job, into the private bucket."""
    cohort = make_cohort(title="BEP 2026 — Finnish presidency", slug="bep-2026")
    person = make_person("LV", full_name="Jānis Bērziņš")
    completed_in(cohort, person)
    make_template(CertificateKind.PROGRAMME)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificate_issue(
            user=person, cohort=cohort, source=CertificateSource.MANUAL, requested_by=staff
        )
    certificate.refresh_from_db()
    return certificate


# --- settings -----------------------------------------------------------------------------------


def test_storage_url_points_media_and_private_files_at_the_bucket():
    config = object_storages(
        "s3://AKIA%2Fkey:se%2Bcret@minio.internal:9000/bsr?region=eu-north-1&secure=0"
        "&private_bucket=bsr-private",
        {},
    )

    media, private = config["default"]["OPTIONS"], config["private"]["OPTIONS"]
    assert config["default"]["BACKEND"] == config["private"]["BACKEND"]
    assert config["private"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (media["bucket_name"], media["location"]) == ("bsr", "media")
    assert (private["bucket_name"], private["location"]) == ("bsr-private", "private")
    for options in (media, private):
        assert options["endpoint_url"] == "http://minio.internal:9000"
        assert (options["access_key"], options["secret_key"]) == ("AKIA/key", "se+cret")
        assert options["region_name"] == "eu-north-1"
        assert options["default_acl"] is None
    assert private["querystring_auth"] and private["querystring_expire"] == 120
    assert media["file_overwrite"] is False


def test_aws_variables_leave_the_credentials_to_boto3():
    config = object_storages(
        "",
        {
            "AWS_STORAGE_BUCKET_NAME": "bsr-academy",
            "AWS_S3_REGION_NAME": "eu-central-1",
            "AWS_ACCESS_KEY_ID": "from-the-environment",
        },
    )

    private = config["private"]["OPTIONS"]
    assert private["bucket_name"] == "bsr-academy" and private["location"] == "private"
    assert "access_key" not in private and "endpoint_url" not in private


def test_without_storage_settings_the_local_disk_stays():
    assert object_storages("", {}) == {}


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/bucket",
        "s3://key:secret@127.0.0.1:9000/",
        "s3://key:secret@127.0.0.1:9000/bsr?private_expiry=soon",
        "s3://key:secret@127.0.0.1:9000/bsr?acl=public-read",
    ],
)
def test_a_wrong_storage_url_stops_the_start_with_a_reason(url):
    with pytest.raises(ImproperlyConfigured):
        object_storages(url, {})


# --- certificates -------------------------------------------------------------------------------


def test_a_rendered_certificate_is_in_the_bucket_and_its_holder_downloads_it(
    issued, object_storage, client, local_disk
):
    key = f"private/{issued.pdf.name}"
    assert object_storage.keys(object_storage.private_bucket) == [key]
    client.force_login(issued.user)

    response = client.get(reverse("certificates:download", kwargs={"pk": issued.pk}))

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert response["Location"].startswith(object_storage.client.meta.endpoint_url)
    assert "X-Amz-Expires=120" in response["Location"]
    status, headers, body = fetch(response["Location"])
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Cache-Control"] == "private, no-store"
    assert headers["Content-Disposition"].startswith("attachment;")
    assert "Certificate-Janis-Berzins" in headers["Content-Disposition"]
    text = pdf_text(body)
    assert "Jānis Bērziņš" in text and issued.code in text
    assert (files_under(local_disk[0]), files_under(local_disk[1])) == ([], [])


def test_another_participant_gets_no_certificate_and_the_bucket_answers_no_one_unsigned(
    issued,
    object_storage,
    client,
    make_person,  # noqa: F811
):
    client.force_login(make_person("EE", full_name="Õie Täht"))

    response = client.get(reverse("certificates:download", kwargs={"pk": issued.pk}))

    assert response.status_code == 404
    endpoint = object_storage.client.meta.endpoint_url
    plain = f"{endpoint}/{object_storage.private_bucket}/private/{issued.pdf.name}"
    assert fetch(plain)[0] == 403


# Five seconds: a signature's time is stamped to the whole second, so a one-second address can
# be expired before it is first fetched on a loaded machine.
@pytest.mark.parametrize("object_storage", [{"private_expiry": "5"}], indirect=True)
def test_a_signed_address_is_refused_once_it_has_expired(issued, object_storage, client):
    client.force_login(issued.user)
    location = client.get(reverse("certificates:download", kwargs={"pk": issued.pk}))["Location"]
    assert fetch(location)[0] == 200

    time.sleep(6.1)

    status, _, body = fetch(location)
    assert status == 403
    assert b"Request has expired" in body
    # The view hands out a fresh one to the holder.
    again = client.get(reverse("certificates:download", kwargs={"pk": issued.pk}))["Location"]
    assert fetch(again)[0] == 200


def test_a_certificate_whose_object_is_gone_is_a_plain_not_found(issued, object_storage, client):
    object_storage.client.delete_object(
        Bucket=object_storage.private_bucket, Key=f"private/{issued.pdf.name}"
    )
    client.force_login(issued.user)

    response = client.get(reverse("certificates:download", kwargs={"pk": issued.pk}))

    assert response.status_code == 404


def test_an_upload_that_fails_part_way_leaves_no_object(object_storage):
    class Failing(io.RawIOBase):
        """A source that gives some bytes and then fails, as a dying disk or client does."""

        def __init__(self):
            self.sent = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            if self.sent:
                raise OSError("the source went away")
            buffer[:4] = b"%PDF"
            self.sent += 4
            return 4

    with pytest.raises(OSError):
        storages["private"].save("certificates/2026/05/certificate-9.pdf", File(Failing()))

    assert object_storage.keys(object_storage.private_bucket) == []


# --- passes and data exports --------------------------------------------------------------------


def test_a_pass_needs_no_local_file_and_only_its_holder_gets_it(
    object_storage, tabletop, register, client, local_disk
):
    place = register(tabletop, name="Žydrūnas Šimkus", country="LT")
    client.force_login(place.user)

    response = client.get(reverse("cohorts:pass_pdf", args=[place.pk]))

    assert response.status_code == 200
    assert "Žydrūnas Šimkus" in pdf_text(response.content)
    client.force_login(UserFactory())
    assert client.get(reverse("cohorts:pass_pdf", args=[place.pk])).status_code == 404
    assert (files_under(local_disk[0]), files_under(local_disk[1])) == ([], [])


def test_a_data_export_is_built_into_the_bucket_and_only_its_owner_gets_it(
    issued,
    object_storage,
    client,
    django_capture_on_commit_callbacks,
    make_person,  # noqa: F811
    local_disk,
):
    with django_capture_on_commit_callbacks(execute=True):
        export = privacy.data_export_request(user=issued.user)
    export.refresh_from_db()
    assert f"private/{export.file.name}" in object_storage.keys(object_storage.private_bucket)
    url = reverse("my_data_download", kwargs={"pk": export.pk})

    client.force_login(issued.user)
    response = client.get(url)

    assert response.status_code == 302
    status, headers, body = fetch(response["Location"])
    assert status == 200 and headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        data = json.loads(archive.read("data.json"))
        [pdf_name] = [n for n in archive.namelist() if n.endswith(".pdf")]
        assert "Jānis Bērziņš" in pdf_text(archive.read(pdf_name))
    assert "Jānis Bērziņš" in json.dumps(data, ensure_ascii=False)
    client.force_login(make_person("PL", full_name="Małgorzata Wąsowska"))
    assert client.get(url).status_code == 404
    assert (files_under(local_disk[0]), files_under(local_disk[1])) == ([], [])


# --- Wagtail's images and documents (public media) ----------------------------------------------


def png() -> bytes:
    out = io.BytesIO()
    PillowImage.new("RGB", (320, 200), (29, 53, 87)).save(out, "PNG")
    return out.getvalue()


def test_an_uploaded_image_and_its_renditions_are_in_the_bucket_and_served(
    object_storage, client, local_disk
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.post(
        reverse("wagtailimages:add"),
        {"title": "Harbour of Rīga", "file": ContentFile(png(), name="harbour-riga.png")},
    )

    assert response.status_code == 302
    image = get_image_model().objects.get(title="Harbour of Rīga")
    rendition = image.get_rendition("width-160")
    keys = object_storage.keys(object_storage.media_bucket)
    assert f"media/{image.file.name}" in keys and f"media/{rendition.file.name}" in keys
    status, headers, body = fetch(rendition.url)
    assert status == 200
    assert PillowImage.open(io.BytesIO(body)).size == (160, 100)
    assert (files_under(local_disk[0]), files_under(local_disk[1])) == ([], [])


def test_an_uploaded_document_is_in_the_bucket_and_served_through_wagtail(
    object_storage, client, local_disk
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    content = "Exercise plan — Storm Surge, Rīga\n".encode()

    response = client.post(
        reverse("wagtaildocs:add"),
        {"title": "Exercise plan", "file": ContentFile(content, name="exercise-plan.txt")},
    )

    assert response.status_code == 302
    document = get_document_model().objects.get(title="Exercise plan")
    assert f"media/{document.file.name}" in object_storage.keys(object_storage.media_bucket)
    served = client.get(document.url)
    assert served.status_code == 302
    status, _, body = fetch(served["Location"])
    assert (status, body) == (200, content)
    assert default_storage.exists(document.file.name)
    assert (files_under(local_disk[0]), files_under(local_disk[1])) == ([], [])
