"""Issued certificates in the Wagtail admin: the cohort desk's "Certificates" page (issue one by
hand, issue to everyone who completed with a progress page), one certificate's page with revoke
and reissue (confirmed, in the audit log), and the listing for programme admins. Presidency
staff see their own cohort's certificates only; anything else is a 404."""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from wagtail.log_actions import registry as log_actions
from wagtail.models import ModelLogEntry

from certificates.desk.views import BulkStatus
from certificates.models import BulkIssue, BulkIssueState, Certificate, CertificateState
from cohorts.models import EnrolmentState
from cohorts.places import services as cohort_services
from lms.accounts.services import profile_update
from lms.models import Event, User
from tests.certificates.issuing import (
    LATVIAN,
    completed_in,
    make_template,
    pdf_text,
    private_files_in_tmp,  # noqa: F401 (fixture)
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def staff_of(cohort):
    """A member of the presidency staff of `cohort`: in its staff group and nothing else."""
    person = UserFactory(profile__full_name="Helmi Väänänen")
    person.groups.add(cohort_services.cohort_staff_group_ensure(cohort=cohort))
    return person


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def audit(certificate, action: str) -> list[ModelLogEntry]:
    return list(
        ModelLogEntry.objects.filter(object_id=str(certificate.pk), action=action).order_by("pk")
    )


def rename(user, full_name: str) -> None:
    """The person corrects their name in their profile."""
    profile = user.profile
    profile_update(
        user=user,
        full_name=full_name,
        preferred_language=profile.preferred_language,
        country=str(profile.country),
        organisation_name=profile.organisation.name if profile.organisation else "",
        sector=profile.sector,
        level=profile.level,
    )


def page_of(cohort) -> str:
    return reverse("certificates_cohort", args=[cohort.pk])


def detail(certificate) -> str:
    return reverse("certificates_certificate", args=[certificate.pk])


@pytest.fixture
def template(cohort):
    return make_template(
        "programme",
        name="BEP completion",
        programme=cohort.programme,
        translations={"lv": ("Apliecība", LATVIAN)},
    )


@pytest.fixture
def people(cohort, make_person):
    """Three who completed the cohort and one still on the way."""
    names = ["Jānis Bērziņš", "Þórunn Guðmundsdóttir", "Małgorzata Wąsowska"]
    done = [completed_in(cohort, make_person("LV", full_name=name)) for name in names]
    on_the_way = completed_in(
        cohort, make_person("EE", full_name="Õie Täht"), state=EnrolmentState.ACCEPTED
    )
    return done, on_the_way


@pytest.fixture
def presidency(client, cohort):
    client.force_login(staff_of(cohort))
    return client


def issue_by_hand(client, cohort, enrolment, capture) -> Certificate:
    with capture(execute=True):
        response = client.post(
            reverse("certificates_cohort_issue", args=[cohort.pk]),
            {"enrolment": enrolment.pk},
        )
    assert response.status_code == 302
    return Certificate.objects.get(cohort=cohort, user=enrolment.user, state__in=["issued"])


# --- the cohort desk's certificates page --------------------------------------------------------


def test_the_desk_links_to_the_certificates_with_what_is_left_to_issue(
    presidency, cohort, template, people, django_capture_on_commit_callbacks
):
    done, _ = people
    issue_by_hand(presidency, cohort, done[0], django_capture_on_commit_callbacks)

    desk = presidency.get(reverse("cohorts_desk", args=[cohort.pk])).content.decode()

    assert f'href="{page_of(cohort)}"' in desk
    assert "1 issued · 2 to issue" in desk


def test_staff_see_who_completed_and_issue_a_certificate_by_hand(
    presidency, cohort, template, people, django_capture_on_commit_callbacks
):
    done, on_the_way = people

    page = presidency.get(page_of(cohort)).content.decode()
    certificate = issue_by_hand(presidency, cohort, done[1], django_capture_on_commit_callbacks)
    after = presidency.get(page_of(cohort))

    for name in ("Jānis Bērziņš", "Þórunn Guðmundsdóttir", "Małgorzata Wąsowska", "Õie Täht"):
        assert name in page
    assert "Accepted, not completed yet" in page
    assert "BEP completion" in page, "staff see which template prints the certificates"
    assert page.index("Małgorzata Wąsowska") < page.index("Õie Täht"), "completed first"
    assert certificate.holder_name == "Þórunn Guðmundsdóttir"
    assert "Þórunn Guðmundsdóttir" in pdf_text(certificate)
    assert certificate.code in after.content.decode()
    assert any("Issued the certificate of Þórunn Guðmundsdóttir" in m for m in messages_of(after))
    [entry] = audit(certificate, "certificates.certificate.issue")
    assert entry.user.profile.full_name == "Helmi Väänänen"
    assert Event.objects.filter(
        name="certificates.certificate.issued", payload__certificate_id=certificate.pk
    ).exists()


def test_issuing_twice_or_for_a_stranger_changes_nothing(
    presidency, cohort, template, people, make_person, django_capture_on_commit_callbacks
):
    done, _ = people
    issue_by_hand(presidency, cohort, done[0], django_capture_on_commit_callbacks)
    stranger = completed_in(make_other_cohort(cohort), make_person("PL"))

    again = presidency.post(
        reverse("certificates_cohort_issue", args=[cohort.pk]), {"enrolment": done[0].pk}
    )
    foreign = presidency.post(
        reverse("certificates_cohort_issue", args=[cohort.pk]), {"enrolment": stranger.pk}
    )
    junk = presidency.post(
        reverse("certificates_cohort_issue", args=[cohort.pk]), {"enrolment": "x"}
    )

    assert Certificate.objects.count() == 1
    assert any("already has a certificate" in m for m in messages_of(again))
    assert any("not an accepted or completed participant" in m for m in messages_of(foreign))
    assert junk.status_code == 302


def make_other_cohort(cohort):
    from tests.cohorts.conftest import CohortFactory

    return CohortFactory(programme=cohort.programme, title="BEP 2027 — Danish presidency")


def test_without_a_template_staff_are_told_what_to_do(presidency, cohort, people):
    done, _ = people

    page = presidency.get(page_of(cohort)).content.decode()
    bulk = presidency.post(reverse("certificates_cohort_bulk", args=[cohort.pk]))

    assert "No active certificate template applies to this cohort" in page
    assert any("No certificate template applies" in m for m in messages_of(bulk))
    assert not BulkIssue.objects.exists() and not Certificate.objects.exists()


# --- bulk issue ---------------------------------------------------------------------------------


def test_bulk_issue_shows_its_progress_and_completes(
    presidency, cohort, template, people, django_capture_on_commit_callbacks
):
    done, _ = people
    issue_by_hand(presidency, cohort, done[0], django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        response = presidency.post(reverse("certificates_cohort_bulk", args=[cohort.pk]))
    bulk = BulkIssue.objects.get()
    progress = presidency.get(response["Location"])
    status = presidency.get(reverse("certificates_bulk_status", args=[bulk.pk])).json()

    assert response["Location"] == reverse("certificates_bulk", args=[bulk.pk])
    assert bulk.state == BulkIssueState.DONE
    html = progress.content.decode()
    assert re.search(r'<progress[^>]*max="3"[^>]*value="3"', html)
    assert "2 of 3 issued, 1 skipped (they already had one)" in html
    assert "Done" in html
    assert 'http-equiv="refresh"' not in html, "a finished page stops reloading"
    assert status["final"] is True and status["state"] == "done"
    assert (status["issued"], status["skipped"], status["failed"]) == (2, 1, 0)
    assert status["text"] == "2 of 3 issued, 1 skipped (they already had one)"
    # Everyone who completed has a valid certificate; the one on the way has none.
    issued = Certificate.objects.filter(cohort=cohort, state=CertificateState.ISSUED)
    assert {c.user_id for c in issued} == {e.user_id for e in done}
    assert "Małgorzata Wąsowska" in pdf_text(issued.get(user=done[2].user))
    assert ModelLogEntry.objects.filter(action="certificates.bulk.request").exists()
    page = presidency.get(page_of(cohort)).content.decode()
    assert "3 issued · 0 to issue" in page


def test_a_bulk_issue_not_started_yet_reloads_itself_without_javascript(
    presidency, cohort, template, people
):
    # Without running the queued job: the page shows the request waiting.
    response = presidency.post(reverse("certificates_cohort_bulk", args=[cohort.pk]))
    again = presidency.post(reverse("certificates_cohort_bulk", args=[cohort.pk]))

    progress = presidency.get(response["Location"]).content.decode()
    cohort_page = presidency.get(page_of(cohort)).content.decode()

    assert BulkIssue.objects.count() == 1, "a second click follows the same bulk issue"
    assert again["Location"] == response["Location"]
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in progress
    assert "Waiting to start" in progress
    assert re.search(r'<progress[^>]*max="3"[^>]*value="0"', progress)
    assert "follow its progress" in cohort_page


def test_a_failed_bulk_issue_says_so_with_its_counts(presidency, cohort, template):
    bulk = BulkIssue.objects.create(
        cohort=cohort,
        state=BulkIssueState.FAILED,
        total=5,
        issued=3,
        failed=2,
        error="[#7] The template was deleted\n",
    )

    html = presidency.get(reverse("certificates_bulk", args=[bulk.pk])).content.decode()

    assert "Failed" in html and "3 of 5 issued, 2 failed" in html
    assert "The bulk issue stopped: The template was deleted" in html


def test_big_numbers_read_with_thousands_separators():
    bulk = BulkIssue(state=BulkIssueState.RUNNING, total=1000, issued=412)

    assert BulkStatus(bulk).text == "412 of 1,000 issued"


# --- one certificate: revoke and reissue ----------------------------------------------------


@pytest.fixture
def issued(presidency, cohort, template, people, django_capture_on_commit_callbacks):
    done, _ = people
    return issue_by_hand(presidency, cohort, done[0], django_capture_on_commit_callbacks)


def test_the_certificate_page_shows_its_state_code_and_download(presidency, issued):
    html = presidency.get(detail(issued)).content.decode()

    assert "Jānis Bērziņš" in html and issued.code in html and "Valid" in html
    assert reverse("certificates:download", kwargs={"pk": issued.pk}) in html
    assert reverse("certificates_certificate_revoke", args=[issued.pk]) in html
    assert "Issued a certificate" in html, "the history comes from the audit log"


def test_revoking_asks_for_a_reason_and_is_logged(presidency, issued):
    revoke = reverse("certificates_certificate_revoke", args=[issued.pk])

    confirm = presidency.get(revoke)
    empty = presidency.post(revoke, {"reason": "   "})
    issued.refresh_from_db()
    state_after_empty = issued.state
    done = presidency.post(revoke, {"reason": "Issued in error: did not attend the final session."})
    again = presidency.post(revoke, {"reason": "Twice"})

    assert "Revoke the certificate of Jānis Bērziņš?" in confirm.content.decode()
    assert empty.status_code == 200 and "Give the reason" in empty.content.decode()
    assert state_after_empty == CertificateState.ISSUED
    assert done["Location"] == detail(issued)
    issued.refresh_from_db()
    assert issued.state == CertificateState.REVOKED
    assert issued.revoked_reason == "Issued in error: did not attend the final session."
    [entry] = audit(issued, "certificates.certificate.revoke")
    assert entry.data["reason"] == issued.revoked_reason
    assert entry.user.profile.full_name == "Helmi Väänänen"
    assert any("cannot be revoked" in m for m in messages_of(again))
    page = presidency.get(detail(issued)).content.decode()
    assert "Revoked the certificate" in page and "did not attend the final session" in page
    assert (
        Event.objects.filter(
            name="certificates.certificate.revoked", payload__certificate_id=issued.pk
        ).count()
        == 1
    )


def test_only_programme_admins_reissue_a_revoked_certificate(presidency, issued, client):
    """Reissuing a revoked certificate makes a valid one again: presidency staff cannot undo a
    revocation, programme admins can."""
    revoke = reverse("certificates_certificate_revoke", args=[issued.pk])
    reissue = reverse("certificates_certificate_reissue", args=[issued.pk])
    presidency.post(revoke, {"reason": "Did not complete the final module."})

    page = presidency.get(detail(issued)).content.decode()
    refused = presidency.post(reissue, {"reason": "Please"})
    issued.refresh_from_db()

    assert reissue not in page
    assert any("Only programme admins" in m for m in messages_of(refused))
    assert issued.state == CertificateState.REVOKED
    assert Certificate.objects.filter(user=issued.user, cohort=issued.cohort).count() == 1

    admin = User.objects.create_superuser(email="admin@example.org", password="x")
    client.force_login(admin)
    assert reissue in client.get(detail(issued)).content.decode()
    client.post(reissue, {"reason": "Completed after all."})
    issued.refresh_from_db()
    assert issued.state == CertificateState.REPLACED


def test_reissue_after_a_name_correction_replaces_the_old_certificate(
    presidency, issued, django_capture_on_commit_callbacks
):
    reissue = reverse("certificates_certificate_reissue", args=[issued.pk])
    rename(issued.user, "Jānis Bērziņš-Kalniņš")

    confirm = presidency.get(reissue).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = presidency.post(reissue, {"reason": "Name corrected after marriage."})
    issued.refresh_from_db()
    new = issued.replaced_by

    assert "Jānis Bērziņš-Kalniņš" in confirm and "Printed now" in confirm
    assert issued.state == CertificateState.REPLACED
    assert new.state == CertificateState.ISSUED and new.holder_name == "Jānis Bērziņš-Kalniņš"
    assert response["Location"] == detail(new)
    assert any(
        f"Reissued: {issued.code} is replaced by a new certificate for Jānis Bērziņš-Kalniņš" in m
        for m in messages_of(presidency.get(detail(new)))
    )
    assert "Jānis Bērziņš-Kalniņš" in pdf_text(new)
    new_page = presidency.get(detail(new)).content.decode()
    old_page = presidency.get(detail(issued)).content.decode()
    assert issued.code in new_page, "the new one says which it replaces"
    assert new.code in old_page and "Replaced" in old_page
    assert "Reissue…" not in old_page and "Revoke…" not in old_page
    [entry] = audit(issued, "certificates.certificate.reissue")
    assert entry.data["reason"] == "Name corrected after marriage."


def test_revoke_and_reissue_pages_of_a_replaced_certificate_send_back(presidency, issued):
    issued.state = CertificateState.REVOKED
    issued.save(update_fields=["state"])

    revoke = presidency.get(reverse("certificates_certificate_revoke", args=[issued.pk]))

    assert revoke["Location"] == detail(issued)
    assert any("only a valid certificate can be revoked" in m for m in messages_of(revoke))


def test_the_audit_log_actions_have_readable_labels():
    for action in (
        "certificates.certificate.issue",
        "certificates.certificate.revoke",
        "certificates.certificate.reissue",
        "certificates.bulk.request",
    ):
        assert log_actions.get_action_label(action) != action
    actions = [action for action, _ in log_actions.get_choices() if action.startswith("cert")]
    assert len(actions) == len(set(actions)), "each is listed once in the audit log's filter"


# --- who sees what ---------------------------------------------------------------------------


def test_staff_of_another_cohort_get_404_everywhere(cohort, issued):
    other = make_other_cohort(cohort)
    bulk = BulkIssue.objects.create(cohort=cohort, total=1)
    client = Client()
    client.force_login(staff_of(other))

    urls = [
        page_of(cohort),
        detail(issued),
        reverse("certificates_certificate_revoke", args=[issued.pk]),
        reverse("certificates_certificate_reissue", args=[issued.pk]),
        reverse("certificates_bulk", args=[bulk.pk]),
        reverse("certificates_bulk_status", args=[bulk.pk]),
    ]
    posts = [
        reverse("certificates_certificate_revoke", args=[issued.pk]),
        reverse("certificates_certificate_reissue", args=[issued.pk]),
        reverse("certificates_cohort_issue", args=[cohort.pk]),
        reverse("certificates_cohort_bulk", args=[cohort.pk]),
    ]

    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"reason": "x", "enrolment": "1"}).status_code == 404, url
    issued.refresh_from_db()
    assert issued.state == CertificateState.ISSUED
    assert BulkIssue.objects.count() == 1
    # Their own cohort's page works, and shows nobody from the other cohort.
    own = client.get(page_of(other))
    assert own.status_code == 200 and "Jānis Bērziņš" not in own.content.decode()
    # The listing of every certificate is for programme admins only.
    listing = client.get(reverse("certificates_issued:index"))
    assert listing.status_code in (302, 403)


