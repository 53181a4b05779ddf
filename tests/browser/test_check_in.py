"""The check-in desk in a real browser on a phone-sized screen: staff open the desk, search a name
without its diacritics, check the person in with one tap and watch the counts change; a typed
pass code and a forged one; the QR reader that is served from this site (and only from it)
reads a pass; a participant opens their pass. axe-core checks every page and state on the way."""

import datetime as dt
from pathlib import Path
from urllib.parse import urlparse

import axe_playwright_python
import pytest
import segno
from django.utils import timezone
from playwright.sync_api import expect

from cohorts.attendance import services as attendance
from cohorts.models import AttendanceRecord
from cohorts.places.services import registration_create
from lms.qr import qr_matrix
from programmes.models import ActivityPage
from tests.browser.conftest import CHROMIUM_ARGS, PHONE, TIMEOUT_MS, second_step, watch_context
from tests.browser.conftest import log_in as shared_log_in
from tests.conftest import chromium_path
from tests.factories import OrganisationFactory, UserFactory
from tests.programmes.conftest import ProgrammeIndexPageFactory, ProgrammePageFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PEOPLE = [
    ("Jānis Bērziņš", "LV", "Valsts ugunsdzēsības dienests"),
    ("Þórunn Guðmundsdóttir", "IS", "Almannavarnir"),
    ("Małgorzata Wąsowska", "PL", "Państwowa Straż Pożarna"),
]


@pytest.fixture
def exercise():
    """A table-top exercise under way now (it began an hour ago and runs two more days), three
    people with places, and a member of its check-in staff."""
    from lms.models import HomePage

    index = ProgrammeIndexPageFactory(parent=HomePage.objects.get())
    programme = ProgrammePageFactory(parent=index, title="Baltic Excellence Programme")
    now = timezone.now()
    activity = ActivityPage(
        title="Table-top exercise: storm surge in the Gulf of Rīga",
        slug="storm-surge-gulf-of-riga",
        kind="tabletop",
        summary="Rescue services rehearse a cross-border storm surge.",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=2),
        registration_closes_at=now + dt.timedelta(days=1),
        time_zone="Europe/Riga",
        venue_name="Fire and rescue training centre",
        venue_city="Rīga",
        venue_country="LV",
    )
    programme.add_child(instance=activity)
    places = {}
    for name, country, organisation in PEOPLE:
        user = UserFactory(
            profile__full_name=name,
            profile__country=country,
            profile__organisation=OrganisationFactory(name=organisation, country=country),
        )
        places[name] = registration_create(user=user, activity=activity)
    staff = UserFactory(email="kristine@vugd.example.lv", profile__full_name="Kristīne Ozoliņa")
    setup = attendance.attendance_setup_ensure(activity=activity)
    staff.groups.add(attendance.activity_staff_group_ensure(setup=setup))
    return activity, places, staff


def log_in(page, visit, follow, *, email: str, next_url: str):
    shared_log_in(page, visit, follow, email=email, next_url=next_url, tap=True)


def _navigate(page, locator, *, tap: bool = False):
    """Follow a link or button without the accessibility check (this page injects axe itself)."""
    with page.expect_navigation():
        locator.tap() if tap else locator.click()


def counts(page) -> tuple[str, str, str]:
    box = page.locator("#desk-counts")
    return tuple(
        box.locator(f'[data-count="{key}"]').inner_text()
        for key in ("expected", "checked_in", "missing")
    )


