"""The public verification page: a QR link or a typed code shows the certificate's state (valid,
revoked, replaced, withdrawn, unknown) with the holder's printed details and nothing more; junk
gets a clear message; guessing is rate-limited per client; an uploaded PDF is recognised when it
is exactly the issued file and reported as changed when it is not."""

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certificates.models import CertificateState
from certificates.verify.codes import code_new
from tests.certificates.conftest import pdf_bytes
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

VERIFY = "/certificates/verify/"


def verify_path(code: str) -> str:
    return f"/certificates/verify/{code}/"


def lookup(client, code, **extra):
    return client.get(verify_path(code), **extra)


def upload(client, data: bytes, *, code: str = "", name: str = "certificate.pdf", **extra):
    return client.post(
        VERIFY,
        {"file-pdf": SimpleUploadedFile(name, data, "application/pdf"), "file-code": code},
        **extra,
    )


def assert_private(response):
    # The code in the address never leaves the site in a Referer header.
    assert response["Referrer-Policy"] == "same-origin"
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


# --- States ---------------------------------------------------------------------------------------


def test_the_qr_link_shows_a_valid_certificate_with_what_is_printed_on_it(client, certificate):
    response = lookup(client, certificate.code)

    assert response.status_code == 200
    text = visible_text(response)
    assert "This certificate is valid" in text
    assert "Valid certificate" in response.content.decode().split("</title>")[0]
    for printed in (
        "Jānis Bērziņš",
        "Baltic Excellence Programme",
        "BEP 2026 — Finnish presidency",
        "2 March 2026 – 30 September 2026",
        f"Issued on {timezone.localdate(certificate.issued_at):%-d %B %Y}",
        certificate.code,
    ):
        assert printed in text, printed
    assert_private(response)


def test_the_page_shows_nothing_beyond_what_is_printed(client, certificate):
    # The site's footer names the member states: read the main content only.
    response = lookup(client, certificate.code)
    main = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
    text = visible_text(HttpResponse(main))

    assert certificate.user.email not in text
    assert "Latvia" not in text and "LV" not in text.split()
    assert certificate.user.profile.organisation.name not in text


def test_the_address_in_the_qr_code_is_the_one_that_answers(client, certificate):
    from certificates.documents.content import verification_url

    url = verification_url(certificate.code)
    assert url.startswith(settings.BASE_URL)
    assert client.get(url.removeprefix(settings.BASE_URL.rstrip("/"))).status_code == 200


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c.lower(),
        lambda c: c.replace("-", " ").lower(),
        lambda c: f"  {c.replace('-', '')}  ",
        lambda c: c.replace("0", "o").replace("1", "l"),
    ],
)
def test_a_code_typed_in_lower_case_or_with_spaces_finds_the_certificate(
    client, certificate, typed
):
    response = client.get(VERIFY, {"code": typed(certificate.code)})

    assert response.status_code == 302
    assert response["Location"] == verify_path(certificate.code)
    assert "This certificate is valid" in visible_text(client.get(response["Location"]))


def test_a_lower_case_code_in_the_address_works_too(client, certificate):
    response = lookup(client, certificate.code.lower())

    assert response.status_code == 200
    assert "This certificate is valid" in visible_text(response)


def test_a_revoked_certificate_says_when_and_why(client, certificate):
    certificate.state = CertificateState.REVOKED
    certificate.revoked_at = timezone.make_aware(dt.datetime(2026, 11, 3, 10, 0))
    certificate.revoked_reason = "Issued for the wrong cohort by mistake."
    certificate.save()

    response = lookup(client, certificate.code)

    text = visible_text(response)
    assert response.status_code == 200
    assert "This certificate has been revoked" in text
    assert "revoked on 3 November 2026" in text
    assert "Reason: Issued for the wrong cohort by mistake." in text
    assert "This certificate is valid" not in text
    assert "Jānis Bērziņš" in text


def test_a_replaced_certificate_points_to_its_replacement(client, make_certificate, holder, cohort):
    new = make_certificate(
        user=holder, cohort=cohort, issued_at=timezone.make_aware(dt.datetime(2026, 12, 1, 9))
    )
    old = make_certificate(
        user=holder, cohort=cohort, state=CertificateState.REPLACED, replaced_by=new
    )

    response = lookup(client, old.code)

    text = visible_text(response)
    assert "This certificate has been replaced" in text
    assert "A newer certificate replaced it on 1 December 2026" in text
    assert f'href="{verify_path(new.code)}"' in response.content.decode()
    assert "This certificate is valid" in visible_text(lookup(client, new.code))