def test_programme_admins_find_any_certificate_in_the_listing(
    client, staff, cohort, issued, people, django_capture_on_commit_callbacks
):
    done, _ = people
    client.force_login(staff)
    second = issue_by_hand(client, cohort, done[2], django_capture_on_commit_callbacks)
    client.post(
        reverse("certificates_certificate_revoke", args=[second.pk]), {"reason": "In error."}
    )
    listing = reverse("certificates_issued:index")

    everything = client.get(listing).content.decode()
    by_name = client.get(listing, {"q": "Bērziņš"}).content.decode()
    revoked = client.get(listing, {"state": "revoked"}).content.decode()
    by_cohort = client.get(listing, {"cohort": cohort.pk, "kind": "programme"}).content.decode()
    junk = client.get(listing, {"cohort": "x", "state": "<x>", "q": "Žydrūnas"})

    assert "Jānis Bērziņš" in everything and "Małgorzata Wąsowska" in everything
    assert detail(issued) in everything, "each row opens the certificate's page"
    assert "Jānis Bērziņš" in by_name and "Małgorzata Wąsowska" not in by_name
    assert "Małgorzata Wąsowska" in revoked and "Jānis Bērziņš" not in revoked
    assert "Jānis Bērziņš" in by_cohort
    assert junk.status_code == 200
    assert "Add certificate" not in everything
    assert client.get(detail(issued)).status_code == 200
    assert client.get(page_of(cohort)).status_code == 200
    # Wagtail's site history lists the revocation, linked to the certificate's page.
    history = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert "Revoked the certificate" in history and detail(second) in history