def test_staff_search_and_check_in_on_a_phone_and_the_counts_update(
    phone_page, visit, follow, check_accessibility, exercise
):
    activity, places, staff = exercise
    page = phone_page
    desk = f"/cohorts/activities/{activity.pk}/check-in/"

    log_in(page, visit, follow, email=staff.email, next_url=desk)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Check-in: {activity.title}")
    assert counts(page) == ("3", "0", "3")

    # The search narrows as staff type, without the name's diacritics.
    page.get_by_label("Search by name, organisation or country").fill("Berzins")
    expect(page.locator("#roster li")).to_have_count(1)
    expect(page.locator("#roster")).to_contain_text("Jānis Bērziņš")
    check_accessibility(page)

    page.get_by_role("button", name="Check in Jānis Bērziņš").tap()
    expect(page.get_by_role("status").first).to_have_text("Jānis Bērziņš is checked in.")
    expect(page.locator("#desk-counts [data-count=checked_in]")).to_have_text("1")
    expect(page.locator("#desk-counts [data-count=missing]")).to_have_text("2")
    expect(page.locator("#roster")).to_contain_text("✓ Checked in at")
    check_accessibility(page)

    # A typed pass code: the person is shown first, one tap checks them in.
    token = places["Þórunn Guðmundsdóttir"].participant_pass.token
    page.get_by_label("Or type the pass code").fill(token)
    page.get_by_role("button", name="Read the code").tap()
    expect(page.locator("#pass-result")).to_contain_text("Þórunn Guðmundsdóttir")
    expect(page.locator("#pass-result")).to_contain_text("Iceland")
    check_accessibility(page)
    page.locator("#pass-result").get_by_role("button", name="Check in Þórunn Guðmundsdóttir").tap()
    expect(page.locator("#desk-counts [data-count=checked_in]")).to_have_text("2")
    expect(page.locator("#desk-counts [data-count=missing]")).to_have_text("1")

    # A forged code is refused with a clear message, and nothing changes.
    page.get_by_label("Or type the pass code").fill("F" * 43)
    page.get_by_role("button", name="Read the code").tap()
    expect(page.get_by_role("alert")).to_contain_text("This pass is not valid")
    check_accessibility(page)
    assert AttendanceRecord.objects.count() == 2

    # Reloaded, the desk shows the same counts from the server.
    visit(page, desk)
    assert counts(page) == ("3", "2", "1")

    # Door staff correct today's records in the list; the export is the organisers'.
    expect(page.get_by_role("link", name="Export the attendance (Excel)")).to_have_count(0)
    follow(page, page.get_by_role("link", name="Attendance list: today's corrections"), tap=True)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Attendance: {activity.title}")
    check_accessibility(page)
    refused = page.goto(f"/cohorts/activities/{activity.pk}/attendance/sessions/")
    assert refused is not None and refused.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("For the activity's organisers")
    check_accessibility(page)


def test_a_slow_reply_to_an_earlier_search_does_not_replace_the_newest_one(
    phone_page, visit, follow, exercise
):
    activity, places, staff = exercise
    page = phone_page
    log_in(
        page,
        visit,
        follow,
        email=staff.email,
        next_url=f"/cohorts/activities/{activity.pk}/check-in/",
    )
    held = []

    def hold_the_first_search(route):
        if "fragment=roster" in route.request.url and not held:
            held.append(route)  # answered only after the newer search has shown
        else:
            route.continue_()

    page.route("**/check-in/?*", hold_the_first_search)
    box = page.get_by_label("Search by name, organisation or country")
    box.fill("Berzins")
    for _ in range(200):  # the first search has left and waits (up to 10 s on a busy machine)
        if held:
            break
        page.wait_for_timeout(50)
    box.fill("Wasowska")
    expect(page.locator("#roster")).to_contain_text("Małgorzata Wąsowska")
    expect(page.locator("#roster li")).to_have_count(1)

    assert len(held) == 1 and "Berzins" in held[0].request.url
    held[0].continue_()
    page.wait_for_timeout(1000)  # the late reply arrives, and is ignored

    expect(page.locator("#roster li")).to_have_count(1)
    expect(page.locator("#roster")).to_contain_text("Małgorzata Wąsowska")
    expect(page.locator("#roster")).not_to_contain_text("Jānis Bērziņš")


def test_the_qr_reader_is_served_from_this_site_and_reads_a_pass(
    phone_page, visit, follow, check_accessibility, exercise, live_server
):
    activity, places, staff = exercise
    page = phone_page
    outside: list[str] = []
    local_host = urlparse(live_server.url).netloc

    def only_this_site(route):
        if urlparse(route.request.url).netloc not in (local_host, ""):
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", only_this_site)
    log_in(
        page,
        visit,
        follow,
        email=staff.email,
        next_url=f"/cohorts/activities/{activity.pk}/check-in/",
    )
    place = places["Małgorzata Wąsowska"]
    address = attendance.pass_address(place.participant_pass.token)
    picture = segno.make(address, error="m").png_data_uri(scale=6, border=4)

    read = page.evaluate(
        """async (src) => {
            const img = new Image();
            img.src = src;
            await img.decode();
            return document.querySelector("[data-desk]").readQrFrom(img);
        }""",
        picture,
    )

    assert read == address
    assert outside == []
    check_accessibility(page)


