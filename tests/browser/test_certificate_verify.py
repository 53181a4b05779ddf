"""Verifying a certificate in a real browser: the QR link opened on a phone, a code typed with
the keyboard in lower case and with spaces, a PDF uploaded, and the holder's own list on My
learning. axe-core checks every page on the way, error and 'not found' pages included."""

import pytest
from playwright.sync_api import expect

from certificates.verify.codes import code_new
from cohorts.models import Cohort, EnrolmentMode
from tests.certificates.conftest import certificate_create, pdf_bytes
from tests.factories import UserFactory
from tests.programmes.conftest import ProgrammeIndexPageFactory, ProgrammePageFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def certificate():
    import datetime as dt

    from lms.models import HomePage

    index = ProgrammeIndexPageFactory(parent=HomePage.objects.get())
    programme = ProgrammePageFactory(parent=index, title="Baltic Excellence Programme")
    cohort = Cohort.objects.create(
        programme=programme,
        title="BEP 2026 — Finnish presidency",
        slug="bep-2026",
        presidency_country="FI",
        starts_on=dt.date(2026, 3, 2),
        ends_on=dt.date(2026, 9, 30),
        enrolment_mode=EnrolmentMode.APPROVAL,
        capacity=20,
    )
    holder = UserFactory(
        email="zydrunas@example.lt",
        profile__full_name="Žydrūnas Šimkus",
        profile__country="LT",
    )
    return certificate_create(user=holder, cohort=cohort)


def no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_qr_link_on_a_phone_shows_a_valid_certificate(phone_page, visit, certificate):
    visit(phone_page, f"/certificates/verify/{certificate.code}/")

    result = phone_page.get_by_role("status")
    expect(result).to_contain_text("This certificate is valid")
    expect(result).to_contain_text("Žydrūnas Šimkus")
    expect(result).to_contain_text("BEP 2026 — Finnish presidency")
    expect(phone_page).to_have_title("Valid certificate · Verify a certificate · BSR Academy")
    assert no_sideways_scrolling(phone_page)


def test_a_code_typed_in_lower_case_with_spaces_by_keyboard(
    page, visit, check_accessibility, certificate
):
    visit(page, "/certificates/verify/")
    page.get_by_role("textbox", name="Verification code", exact=True).focus()
    page.keyboard.type(certificate.code.lower().replace("-", " "))

    with page.expect_navigation(url=f"**/certificates/verify/{certificate.code}/"):
        page.keyboard.press("Enter")
    check_accessibility(page)

    result = page.get_by_role("status")
    expect(result).to_contain_text("This certificate is valid")
    expect(result).to_contain_text("Žydrūnas Šimkus")


def test_error_and_unknown_pages_are_accessible_too(page, check_accessibility, certificate):
    page.goto("/certificates/verify/?code=7KQ2")
    expect(page.get_by_role("status")).to_contain_text("This is not a verification code")
    expect(page.locator(".field-errors")).to_contain_text("7 groups of 4 letters and digits")
    check_accessibility(page)

    response = page.goto(f"/certificates/verify/{code_new()}/")
    assert response.status == 404
    expect(page.get_by_role("status")).to_contain_text("No certificate has this code")
    check_accessibility(page)


def test_the_exact_pdf_is_recognised_and_a_changed_one_is_not(page, visit, follow, certificate):
    data = pdf_bytes(certificate)
    visit(page, "/certificates/verify/")
    page.get_by_label("Certificate PDF", exact=False).set_input_files(
        {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": data}
    )
    follow(page, page.get_by_role("button", name="Check the file"))
    expect(page.get_by_role("status")).to_contain_text(
        "This file is exactly the certificate issued to Žydrūnas Šimkus (valid)"
    )

    changed = data[:1000] + bytes([data[1000] ^ 1]) + data[1001:]
    page.get_by_label("Certificate PDF", exact=False).set_input_files(
        {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": changed}
    )
    page.get_by_role("textbox", name="Verification code (optional)").fill(certificate.code.lower())
    follow(page, page.get_by_role("button", name="Check the file"))
    expect(page.get_by_role("status")).to_contain_text(
        "This file is not the one issued for this code: it has been changed"
    )


def test_the_holder_finds_the_certificate_on_my_learning(page, visit, follow, certificate):
    visit(page, "/account/login/?next=/my-learning/")
    page.get_by_label("E-mail address").fill("zydrunas@example.lt")
    page.get_by_label("Password").fill("Correct-Horse-42")
    follow(page, page.get_by_role("button", name="Log in"))

    panel = page.get_by_role("region", name="My certificates")
    expect(panel).to_contain_text("BEP 2026 — Finnish presidency")
    link = panel.get_by_role("textbox", name="Link for anyone to verify it")
    assert link.input_value().endswith(f"/certificates/verify/{certificate.code}/")
    follow(page, panel.get_by_role("link", name="Verify"))
    expect(page.get_by_role("status")).to_contain_text("This certificate is valid")
