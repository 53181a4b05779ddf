"""A visitor's first journey in a real browser: from the home page through a programme to an
account, the welcome e-mail, logging out and in again, and a profile that keeps every accent."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from lms.languages.content import canonical
from lms.models import OutgoingEmail, Profile
from programmes.models import Audience, ProgrammeIndexPage, ProgrammePage
from tests.factories import UserFactory
from tests.lms.minors import confirm_link

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test writes, so no wrapping transaction; the home page and
    # site made by migrations are restored after each test's flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Kuģis-Ostā-2026"
# The label reads "Password *"; the other one is "Password again *".
FIRST_PASSWORD = re.compile(r"^Password(?! again)")


@pytest.fixture
def programme() -> ProgrammePage:
    """A live programme from the demo content (made here if the demo has none yet)."""
    call_command("load_demo", stdout=StringIO())
    programme = ProgrammePage.objects.live().order_by("path").first()
    if programme is None:
        index = ProgrammeIndexPage.objects.get()
        programme = index.add_child(
            instance=ProgrammePage(
                title="Baltic Excellence Programme",
                slug="baltic-excellence-programme",
                short_name="BEP",
                summary="A yearly leadership course for senior civil-protection and "
                "law-enforcement experts of the Baltic Sea Region.",
                audience=Audience.PROFESSIONALS,
            )
        )
    return programme


def field(page, label: str):
    """The block around one form field: its label, errors, input and help."""
    return page.locator(".field").filter(has=page.get_by_label(label))


def fill_signup(page, *, email: str, name: str, country: str, password: str, again: str):
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Date of birth").fill("1988-04-17")
    page.get_by_label("Country").select_option(label=country)
    page.get_by_label(FIRST_PASSWORD).fill(password)
    page.get_by_label("Password again").fill(again)


def test_visitor_signs_up_logs_out_and_in_and_edits_profile(
    page, visit, follow, programme, live_server
):
    visit(page, "/")
    follow(page, page.get_by_role("link", name=programme.title, exact=True))
    expect(page.get_by_role("heading", level=1)).to_contain_text(programme.title)

    follow(page, page.get_by_role("link", name="Sign up to take part"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    fill_signup(
        page,
        email="zydrunas.simkus@example.lt",
        name="Žydrūnas Šimkus",
        country="Lithuania",
        password=PASSWORD,
        again=PASSWORD,
    )
    follow(page, page.get_by_role("button", name="Sign up"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")

    # The link in the confirmation e-mail opens a page whose button opens the account.
    visit(page, confirm_link("zydrunas.simkus@example.lt"))
    follow(page, page.get_by_role("button", name="Open my account"))

    expect(page).to_have_url(f"{live_server.url}/account/profile/")
    expect(page.locator(".messages")).to_contain_text("Welcome, Žydrūnas Šimkus")
    expect(page.get_by_label("Full name")).to_have_value("Žydrūnas Šimkus")

    welcome = OutgoingEmail.objects.get(
        recipient="zydrunas.simkus@example.lt", reason__startswith="welcome:"
    )
    assert welcome.reason.startswith("welcome:")
    assert "Žydrūnas Šimkus" in welcome.body_text

    nav = page.get_by_role("navigation", name="Main")
    follow(page, nav.get_by_role("button", name="Log out"))
    expect(nav.get_by_role("link", name="My profile")).to_have_count(0)

    follow(page, nav.get_by_role("link", name="Log in"))
    page.get_by_label("E-mail address").fill("zydrunas.simkus@example.lt")
    page.get_by_label("Password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My profile")

    for name, organisation, sector, level in [
        (
            "Jānis Bērziņš",
            "Valsts ugunsdzēsības un glābšanas dienests",
            "Fire and rescue",
            "National",
        ),
        ("Þórunn Guðmundsdóttir", "Landhelgisgæsla Íslands", "Coast guard", "International"),
        ("Małgorzata Wąsowska", "Straż Graniczna", "Border guard", "Regional"),
    ]:
        page.get_by_label("Full name").fill(name)
        page.get_by_label("Organisation").fill(organisation)
        page.get_by_label("Sector").select_option(label=sector)
        page.get_by_label("Level").select_option(label=level)
        follow(page, page.get_by_role("button", name="Save profile"))
        expect(page.locator(".messages")).to_contain_text("Your profile has been saved.")

        visit(page, "/account/profile/")
        expect(page.get_by_label("Full name")).to_have_value(name)
        expect(page.get_by_label("Organisation")).to_have_value(organisation)
        expect(page.get_by_label("Sector").locator("option:checked")).to_have_text(sector)
        expect(page.get_by_label("Level").locator("option:checked")).to_have_text(level)
        expect(page.get_by_label("Country").locator("option:checked")).to_have_text("Lithuania")

    assert Profile.objects.get(user__email="zydrunas.simkus@example.lt").full_name == (
        "Małgorzata Wąsowska"
    )


def test_phone_visitor_reaches_the_sign_up_form(phone_page, visit, follow, programme):
    page = phone_page
    visit(page, "/")
    assert_fits_the_screen(page)
    # On a phone the navigation sits behind the header's menu button.
    page.get_by_role("button", name="Menu", exact=True).tap()
    nav = page.get_by_role("navigation", name="Main")
    for name in ["Programmes", "Log in", "Sign up"]:
        link = nav.get_by_role("link", name=name, exact=True)
        expect(link).to_be_in_viewport()
        box = link.bounding_box()
        assert box["height"] >= 24 and box["width"] >= 24, f"{name} is too small to tap: {box}"

    follow(page, nav.get_by_role("link", name="Programmes", exact=True), tap=True)
    assert_fits_the_screen(page)
    follow(page, page.get_by_role("link", name=programme.title, exact=True), tap=True)
    assert_fits_the_screen(page)
    follow(page, page.get_by_role("link", name="Sign up to take part"), tap=True)
    assert_fits_the_screen(page)

    fill_signup(
        page,
        email="malgorzata@example.pl",
        name="Małgorzata Wąsowska",
        country="Poland",
        password=PASSWORD,
        again=PASSWORD,
    )
    button = page.get_by_role("button", name="Sign up")
    button.scroll_into_view_if_needed()
    expect(button).to_be_in_viewport()
    follow(page, button, tap=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    assert_fits_the_screen(page)
    visit(page, confirm_link("malgorzata@example.pl"))
    assert_fits_the_screen(page)
    follow(page, page.get_by_role("button", name="Open my account"), tap=True)
    expect(page.locator(".messages")).to_contain_text("Welcome, Małgorzata Wąsowska")
    assert_fits_the_screen(page)


def test_every_programme_page_is_accessible(page, visit, follow, programme):
    # The English pages (their translations are read under a language prefix).
    programmes = canonical(ProgrammePage.objects.live()).order_by("path")
    for each in programmes:
        visit(page, "/programmes/")
        follow(page, page.get_by_role("link", name=each.title, exact=True))
        expect(page.get_by_role("heading", level=1)).to_contain_text(each.title)


def assert_fits_the_screen(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px on a phone"


def test_sign_up_errors_are_shown_by_the_field_and_keep_what_was_typed(page, visit, follow):
    UserFactory(email="janis.berzins@example.lv")

    visit(page, "/account/signup/")
    fill_signup(
        page,
        email="j.berzins@example.lv",
        name="Jānis Bērziņš",
        country="Latvia",
        password=PASSWORD,
        again=PASSWORD + "x",
    )
    follow(page, page.get_by_role("button", name="Sign up"))
    expect(field(page, "Password again")).to_contain_text("The two passwords do not match.")
    expect(page.get_by_label("Password again")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Password again")).to_have_accessible_description(
        "The two passwords do not match."
    )
    expect(page.get_by_label("Full name")).to_have_value("Jānis Bērziņš")
    expect(page.get_by_label("E-mail address")).to_have_value("j.berzins@example.lv")
    expect(page.get_by_label("Country").locator("option:checked")).to_have_text("Latvia")

    page.get_by_label("E-mail address").fill("Janis.Berzins@example.lv")
    page.get_by_label(FIRST_PASSWORD).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Sign up"))
    # An address with an account gets the same answer as a new one; its owner an e-mail.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    expect(page.locator("main")).not_to_contain_text("already exists")

    assert not OutgoingEmail.objects.filter(reason__startswith="welcome:").exists()
    assert OutgoingEmail.objects.filter(
        recipient="janis.berzins@example.lv", reason__startswith="signup-attempt:"
    ).exists()