def test_a_participant_opens_their_pass_on_a_phone(phone_page, visit, follow, exercise):
    activity, places, _staff = exercise
    place = places["Jānis Bērziņš"]
    page = phone_page

    log_in(page, visit, follow, email=place.user.email, next_url="/my-learning/")
    follow(page, page.get_by_role("link", name=f"Pass for {activity.title}", exact=True), tap=True)

    expect(page.get_by_role("heading", level=1)).to_have_text(f"My pass for {activity.title}")
    expect(page.get_by_role("img", name="QR code of the pass of Jānis Bērziņš")).to_be_visible()
    expect(page.locator("main")).to_contain_text(place.participant_pass.token)


# --- a real camera, faked: Chromium plays a video file of a pass as its camera ----------------


def _y4m(path, matrix, *, size: int = 480, frames: int = 10) -> None:
    """A grey-scale YUV4MPEG2 video of a QR symbol on white, for Chromium's fake camera."""
    modules = len(matrix) + 8
    scale = size // modules
    offset = (size - scale * len(matrix)) // 2
    luma = bytearray(b"\xeb" * size * size)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for y in range(offset + r * scale, offset + (r + 1) * scale):
                    start = y * size + offset + c * scale
                    luma[start : start + scale] = b"\x10" * scale
    chroma = b"\x80" * (size // 2) * (size // 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


def test_scanning_a_pass_with_the_camera_checks_the_person_in(
    playwright, check_accessibility, exercise, live_server, tmp_path
):
    activity, places, staff = exercise
    place = places["Jānis Bērziņš"]
    video = tmp_path / "pass.y4m"
    _y4m(video, qr_matrix(attendance.pass_address(place.participant_pass.token)))
    browser = playwright.chromium.launch(
        executable_path=chromium_path(),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = browser.new_context(base_url=live_server.url, locale="en-GB", **PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        context.grant_permissions(["camera"], origin=live_server.url)
        context.add_init_script(path=_axe_path())
        watch = watch_context(context, live_server.url)
        page = context.new_page()
        page.goto("/account/login/?next=/my-learning/")
        page.get_by_label("E-mail address").fill(staff.email)
        page.get_by_label("Password").fill("Correct-Horse-42")
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").tap()
        second_step(page, _navigate, email=staff.email, tap=True)
        page.goto(f"/cohorts/activities/{activity.pk}/check-in/")

        page.get_by_role("button", name="Scan a pass with the camera").tap()
        expect(page.locator("#pass-result")).to_contain_text("Jānis Bērziņš", timeout=20_000)
        check_accessibility(page)
        page.locator("#pass-result").get_by_role("button", name="Check in Jānis Bērziņš").tap()

        expect(page.locator("#desk-counts [data-count=checked_in]")).to_have_text("1")
        assert AttendanceRecord.objects.get().method == "scan"
        # The camera and the WebAssembly reader run under the desk's own policy.
        assert watch.problems == []
    finally:
        browser.close()


def _axe_path() -> Path:
    return Path(axe_playwright_python.__file__).with_name("axe.min.js")


def test_on_a_phone_nothing_covers_or_clips_the_desk_for_staff_with_admin_access(
    phone_page, visit, follow, exercise
):
    """Staff who also edit in the admin used to get Wagtail's user bar over the search label."""
    from tests.browser.test_phone_layout import clipped_buttons

    activity, _, staff = exercise
    staff.is_staff = True
    staff.save()
    page = phone_page
    log_in(
        page,
        visit,
        follow,
        email=staff.email,
        next_url=f"/cohorts/activities/{activity.pk}/check-in/",
    )

    expect(page.locator("wagtail-userbar")).to_have_count(0)
    label = page.get_by_text("Search by name, organisation or country")
    label.scroll_into_view_if_needed()
    box = label.bounding_box()
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('label') !== null",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert on_top, "something covers the search label"
    assert clipped_buttons(page) == []
