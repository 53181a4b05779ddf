"""The site on a 390x844 phone and the admin under the Content-Security-Policy: a compact
header whose menu opens by keyboard (and shows without JavaScript), /admin/ explained to people
without access, the cohort desk and the check-in desk usable at phone width, and admin pages
(dashboard, page editor with date widgets, preview) without a single CSP violation."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cohorts.models import Cohort, EnrolmentMode
from cohorts.places.services import cohort_staff_group_ensure, enrolment_apply
from tests.browser.conftest import PHONE
from tests.browser.conftest import log_in as shared_log_in
from tests.factories import UserFactory
from tests.programmes.conftest import ProgrammeIndexPageFactory, ProgrammePageFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HEADER_MAX_PX = 120


@pytest.fixture
def programme():
    from lms.models import HomePage

    index = ProgrammeIndexPageFactory(parent=HomePage.objects.get())
    return ProgrammePageFactory(parent=index, title="Baltic Excellence Programme")


@pytest.fixture
def cohort(programme):
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
    cohort_staff_group_ensure(cohort=cohort)
    for country, name in (("LV", "Jānis Bērziņš"), ("PL", "Małgorzata Wąsowska")):
        enrolment_apply(
            user=UserFactory(profile__full_name=name, profile__country=country), cohort=cohort
        )
    return cohort


def log_in(page, visit, follow, *, email: str, next_url: str = "/my-learning/"):
    shared_log_in(page, visit, follow, email=email, next_url=next_url)


def header_height(page) -> float:
    return page.locator("header.site-header").bounding_box()["height"]


def test_the_phone_header_is_compact_and_its_menu_opens_by_keyboard(
    phone_page, visit, check_accessibility, programme
):
    page = phone_page
    visit(page, "/programmes/")

    assert header_height(page) <= HEADER_MAX_PX
    expect(page.get_by_role("heading", level=1)).to_be_in_viewport()
    menu = page.get_by_role("button", name="Menu", exact=True)
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Activities", exact=True)).to_be_hidden()

    # Skip link first, then the brand, then the menu button: all by keyboard.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Activities", exact=True)).to_be_visible()
    expect(page.get_by_role("searchbox")).to_be_visible()
    check_accessibility(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("searchbox")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(page.get_by_role("link", name="Activities", exact=True)).to_be_hidden()


def test_without_the_menu_script_the_phone_header_shows_the_whole_menu(
    phone_page, visit, programme
):
    page = phone_page
    # As in a browser that runs no script (or has not loaded it yet).
    page.route("**/js/site.js", lambda route: route.abort())
    visit(page, "/programmes/")

    expect(page.get_by_role("button", name="Menu", exact=True)).to_be_hidden()
    expect(page.get_by_role("link", name="Activities", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_the_desktop_header_needs_no_menu_button(page, visit, programme):
    visit(page, "/programmes/")

    expect(page.get_by_role("button", name="Menu", exact=True)).to_be_hidden()
    expect(page.get_by_role("link", name="Activities", exact=True)).to_be_visible()
    assert header_height(page) <= 80


@pytest.mark.parametrize("who", ["participant", "group leader", "focal point"])
def test_admin_tells_people_without_access_where_to_go(
    phone_page, visit, follow, check_accessibility, who
):
    from cohorts.groups import services as groups
    from cohorts.models import FocalPoint, GroupKind

    person = UserFactory(profile__full_name="Søren Ærø", profile__country="DK")
    if who == "group leader":
        groups.group_create(
            actor=person,
            data=groups.GroupData(
                name="Spejderne", organisation="DDS", country="DK", kind=GroupKind.SCOUT_GROUP
            ),
        )
    elif who == "focal point":
        FocalPoint.objects.create(user=person, country="DK")
    page = phone_page
    log_in(page, visit, follow, email=person.email)

    response = page.goto("/admin/")

    assert response.status == 403
    check_accessibility(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("No access to the admin")
    follow(page, page.get_by_role("link", name="Go to My learning"), tap=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning")


def test_the_cohort_desk_on_a_phone_has_unique_landmarks_and_no_clipped_buttons(
    new_page, visit, follow, cohort
):
    staff = UserFactory(email="helmi@presidency.fi", profile__full_name="Helmi Väänänen")
    staff.groups.add(cohort.staff_group)
    page = new_page(**PHONE)
    log_in(page, visit, follow, email=staff.email, next_url=f"/admin/cohorts/desk/{cohort.pk}/")
    expect(page.locator("main")).to_contain_text("Jānis Bērziņš")

    results = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'rule', values: ['landmark-unique']}})"
    )
    assert results["violations"] == [], [
        (node["target"], node["html"][:200])
        for violation in results["violations"]
        for node in violation["nodes"]
    ]
    assert clipped_buttons(page) == []


def clipped_buttons(page) -> list[str]:
    """Buttons (and button-like links) that the page cuts off: wider than their box allows, or
    reaching past the right edge of the screen outside any scrolling area."""
    return page.evaluate(
        """() => {
        const width = document.documentElement.clientWidth;
        const found = [];
        for (const el of document.querySelectorAll('button, .button, input[type=submit]')) {
          const box = el.getBoundingClientRect();
          if (!box.width || el.closest('[hidden], .desk-scroll, template')) continue;
          const style = getComputedStyle(el);
          if (style.visibility === 'hidden' || style.display === 'none') continue;
          if (box.right > width + 1 || box.left < -1 || el.scrollWidth > el.clientWidth + 1) {
            found.push((el.textContent || el.value || '').trim().slice(0, 60));
          }
        }
        return found;
      }"""
    )


# Wagtail's rich-text editor (Draftail) leaves its textbox unnamed: Wagtail's markup, not ours.
DRAFTAIL = ".Draftail-Editor"


def test_the_admin_and_its_page_editor_run_under_their_policy(
    page, visit, follow, check_accessibility, programme
):
    admin = UserFactory(is_staff=True, is_superuser=True, email="admin@example.org")
    log_in(page, visit, follow, email=admin.email, next_url="/admin/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    # The editors: StreamField, rich text, date and time widgets, the live preview panel.
    for url in (
        f"/admin/pages/{programme.pk}/edit/",
        f"/admin/pages/add/programmes/activitypage/{programme.pk}/",
    ):
        assert page.goto(url).ok
        expect(page.locator("form#page-edit-form")).to_be_visible()
        check_accessibility(page, exclude=(DRAFTAIL,))
    # The visitor's view of a page a staff member sees, user bar included.
    visit(page, programme.url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
