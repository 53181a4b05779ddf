"""Peer-group matching in a real browser, on a phone-sized screen and with the keyboard: staff
start a run from the desk, watch it, move a person and see the broken rule, publish with the
tick the broken rule asks for; the participant then finds their group on My learning. axe-core
checks every page on the way."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cohorts.models import Cohort, EnrolmentMode, MatchingRun, MatchingRunState
from cohorts.places import services
from cohorts.places.services import cohort_staff_group_ensure
from lms.models import Level, Sector
from tests.browser.conftest import PHONE, log_in
from tests.factories import OrganisationFactory, UserFactory
from tests.programmes.conftest import ProgrammeIndexPageFactory, ProgrammePageFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PEOPLE = [
    ("Jānis Bērziņš", "LV", Sector.FIRE_RESCUE, "Valsts ugunsdzēsības dienests"),
    ("Žydrūnas Šimkus", "LT", Sector.POLICE, "Lietuvos policija"),
    ("Þórunn Guðmundsdóttir", "IS", Sector.CIVIL_PROTECTION, "Almannavarnir"),
    ("Małgorzata Wąsowska", "PL", Sector.BORDER_GUARD, "Straż Graniczna"),
    ("Søren Ærø", "DK", Sector.POLICE, "Rigspolitiet"),
    ("Õie Täht", "EE", Sector.NGO, "Päästeliit"),
    ("Aino Mäkinen", "FI", Sector.MUNICIPALITY, "Helsingin kaupunki"),
    ("Göran Ström", "SE", Sector.COAST_GUARD, "Kustbevakningen"),
    ("Jürgen Weiß", "DE", Sector.MINISTRY, "Bundesministerium des Innern"),
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
        enrolment_mode=EnrolmentMode.OPEN,
        capacity=20,
    )
    cohort_staff_group_ensure(cohort=cohort)
    for number, (name, country, sector, organisation) in enumerate(PEOPLE):
        person = UserFactory(
            email=f"person{number}@example.org",
            profile__full_name=name,
            profile__country=country,
            profile__sector=sector,
            profile__level=Level.NATIONAL,
            profile__organisation=OrganisationFactory(name=organisation, country=country),
        )
        services.enrolment_apply(user=person, cohort=cohort)
    return cohort


def press(page, locator, key: str, check_accessibility):
    """Focus something and press a key that loads a new document, as a keyboard user does."""
    locator.focus()
    with page.expect_navigation() as navigation:
        page.keyboard.press(key)
    response = navigation.value
    assert response is None or response.ok, f"{response.url}: HTTP {response.status}"
    # Wagtail's message banner fades in; axe judges its contrast once it has settled.
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")
    check_accessibility(page)


def fits_the_screen(page) -> bool:
    return page.evaluate(
        "() => document.querySelector('main').scrollWidth <= window.innerWidth + 1"
    )


def test_staff_match_adjust_and_publish_on_a_phone_and_the_participant_sees_the_group(
    new_page, visit, follow, check_accessibility, cohort
):
    staff = UserFactory(email="helmi@presidency.fi", profile__full_name="Helmi Väänänen")
    staff.groups.add(cohort.staff_group)
    desk = new_page(**PHONE)
    log_in(desk, visit, follow, email=staff.email, next_url="/admin/cohorts/desk/", tap=True)
    follow(desk, desk.get_by_role("link", name=cohort.title), tap=True)
    follow(desk, desk.get_by_role("link", name="Peer groups"), tap=True)
    press(desk, desk.get_by_role("link", name="Start a matching run"), "Enter", check_accessibility)

    # The form, by keyboard: groups of three, a fixed seed, then Enter on the button.
    desk.get_by_label("Group size").fill("3")
    desk.get_by_label("Seed").fill("2026")
    press(desk, desk.get_by_role("button", name="Start the run"), "Enter", check_accessibility)

    # The job ran as the request committed: the run page shows the groups, explained.
    main = desk.locator("main")
    expect(main).to_contain_text("Matching run 1 has started.")
    expect(main).to_contain_text("Every rule check passes.")
    for name, *_ in PEOPLE:
        expect(main).to_contain_text(name)
    assert fits_the_screen(desk), "the groups stack on a phone instead of overflowing"
    desk.get_by_text("Why this group").first.focus()
    desk.keyboard.press("Enter")
    expect(desk.locator("details").first).to_have_attribute("open", "")
    check_accessibility(desk)

    # Move Jānis into another group: the sizes rule breaks, and the page says so.
    run = MatchingRun.objects.get()
    jan = next(e for e in cohort.enrolments.all() if e.user.email == "person0@example.org")
    home = next(n for n, g in enumerate(run.groups, 1) if jan.pk in g)
    target = 1 if home != 1 else 2
    desk.get_by_label("Move", exact=True).select_option(str(jan.pk))
    desk.get_by_label("to", exact=True).select_option(str(target))
    press(desk, desk.get_by_role("button", name="Move", exact=True), "Enter", check_accessibility)
    expect(desk.locator("body")).to_contain_text(f"Moved Jānis Bērziņš to group {target}.")
    expect(main).to_contain_text(re.compile(r"\d+ rule checks? broken: see the marked groups"))
    expect(desk.locator(f"#group-{target}")).to_contain_text(
        "Breaks: group sizes differ by at most one"
    )

    # Publishing asks for the tick first.
    press(
        desk, desk.get_by_role("link", name="Publish these groups…"), "Enter", check_accessibility
    )
    expect(main).to_contain_text("These groups break rule checks")
    desk.get_by_label("I have read the broken rules above and publish these groups anyway").focus()
    desk.keyboard.press("Space")
    press(desk, desk.get_by_role("button", name="Publish"), "Enter", check_accessibility)
    expect(desk.locator("body")).to_contain_text("Published the peer groups of run 1.")
    assert run.cohort.peer_groups.count() == 3

    # Jānis sees his group on My learning, on his phone.
    phone = new_page(**PHONE)
    visit(phone, "/account/login/?next=/my-learning/")
    phone.get_by_label("E-mail address").fill("person0@example.org")
    phone.get_by_label("Password").fill("Correct-Horse-42")
    follow(phone, phone.get_by_role("button", name="Log in"), tap=True)
    panel = phone.locator("#my-peer-groups").locator("..")
    expect(panel).to_contain_text(f"{cohort.title}: group {target}")
    run.refresh_from_db()
    peers = [e for e in cohort.enrolments.all() if e.pk in run.groups[target - 1] and e != jan]
    for peer in peers:
        expect(panel).to_contain_text(peer.user.profile.full_name)
        expect(panel).to_contain_text(peer.organisation.name)
    assert fits_the_screen(phone)


def test_a_running_run_shows_its_progress(new_page, visit, follow, cohort):
    staff = UserFactory(email="helmi@presidency.fi", profile__full_name="Helmi Väänänen")
    staff.groups.add(cohort.staff_group)
    run = MatchingRun.objects.create(
        cohort=cohort,
        number=1,
        state=MatchingRunState.RUNNING,
        params={"group_size": 3, "weights": {"country": 4}, "mode": "fast", "time_limit": 5},
        seed=1,
        started_at=timezone.now(),
        progress=37,
        progress_note="searching: restart 3 of about 8",
        requested_by=staff,
    )
    page = new_page(**PHONE)
    log_in(
        page,
        visit,
        follow,
        email=staff.email,
        next_url=f"/admin/cohorts/desk/{cohort.pk}/peer-groups/runs/1/",
        tap=True,
    )

    progress = page.locator("progress#run-progress")
    expect(progress).to_have_attribute("value", "37")
    expect(page.get_by_role("status").filter(has_text="searching")).to_contain_text(
        "37 % · searching: restart 3 of about 8"
    )
    # The page polls the status: when the job moves on, the bar follows without a reload.
    MatchingRun.objects.filter(pk=run.pk).update(progress=64, progress_note="searching: restart 5")
    expect(progress).to_have_attribute("value", "64", timeout=8000)
    expect(page.locator("[data-progress-note]")).to_have_text("searching: restart 5")