def test_a_replacement_still_being_prepared_is_said_so(client, make_certificate, holder, cohort):
    new = make_certificate(user=holder, cohort=cohort, state=CertificateState.PENDING)
    old = make_certificate(
        user=holder, cohort=cohort, state=CertificateState.REPLACED, replaced_by=new
    )

    assert "replaces it and is being prepared" in visible_text(lookup(client, old.code))


def test_a_withdrawn_certificate_shows_its_state_and_no_longer_its_holder(client, certificate):
    certificate.state = CertificateState.WITHDRAWN
    certificate.withdrawn_at = timezone.make_aware(dt.datetime(2027, 1, 12, 8))
    certificate.save()

    response = lookup(client, certificate.code)

    text = visible_text(response)
    assert "This certificate was withdrawn at the holder's request" in text
    assert "withdrawn on 12 January 2027" in text
    assert "Jānis" not in text and "Bērziņš" not in text
    assert "BEP 2026" not in text


def test_a_well_formed_code_nobody_was_given_is_unknown(client, certificate):
    response = lookup(client, code_new())

    assert response.status_code == 404
    assert "No certificate has this code" in visible_text(response)
    assert_private(response)


def test_a_pending_certificate_never_verifies(client, make_certificate, holder, cohort):
    pending = make_certificate(user=holder, cohort=cohort, state=CertificateState.PENDING)
    # A pending row may already hold the code it will be printed with.
    pending.code = code_new()
    pending.save()

    response = lookup(client, pending.code)

    assert response.status_code == 404
    assert "No certificate has this code" in visible_text(response)
    assert "Jānis" not in visible_text(response)


@pytest.mark.parametrize(
    "junk",
    ["ABCD-EFGH", "x" * 3000, "'\"<script>", "Žydrūnas", "0000-0000-0000-0000-0000-0000-000U"],
)
def test_junk_in_the_address_explains_what_a_code_looks_like(client, junk):
    response = lookup(client, junk)

    assert response.status_code == 400
    text = visible_text(response)
    assert "This is not a verification code" in text
    assert "7 groups of 4 letters and digits" in text
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


@pytest.mark.parametrize("junk", ["", "123", "x" * 500, "7KQ2-M9XD", "%ff"])
def test_junk_typed_in_the_form_explains_what_a_code_looks_like(client, junk):
    response = client.get(VERIFY, {"code": junk})

    assert response.status_code == 200
    text = visible_text(response)
    assert "7 groups of 4 letters and digits" in text
    assert "Error:" in response.content.decode().split("</title>")[0]


def test_the_empty_page_offers_both_checks(client):
    response = client.get(VERIFY)

    text = visible_text(response)
    assert response.status_code == 200
    assert "Check a code" in text and "Check a PDF file" in text
    assert 'enctype="multipart/form-data"' in response.content.decode()
    assert_private(response)


# --- Minors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown", "hidden"),
    [
        ("Õie Täht", "Õie T.", "Täht"),
        ("Þórunn Guðmundsdóttir", "Þórunn G.", "Guðmundsdóttir"),
        ("Anna Liisa Ærø", "Anna Æ.", "Liisa"),
    ],
)
def test_a_minor_is_shown_by_first_name_and_family_initial_only(
    client, make_certificate, make_person, cohort, name, shown, hidden
):
    minor = make_person("EE", full_name=name)
    certificate = make_certificate(user=minor, cohort=cohort, minor=True)

    text = visible_text(lookup(client, certificate.code))

    assert f"Issued to {shown}" in text
    assert hidden not in text


def test_a_minor_s_uploaded_file_is_recognised_without_the_full_name(
    client, make_certificate, make_person, cohort
):
    minor = make_person("EE", full_name="Õie Täht")
    certificate = make_certificate(user=minor, cohort=cohort, minor=True)

    text = visible_text(upload(client, pdf_bytes(certificate)))

    assert "exactly the certificate issued to Õie T. (valid)" in text
    assert "Täht" not in text


# --- Not cached -----------------------------------------------------------------------------------


def test_a_revocation_shows_at_once(client, certificate):
    first = lookup(client, certificate.code)
    certificate.state = CertificateState.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.save()
    second = lookup(client, certificate.code)

    assert "This certificate is valid" in visible_text(first)
    assert "This certificate has been revoked" in visible_text(second)
    assert second.get("X-Page-Cache") != "hit"


# --- Rate limit -----------------------------------------------------------------------------------


@pytest.fixture
def limit_3(settings, clock):
    # The windows are fixed in time: a frozen clock keeps a test's lookups inside one of them.
    settings.CERTIFICATES_VERIFY_LIMIT = 3
    settings.CERTIFICATES_VERIFY_WINDOW = 600


