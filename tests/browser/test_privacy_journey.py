"""A person's own data in a real browser: My data from the profile page, the progress bar that
follows the job by itself, the download, and erasing the account (a wrong confirmation first).
axe-core checks every page on the way."""

import pytest
from playwright.sync_api import expect

from lms.models import DataExport, DataExportState, User
from lms.privacy import services as privacy
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Correct-Horse-42"
EMAIL = "thorunn@example.is"


@pytest.fixture
def person():
    return UserFactory(email=EMAIL, profile__full_name="Þórunn Guðmundsdóttir")


def log_in(page, visit, follow):
    visit(page, "/account/login/")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Log in"))


def test_the_progress_bar_follows_the_job_and_then_offers_the_download(
    page, visit, follow, check_accessibility, person
):
    log_in(page, visit, follow)
    visit(page, "/account/profile/")
    # Asked before, its job not started yet (as while a queue is busy).
    export = DataExport.objects.create(user=person, step="Waiting to start")
    follow(page, page.get_by_role("link", name="My data: download a copy or erase my account"))

    bar = page.get_by_role("progressbar", name="Preparing your data")
    expect(bar).to_have_attribute("value", "0")
    DataExport.objects.filter(pk=export.pk).update(
        state=DataExportState.RUNNING, progress=40, step="Collecting: your certificates"
    )
    expect(bar).to_have_attribute("value", "40")
    expect(page.get_by_role("status")).to_contain_text("Collecting: your certificates")
    check_accessibility(page)

    with page.expect_navigation():  # the page reloads itself when the job is done
        privacy.data_export_build(export_id=export.pk)
    check_accessibility(page)
    link = page.get_by_role("link", name="Download my data (ZIP)")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("bsr-academy-my-data-")


def test_erasing_asks_for_a_confirmation_then_logs_out(page, visit, follow, person, live_server):
    log_in(page, visit, follow)
    visit(page, "/account/data/")
    follow(page, page.get_by_role("link", name="Erase my account…"))

    page.get_by_label("Your password").fill(EMAIL)  # the e-mail address no longer confirms
    follow(page, page.get_by_role("button", name="Erase my account"))
    expect(page.get_by_text("Nothing was erased")).to_be_visible()
    assert User.objects.get(pk=person.pk).erased_at is None

    page.get_by_label("Your password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Erase my account"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account has been erased")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    erased = User.objects.get(pk=person.pk)
    assert erased.erased_at is not None and erased.email.endswith("@erased.invalid")

    log_in(page, visit, follow)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")


def test_a_mistake_in_the_erasure_form_brings_the_phone_back_to_the_form(
    phone_page, visit, follow, person
):
    page = phone_page
    log_in(page, visit, follow)
    visit(page, "/account/erase/")

    page.get_by_label("Your password").fill("not-my-password")
    follow(page, page.get_by_role("button", name="Erase my account"), tap=True)

    form = page.locator("#erase-form")
    expect(form).to_be_focused()
    expect(page.get_by_text("Nothing was erased")).to_be_in_viewport()
    expect(page.get_by_role("button", name="Erase my account")).to_be_in_viewport()
    assert User.objects.get(pk=person.pk).erased_at is None
