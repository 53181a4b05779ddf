"""A group leader on a phone books places for the group's members (a minor and an adult, neither
with an account) in one step; the minor's guardian confirms by the link from the e-mail; the
leader's page then shows the place confirmed and every consent received. axe-core checks every
page on the way, the leader's page in each state."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cohorts.groups import services as groups
from cohorts.models import Enrolment, EnrolmentState, GroupKind
from tests.cohorts.consent_builders import youth_activity
from tests.cohorts.groups_builders import consent_token
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GUARDIAN = "inese.liepina@example.lv"


@pytest.fixture
def exchange_and_group():
    activity = youth_activity(
        title="BYFORES youth exchange in Cēsis",
        days_ahead=60,
        summary="Youth rescue groups practise first aid and flood protection together.",
        venue_name="Vidzemes jauniešu centrs",
        venue_city="Cēsis",
        capacity=30,
        places_per_country=12,
        minors_per_adult=8,
    )
    leader = UserFactory(
        email="agnese@vugd.example.lv", profile__full_name="Agnese Bērziņa", profile__country="LV"
    )
    group = groups.group_create(
        actor=leader,
        data=groups.GroupData(
            name="Cēsu jaunie glābēji", organisation="VUGD Vidzemes brigāde", country="LV",
            kind=GroupKind.RESCUE_YOUTH,
        ),
    )  # fmt: skip
    year = timezone.localdate().year
    groups.member_add(
        actor=leader,
        group=group,
        data=groups.MemberData(
            first_name="Elza", family_name="Liepiņa", birth_year=year - 14,
            guardian_name="Inese Liepiņa", guardian_email=GUARDIAN, guardian_language="en",
        ),
    )  # fmt: skip
    groups.member_add(
        actor=leader,
        group=group,
        data=groups.MemberData(first_name="Mārtiņš", family_name="Ozols", birth_year=year - 35),
    )
    return activity, group, leader


def test_leader_books_the_group_guardian_consents_and_the_place_is_confirmed(
    phone_page, new_page, visit, follow, check_accessibility, exchange_and_group
):
    activity, group, leader = exchange_and_group
    page = phone_page

    # The leader logs in and finds the group from My learning.
    visit(page, "/account/login/?next=/my-learning/")
    page.get_by_label("E-mail address").fill(leader.email)
    page.get_by_label("Password").fill("Correct-Horse-42")
    follow(page, page.get_by_role("button", name="Log in"), tap=True)
    follow(page, page.get_by_role("link", name="Cēsu jaunie glābēji"), tap=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Cēsu jaunie glābēji")

    # One step: the activity, both members, all or nothing, a note for the minor.
    follow(page, page.get_by_role("link", name="Book places"), tap=True)
    page.get_by_label("Activity or cohort").select_option(f"activity:{activity.pk}")
    page.get_by_role("checkbox", name="Elza Liepiņa").check()
    page.get_by_role("checkbox", name="Mārtiņš Ozols").check()
    page.get_by_text("Dietary or medical note for Elza Liepiņa").click()
    page.get_by_label("Dietary or medical notes for Elza Liepiņa (optional)").fill("Vegetarian")
    page.get_by_label("Everyone or nobody", exact=False).check()
    check_accessibility(page)
    follow(page, page.get_by_role("button", name="Book the places"), tap=True)

    expect(page.get_by_role("status")).to_contain_text("1 place confirmed")
    expect(page.get_by_text("0 of 1 consent received")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "0")
    bookings = page.locator("#bookings")
    expect(bookings).to_contain_text("Waiting for the guardian")
    expect(bookings).to_contain_text("Vegetarian")
    expect(
        page.get_by_role("button", name="Resend consent e-mail for Elza Liepiņa")
    ).to_be_visible()

    # The guardian opens the link from the e-mail, on their own device.
    guardian = new_page()
    visit(guardian, f"/consent/{consent_token(GUARDIAN)}/")
    expect(guardian.get_by_role("heading", level=1)).to_have_text("Your consent for Elza Liepiņa")
    expect(guardian.locator("main")).to_contain_text(activity.title)
    guardian.get_by_label("Your full name").fill("Inese Liepiņa")
    follow(guardian, guardian.get_by_role("button", name="Give consent"))
    expect(guardian.get_by_role("heading", level=1)).to_have_text("Thank you: consent is given")

    # Back on the leader's page: the place is confirmed, every consent received.
    visit(page, f"/groups/{group.pk}/")
    expect(page.get_by_text("1 of 1 consent received")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "1")
    expect(bookings).not_to_contain_text("Waiting for the guardian")
    expect(bookings).to_contain_text("Given on")
    expect(page.get_by_role("button", name="Resend consent e-mail for Elza Liepiņa")).to_have_count(
        0
    )
    place = Enrolment.objects.get(activity=activity, user__group_memberships__first_name="Elza")
    assert place.state == EnrolmentState.ACCEPTED

    # The group's passes: one PDF with both members.
    response = page.request.get(f"/groups/{group.pk}/activities/{activity.pk}/passes.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
