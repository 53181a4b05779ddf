"""A guardian on a phone: opens the consent link from the e-mail, reads the page, types their name
and gives consent with the keyboard alone; the place is confirmed. Then withdraws from the
confirmation e-mail's link with one press. axe-core checks every page, the refusals included."""

import io

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect
from pypdf import PdfReader

from cohorts.attendance.services.tickets import pass_pdf_render
from cohorts.models import EnrolmentState
from lms.models import ConsentState, GuardianConsent, OutgoingEmail
from tests.cohorts.consent_builders import (
    hold_for_consent,
    latest_link,
    member_of,
    youth_activity,
    youth_group,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GUARDIAN = "anna.berzina@example.lv"


@pytest.fixture
def held():
    activity = youth_activity(
        title="Baltic Youth Exchange: Liepāja",
        days_ahead=30,
        summary="Young rescuers from Latvia and Lithuania practise first aid and evacuation.",
        venue_name="Liepāja Olympic Centre",
        venue_city="Liepāja",
        capacity=20,
    )
    minor = member_of(youth_group())
    return hold_for_consent(activity, minor)


def test_a_guardian_gives_consent_on_a_phone_and_withdraws_it_with_one_press(
    phone_page, visit, follow, check_accessibility, held
):
    page = phone_page
    visit(page, f"/consent/{latest_link(GUARDIAN)}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your consent for Jānis Bērziņš")
    expect(page.get_by_text("Liepāja Olympic Centre")).to_be_visible()
    expect(page.get_by_role("heading", name="What data we keep")).to_be_visible()

    # Keyboard only: the name field, then Tab to "Give consent", then Enter.
    name = page.get_by_label("Your full name")
    name.focus()
    page.keyboard.type("Anna Bērziņa")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Give consent")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_accessibility(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: consent is given")

    held.refresh_from_db()
    assert held.state == EnrolmentState.ACCEPTED
    consent = GuardianConsent.objects.get(subject_key=f"enrolment:{held.pk}")
    assert (consent.state, consent.decided_by_name) == (ConsentState.GIVEN, "Anna Bērziņa")

    # The link again: it was used, and the page says so.
    page.goto(f"/consent/{latest_link(GUARDIAN, 'lms.consent.request')}/")
    check_accessibility(page)
    expect(page.get_by_role("alert")).to_contain_text("already been used")

    visit(page, f"/consent/{latest_link(GUARDIAN, 'lms.consent.given')}/")
    follow(page, page.get_by_role("button", name="Withdraw consent"), tap=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Consent withdrawn")
    held.refresh_from_db()
    assert held.state == EnrolmentState.WITHDRAWN


def test_a_damaged_link_page_is_accessible(phone_page, check_accessibility, held):
    page = phone_page
    response = page.goto("/consent/not-a-whole-link/")
    assert response.status == 400
    check_accessibility(page)
    expect(page.get_by_role("alert")).to_contain_text("incomplete or damaged")


def test_do_not_consent_asks_once_more_and_going_back_records_nothing(
    phone_page, visit, follow, check_accessibility, held
):
    page = phone_page
    visit(page, f"/consent/{latest_link(GUARDIAN)}/")

    follow(page, page.get_by_role("button", name="Do not consent"), tap=True)
    question = page.get_by_role("alert")
    expect(question).to_contain_text("Do you really not consent?")
    # On a phone the question and its buttons are where the eye is, and focus is on it.
    expect(question).to_be_focused()
    expect(question).to_be_in_viewport()
    expect(page.get_by_role("button", name="Yes, I do not consent")).to_be_in_viewport()
    held.refresh_from_db()
    assert held.state == EnrolmentState.PENDING_CONSENT

    follow(page, page.get_by_role("link", name="No, go back"), tap=True)
    expect(page.get_by_role("button", name="Give consent")).to_be_visible()
    consent = GuardianConsent.objects.get(subject_key=f"enrolment:{held.pk}")
    assert consent.state == ConsentState.PENDING

    follow(page, page.get_by_role("button", name="Do not consent"), tap=True)
    follow(page, page.get_by_role("button", name="Yes, I do not consent"), tap=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answer is recorded: no consent")
    held.refresh_from_db()
    assert held.state == EnrolmentState.WITHDRAWN


def test_a_latvian_guardian_reads_the_email_the_page_the_confirmation_and_the_pass_in_latvian(
    phone_page, visit, follow
):
    """The group is in Latvia and its leader left the guardian's language as it was: Latvian
    from the first e-mail to the pass, checked against the Latvian catalogue."""
    activity = youth_activity(
        title="Baltic Youth Exchange: Liepāja",
        days_ahead=30,
        summary="Young rescuers from Latvia and Lithuania practise first aid.",
    )
    minor = member_of(youth_group(), guardian_language="")
    held = hold_for_consent(activity, minor)

    def lv(text: str, **values) -> str:
        with translation.override("lv"):
            translated = gettext(text)
        assert translated != text, f"no Latvian for {text!r}"
        return translated % values if values else translated

    request = OutgoingEmail.objects.filter(
        recipient=GUARDIAN, reason__startswith="lms.consent.request"
    ).latest("pk")
    assert request.subject.startswith(
        lv("Your consent is needed: %(name)s — %(title)s", name="Jānis Bērziņš", title="")
    )
    assert '<html lang="lv">' in request.body_html

    page = phone_page
    visit(page, f"/consent/{latest_link(GUARDIAN)}/")
    assert page.locator("html").get_attribute("lang") == "lv"
    expect(page.get_by_role("heading", level=1)).to_have_text(
        lv("Your consent for %(person_name)s", person_name="Jānis Bērziņš")
    )
    page.get_by_label(lv("Your full name")).fill("Anna Bērziņa")
    follow(page, page.get_by_role("button", name=lv("Give consent"), exact=True), tap=True)
    expect(page.get_by_role("heading", level=1)).to_have_text(lv("Thank you: consent is given"))
    assert page.locator("html").get_attribute("lang") == "lv"

    given = OutgoingEmail.objects.filter(
        recipient=GUARDIAN, reason__startswith="lms.consent.given"
    ).latest("pk")
    assert '<html lang="lv">' in given.body_html

    held.refresh_from_db()
    assert held.state == EnrolmentState.ACCEPTED
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pass_pdf_render(enrolment=held))).pages
    )
    assert lv("Participant pass") in text
    assert "Participant pass" not in text
    assert lv("Show this pass at the check-in desk.") in " ".join(text.split())
