"""Certificates on the cohort desk in a real browser: the presidency's staff member opens the
cohort's certificates, issues them to everyone who completed and watches the progress bar fill
(the page's script polls the status while the job runs), then revokes one certificate with a
reason. axe-core checks every page on the way, on a desktop and on a phone."""

import pytest
from django_q.conf import Conf
from playwright.sync_api import expect

from certificates import services
from certificates.models import BulkIssue, Certificate, CertificateState
from cohorts.models import EnrolmentState
from cohorts.places.services import cohort_staff_group_ensure
from tests.browser.conftest import log_in
from tests.certificates.issuing import (
    completed_in,
    make_template,
    private_files_in_tmp,  # noqa: F401 (fixture)
)
from tests.cohorts.conftest import CohortFactory
from tests.factories import UserFactory
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
    cohort = CohortFactory(programme=programme, title="BEP 2026 — Finnish presidency")
    cohort_staff_group_ensure(cohort=cohort)
    make_template("programme", name="BEP completion", programme=programme)
    for name, country in (("Jānis Bērziņš", "LV"), ("Søren Ærø", "DK")):
        completed_in(cohort, UserFactory(profile__full_name=name, profile__country=country))
    completed_in(
        cohort,
        UserFactory(profile__full_name="Õie Täht", profile__country="EE"),
        state=EnrolmentState.ACCEPTED,
    )
    return cohort


def sign_in(page, visit, follow, user, next_url: str):
    log_in(page, visit, follow, email=user.email, next_url=next_url)


def test_staff_bulk_issue_and_watch_the_progress_then_revoke_one(
    page, visit, follow, cohort, monkeypatch
):
    staff = UserFactory(profile__full_name="Helmi Väänänen")
    staff.groups.add(cohort.staff_group)
    sign_in(page, visit, follow, staff, f"/admin/cohorts/desk/{cohort.pk}/")

    expect(page.locator("main")).to_contain_text("0 issued · 2 to issue")
    follow(page, page.get_by_role("link", name="Certificates", exact=True))
    expect(page.locator("main")).to_contain_text("Jānis Bērziņš")
    expect(page.locator("main")).to_contain_text("Accepted, not completed yet")

    # The job is queued, not run: the page shows it waiting and keeps asking for its status.
    monkeypatch.setattr(Conf, "SYNC", False)
    follow(page, page.get_by_role("button", name="Issue certificates to everyone who completed"))
    expect(page.locator("[data-bulk-headline]")).to_have_text("Waiting to start")
    expect(page.locator("[data-bulk-text]")).to_have_text("0 of 2 issued")
    expect(page.locator("progress")).to_have_attribute("value", "0")

    # The job cluster's turn: the bar fills and the page says so, without a reload.
    monkeypatch.setattr(Conf, "SYNC", True)
    bulk = BulkIssue.objects.get()
    services.certificates_bulk_run(bulk_id=bulk.pk)
    expect(page.locator("[data-bulk-text]")).to_have_text("2 of 2 issued")
    expect(page.locator("[data-bulk-headline]")).to_have_text("Done")
    expect(page.locator("progress")).to_have_attribute("value", "2")

    follow(page, page.get_by_role("link", name="Back to the certificates of"))
    follow(page, page.get_by_role("link", name="Revoke the certificate of Søren Ærø"))
    follow(page, page.get_by_role("button", name="Revoke the certificate"))
    expect(page.locator("main")).to_contain_text("Give the reason")
    page.get_by_label("Reason").fill("Issued in error: did not attend the closing session.")
    follow(page, page.get_by_role("button", name="Revoke the certificate"))
    expect(page.locator("main")).to_contain_text("Revoked")
    expect(page.locator("main")).to_contain_text("did not attend the closing session")
    revoked = Certificate.objects.get(user__profile__full_name="Søren Ærø")
    assert revoked.state == CertificateState.REVOKED


def test_the_certificates_pages_work_on_a_phone(phone_page, visit, follow, cohort):
    admin = UserFactory(is_staff=True, is_superuser=True)
    for enrolment in cohort.enrolments.filter(state=EnrolmentState.COMPLETED):
        certificate = services.certificate_issue(
            user=enrolment.user, cohort=cohort, source="manual", requested_by=admin
        )
        services.certificate_render(certificate_id=certificate.pk)
    sign_in(phone_page, visit, follow, admin, f"/admin/certificates/cohorts/{cohort.pk}/")

    expect(phone_page.locator("main")).to_contain_text("2 issued · 0 to issue")
    follow(
        phone_page, phone_page.get_by_role("link", name="Open the certificate of Jānis"), tap=True
    )
    expect(phone_page.locator("main")).to_contain_text("Valid")
    follow(phone_page, phone_page.get_by_role("link", name="Reissue…"), tap=True)
    expect(phone_page.locator("main")).to_contain_text("Will be printed")
    visit(phone_page, "/admin/certificates/issued/?state=issued")
    expect(phone_page.locator("main")).to_contain_text("Søren Ærø")