def confirm_url(cohort, enrolment) -> str:
    return reverse("certificates_cohort_issue", args=[cohort.pk]) + f"?enrolment={enrolment.pk}"


def test_issuing_by_hand_asks_for_confirmation_stating_what_is_certified_for_whom(
    presidency, cohort, template, people, django_capture_on_commit_callbacks
):
    done, _ = people
    page = presidency.get(page_of(cohort)).content.decode()
    assert (
        confirm_url(cohort, done[0]).replace("&", "&amp;") in page
        or confirm_url(cohort, done[0]) in page
    )

    confirm = presidency.get(confirm_url(cohort, done[0]))

    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "Issue a certificate to Jānis Bērziņš?" in text
    assert "BEP 2026 — Finnish presidency" in text and "BEP completion" in text
    assert "has not completed" not in text
    assert Certificate.objects.count() == 0, "opening the confirmation issues nothing"
    issue_by_hand(presidency, cohort, done[0], django_capture_on_commit_callbacks)


def test_issuing_to_someone_who_has_not_completed_is_refused_without_a_reason(
    presidency, cohort, template, people, django_capture_on_commit_callbacks
):
    _, on_the_way = people
    url = reverse("certificates_cohort_issue", args=[cohort.pk])

    confirm = presidency.get(confirm_url(cohort, on_the_way)).content.decode()
    assert "This person has not completed" in confirm
    assert "Õie Täht has not completed “BEP 2026 — Finnish presidency” (accepted)" in confirm

    refused = presidency.post(url, {"enrolment": on_the_way.pk, "override_reason": "  "})
    assert refused.status_code == 200
    assert "Give the reason for issuing" in refused.content.decode()
    assert Certificate.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        done = presidency.post(
            url,
            {"enrolment": on_the_way.pk, "override_reason": "Finished the work at home; agreed."},
        )
    assert done.status_code == 302
    certificate = Certificate.objects.get(user=on_the_way.user)
    [entry] = audit(certificate, "certificates.certificate.issue")
    assert entry.data["override_reason"] == "Finished the work at home; agreed."
