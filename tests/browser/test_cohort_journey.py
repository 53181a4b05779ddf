"""A cohort's whole decision loop in a real browser: a participant applies on a phone, the
presidency's staff member accepts the application in the cohort desk, and the participant sees
the place accepted. axe-core checks every page on the way."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cohorts.models import ApplicationQuestion, Cohort, EnrolmentMode, PlaceRule
from cohorts.places.services import cohort_staff_group_ensure
from lms.models import Sector
from tests.browser.conftest import log_in as shared_log_in
from tests.factories import OrganisationFactory, UserFactory
from tests.programmes.conftest import ProgrammeIndexPageFactory, ProgrammePageFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def cohort():
    from lms.models import HomePage

    index = ProgrammeIndexPageFactory(parent=HomePage.objects.get())
    programme = ProgrammePageFactory(parent=index, title="Baltic Excellence Programme")
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        programme=programme,
        title="BEP 2026 — Finnish presidency",
        slug="bep-2026",
        presidency_country="FI",
        starts_on=today + dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=200),
        enrolment_mode=EnrolmentMode.APPROVAL,
        capacity=20,
    )
    PlaceRule.objects.create(cohort=cohort, kind="cap", attribute="country", limit=2)
    ApplicationQuestion.objects.create(
        cohort=cohort, label="Why do you want to take part?", required=True
    )
    cohort_staff_group_ensure(cohort=cohort)
    return cohort


def log_in(page, visit, follow, *, email: str, next_url: str):
    shared_log_in(page, visit, follow, email=email, next_url=next_url)


def test_apply_then_staff_accepts_in_the_desk_then_the_participant_sees_it(
    new_page, visit, follow, cohort
):
    participant = UserFactory(
        email="janis@example.lv",
        profile__full_name="Jānis Bērziņš",
        profile__country="LV",
        profile__sector=Sector.FIRE_RESCUE,
        profile__organisation=OrganisationFactory(name="Valsts ugunsdzēsības dienests"),
    )
    staff = UserFactory(email="helmi@presidency.fi", profile__full_name="Helmi Väänänen")
    staff.groups.add(cohort.staff_group)

    # The participant applies on a phone.
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(phone, visit, follow, email=participant.email, next_url=f"/cohorts/{cohort.slug}/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(cohort.title)
    follow(phone, phone.get_by_role("link", name="Apply"), tap=True)
    phone.get_by_label("Why do you want to take part?").fill(
        "Cross-border flood response between Latvia and Estonia."
    )
    follow(phone, phone.get_by_role("button", name="Send my application"), tap=True)
    expect(phone.locator("main")).to_contain_text("Application received")

    # The presidency's staff member accepts the application in the cohort desk.
    desk = new_page()
    log_in(desk, visit, follow, email=staff.email, next_url="/admin/cohorts/desk/")
    follow(desk, desk.get_by_role("link", name=cohort.title))
    expect(desk.locator("main")).to_contain_text("Jānis Bērziņš")
    # "Select everyone on this page" ticks every application, and clears them again.
    select_all = desk.get_by_role("button", name="Select everyone on this page")
    select_all.click()
    expect(desk.get_by_label("Select Jānis Bērziņš")).to_be_checked()
    desk.get_by_role("button", name="Clear the selection").click()
    expect(desk.get_by_label("Select Jānis Bērziņš")).not_to_be_checked()
    desk.get_by_label("Select Jānis Bērziņš").check()
    desk.get_by_label("Accept", exact=True).check()
    desk.get_by_label("Reason for everyone (optional; e-mailed to each person)").fill(
        "A strong application."
    )
    follow(desk, desk.get_by_role("button", name="Review the reasons and e-mails…"))
    # Each person's own reason and the e-mail they will get, before anything changes.
    reason = desk.get_by_label("Reason for Jānis Bērziņš (optional; e-mailed)")
    expect(reason).to_have_value("A strong application.")
    reason.fill("A strong application; welcome to BEP.")
    follow(desk, desk.get_by_role("button", name="Update the e-mails"))
    desk.get_by_text(f"Your place in {cohort.title} is confirmed").click()
    expect(desk.locator(".desk-preview pre")).to_contain_text(
        "A strong application; welcome to BEP."
    )
    follow(desk, desk.get_by_role("button", name="Accept and send the e-mails"))
    expect(desk.locator("body")).to_contain_text("Accepted 1")

    # Back on the phone, the participant's place is accepted.
    enrolment = participant.enrolments.get()
    visit(phone, f"/cohorts/places/{enrolment.pk}/")
    expect(phone.locator("main")).to_contain_text("You have a place.")
    visit(phone, "/my-learning/")
    expect(phone.locator("main")).to_contain_text(cohort.title)


def test_a_waitlisted_person_accepts_an_offer_by_the_link_in_the_e_mail(
    new_page, visit, follow, cohort
):
    """The offer page keeps its token out of Referer headers without breaking its own form: a
    real browser's POST must pass the CSRF origin check."""
    from cohorts.models import Enrolment, EnrolmentState
    from cohorts.places import services

    cohort.enrolment_mode = EnrolmentMode.OPEN
    cohort.capacity = 1
    cohort.save()
    cohort.questions.all().delete()
    holder = UserFactory(profile__full_name="Søren Ærø", profile__country="DK")
    waiting = UserFactory(profile__full_name="Õie Täht", profile__country="EE")
    held = services.enrolment_apply(user=holder, cohort=cohort)
    place = services.enrolment_apply(user=waiting, cohort=cohort)
    assert (held.state, place.state) == (EnrolmentState.ACCEPTED, EnrolmentState.WAITLISTED)
    services.enrolment_withdraw(enrolment=held, actor=holder)
    services.waitlist_promote(target=cohort)
    token = services.offer_token_issue(enrolment=Enrolment.objects.get(pk=place.pk))

    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    visit(phone, f"/cohorts/offer/{token}/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(cohort.title)
    follow(phone, phone.get_by_role("button", name="Accept the place"), tap=True)

    expect(phone.locator("body")).not_to_contain_text("CSRF")
    # Logged out, the answer is confirmed on the page itself, in view: no login form.
    confirmation = phone.get_by_role("status").filter(has_text="Place accepted")
    expect(confirmation).to_be_in_viewport()
    expect(phone.locator("input[type=password]")).to_have_count(0)
    place.refresh_from_db()
    assert place.state == EnrolmentState.ACCEPTED