def test_the_limit_answers_429_with_when_to_retry(client, certificate, limit_3):
    statuses = [lookup(client, certificate.code).status_code for _ in range(3)]
    blocked = lookup(client, certificate.code)

    assert statuses == [200, 200, 200]
    assert blocked.status_code == 429
    retry = int(blocked["Retry-After"])
    assert 0 < retry <= 600
    text = visible_text(blocked)
    assert "Too many checks" in text
    assert "try again in" in text.lower()
    assert "Jānis" not in text
    assert_private(blocked)


def test_unknown_and_malformed_look_ups_count_as_well(client, certificate, limit_3):
    assert lookup(client, code_new()).status_code == 404
    assert lookup(client, "not-a-code").status_code == 400
    assert client.get(VERIFY, {"code": "nope"}).status_code == 200

    assert lookup(client, certificate.code).status_code == 429
    assert client.get(VERIFY, {"code": "nope"}).status_code == 429


def test_other_clients_are_not_affected(certificate, limit_3):
    guesser, neighbour = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="198.51.100.2")
    for _ in range(3):
        lookup(guesser, code_new())

    assert lookup(guesser, certificate.code).status_code == 429
    assert lookup(neighbour, certificate.code).status_code == 200


def test_the_limit_ends_with_its_window(client, certificate, limit_3, clock):
    for _ in range(3):
        lookup(client, code_new())
    blocked = lookup(client, certificate.code)
    clock.advance(seconds=int(blocked["Retry-After"]))

    assert lookup(client, certificate.code).status_code == 200


def test_a_forwarded_for_header_is_ignored_without_trusted_proxies(certificate, limit_3):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for number in range(3):
        lookup(client, code_new(), HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")

    assert lookup(client, certificate.code, HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429


def test_behind_a_trusted_proxy_the_client_is_the_hop_it_appended(certificate, limit_3, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(3):
        # Whatever the client wrote to the left proves nothing: only the last hop counts.
        lookup(proxy, code_new(), HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")

    assert (
        lookup(proxy, certificate.code, HTTP_X_FORWARDED_FOR="5.6.7.8, 203.0.113.7").status_code
        == 429
    )
    assert lookup(proxy, certificate.code, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200


def test_uploads_count_too(client, certificate, limit_3):
    pdf = pdf_bytes(certificate)
    assert [upload(client, pdf).status_code for _ in range(3)] == [200, 200, 200]

    blocked = upload(client, pdf)

    assert blocked.status_code == 429
    assert "Retry-After" in blocked


# --- PDF upload -----------------------------------------------------------------------------------


def test_the_exact_pdf_is_recognised(client, certificate):
    response = upload(client, pdf_bytes(certificate), name="Bērziņš certificate.pdf")

    text = visible_text(response)
    assert response.status_code == 200
    assert "This file is exactly the certificate issued to Jānis Bērziņš (valid)" in text
    assert "“Bērziņš certificate.pdf”" in text
    assert "This certificate is valid" in text
    assert "File recognised" in response.content.decode().split("</title>")[0]


def test_the_exact_pdf_of_a_revoked_certificate_says_revoked(client, certificate):
    certificate.state = CertificateState.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.save()

    text = visible_text(upload(client, pdf_bytes(certificate)))

    assert "This file is exactly the certificate issued to Jānis Bērziņš (revoked)" in text
    assert "This certificate has been revoked" in text


def tampered(pdf: bytes) -> bytes:
    middle = len(pdf) // 2
    return pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]


def test_a_pdf_changed_by_one_byte_is_reported_as_changed_for_its_code(client, certificate):
    changed = tampered(pdf_bytes(certificate))
    assert hashlib.sha256(changed).hexdigest() != certificate.sha256

    response = upload(client, changed, code=certificate.code.lower().replace("-", " "))

    text = visible_text(response)
    assert "This file is not the one issued for this code: it has been changed" in text
    assert "exactly the certificate" not in text
    # What the certificate issued for the code really says, to compare with.
    assert "Jānis Bērziņš" in text and "This certificate is valid" in text


def test_a_changed_pdf_without_a_code_is_not_recognised(client, certificate):
    text = visible_text(upload(client, tampered(pdf_bytes(certificate))))

    assert "BSR Academy did not issue this exact file" in text
    assert "Enter the code printed on it" in text
    assert "Jānis" not in text


def test_a_changed_pdf_with_an_unknown_code_says_both(client, certificate):
    text = visible_text(upload(client, tampered(pdf_bytes(certificate)), code=code_new()))

    assert "No certificate has this code, and BSR Academy did not issue this file" in text


def test_the_exact_pdf_with_someone_else_s_code_is_still_the_file_s_certificate(
    client, certificate, make_certificate, make_person, cohort
):
    other = make_certificate(user=make_person("PL", full_name="Małgorzata Wąsowska"), cohort=cohort)

    text = visible_text(upload(client, pdf_bytes(certificate), code=other.code))

    assert "exactly the certificate issued to Jānis Bērziņš" in text
    assert "The code you typed is not the one printed on this file" in text
    assert "Wąsowska" not in text


def test_a_malformed_code_next_to_the_file_is_explained(client, certificate):
    response = upload(client, pdf_bytes(certificate), code="12345")

    assert "7 groups of 4 letters and digits" in visible_text(response)
    assert "exactly the certificate" not in visible_text(response)


def test_an_oversized_file_is_refused_with_a_message(client, certificate):
    too_big = b"%PDF-1.4\n" + b"0" * settings.CERTIFICATES_UPLOAD_MAX_BYTES

    response = upload(client, too_big)

    text = visible_text(response)
    assert response.status_code == 200
    assert "This file is larger than 5.0 MB" in text
    assert "exactly the certificate" not in text


class UnreadableBody:
    """A request body that counts what is read from it."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        chunk = b"0" * (65536 if size is None or size < 0 else min(size, 65536))
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size=-1):
        return self.read(size)


def test_a_body_announced_larger_than_the_limit_is_refused_before_it_is_read(client, certificate):
    body = UnreadableBody()

    response = client.post(
        VERIFY,
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    assert "This file is larger than 5.0 MB" in visible_text(response)
    assert body.read_bytes == 0, "nothing of the body was read"


def test_a_garbled_content_length_is_a_clear_400(client, certificate):
    response = client.post(
        VERIFY,
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH="lots",
        **{"wsgi.input": UnreadableBody()},
    )

    assert response.status_code == 400


def test_the_size_limit_is_a_setting(client, certificate, settings):
    settings.CERTIFICATES_UPLOAD_MAX_BYTES = 1000

    text = visible_text(upload(client, pdf_bytes(certificate)))

    assert "This file is larger than 1000" in text


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"Jan\xc4\x81nis B\xc4\x93rzi\xc5\x86\xc5\xa1 completed BEP 2026", "certificate.pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "scan.png"),
        (b"PK\x03\x04 a word document", "certificate.docx"),
    ],
)
def test_a_file_that_is_not_a_pdf_is_refused_with_a_message(client, certificate, data, name):
    text = visible_text(upload(client, data, name=name))

    assert "This file is not a PDF" in text


def test_an_empty_or_missing_file_is_explained(client, certificate):
    assert "This file is empty" in visible_text(upload(client, b""))
    missing = client.post(VERIFY, {"file-code": certificate.code})
    assert "Choose the certificate's PDF file" in visible_text(missing)


def test_the_upload_is_protected_against_cross_site_posts(certificate):
    browser = Client(enforce_csrf_checks=True)

    refused = upload(browser, pdf_bytes(certificate))
    page = browser.get(VERIFY)
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = upload(browser, pdf_bytes(certificate), HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert page.status_code == 200
    assert "exactly the certificate issued to Jānis Bērziņš" in visible_text(accepted)


def files_under(root) -> set[Path]:
    return {path for path in Path(root).rglob("*") if path.is_file()}


def test_nothing_of_an_upload_is_stored(client, certificate):
    private = settings.PRIVATE_ROOT
    before = files_under(private), files_under(settings.MEDIA_ROOT)

    upload(client, pdf_bytes(certificate))
    upload(client, tampered(pdf_bytes(certificate)), code=certificate.code)

    assert (files_under(private), files_under(settings.MEDIA_ROOT)) == before


def test_posting_to_a_code_address_is_not_allowed(client, certificate):
    assert client.post(verify_path(certificate.code)).status_code == 405


def test_the_verify_addresses_keep_their_names():
    assert reverse("certificates:verify") == VERIFY
    code = code_new()
    assert reverse("certificates:verify_code", kwargs={"code": code}) == verify_path(code)


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data; boundary=xyz", "multipart/form-data", "application/octet-stream"],
)
def test_a_garbled_post_is_turned_away_without_an_error(client, certificate, content_type):
    response = client.post(VERIFY, data=b"--xyz\r\ngarbage\x00\xff", content_type=content_type)

    assert response.status_code in (200, 400)


def test_files_in_other_fields_are_ignored_and_only_the_first_pdf_counts(client, certificate):
    data = pdf_bytes(certificate)
    response = client.post(
        VERIFY,
        {
            "other": SimpleUploadedFile("other.pdf", b"%PDF-1.4 other", "application/pdf"),
            "file-pdf": [
                SimpleUploadedFile("first.pdf", data, "application/pdf"),
                SimpleUploadedFile("second.pdf", b"%PDF-1.4 second", "application/pdf"),
            ],
        },
    )

    assert "This file is exactly the certificate issued to Jānis Bērziņš" in visible_text(response)
