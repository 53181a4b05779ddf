"""Lost and failing certificate work, through the real services, pages, broker and files: a bulk
issue whose job was lost is resumed by the sweeper and ends with one certificate per person (the
page says when it stalled and when it resumed); a private folder that cannot be written gives
staff plain words, stops after the cap, alerts the administrators once, and prints after a
retry once fixed."""

import datetime as dt
import io
import logging

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf
from pypdf import PdfReader
from wagtail.models import ModelLogEntry

from certificates import tasks
from certificates.models import BulkIssue, BulkIssueState, Certificate, CertificateState
from certificates.services import certificates_bulk_request, certificates_sweep
from lms import jobs
from lms.models import Event, OutgoingEmail
from tests.certificates.desk.test_admin_desk import staff_of
from tests.certificates.issuing import (  # noqa: F401 (fixture)
    completed_in,
    flat,
    make_template,
    private_files_in_tmp,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAMES = ["Jānis Bērziņš", "Žydrūnas Šimkus", "Þórunn Guðmundsdóttir", "Søren Ærø", "Õie Täht"]
STALLED = "This has stalled: it will resume by itself within about a minute."


@pytest.fixture
def people(cohort, make_person):
    return [completed_in(cohort, make_person("LV", full_name=name)).user for name in NAMES]


@pytest.fixture
def presidency(client, cohort):
    client.force_login(staff_of(cohort))
    return client


@pytest.fixture
def template(cohort):
    return make_template("programme", name="BEP completion", programme=cohort.programme)


def minutes_pass(bulk: BulkIssue, minutes: int = 2) -> None:
    """Time passes with no progress: the bulk issue's last heartbeat is that far back."""
    BulkIssue.objects.filter(pk=bulk.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


def pdf_text(certificate: Certificate) -> str:
    with certificate.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return flat(" ".join(page.extract_text() for page in reader.pages))


def assert_one_printed_certificate_each(cohort, people) -> None:
    certificates = list(Certificate.objects.filter(cohort=cohort).order_by("pk"))
    assert sorted(c.user_id for c in certificates) == sorted(p.pk for p in people)
    for certificate in certificates:
        assert certificate.state == CertificateState.ISSUED
        assert certificate.holder_name in pdf_text(certificate)


def bulk_page(client, bulk: BulkIssue) -> str:
    response = client.get(reverse("certificates_bulk", args=[bulk.pk]))
    assert response.status_code == 200
    return response.content.decode()


def lost(monkeypatch, capture, call):
    """Run `call` with its jobs handed to the real broker and never run: then the queue is
    emptied, as a Redis restart or a killed cluster leaves it."""
    monkeypatch.setattr(Conf, "SYNC", False)
    broker = jobs.broker()
    broker.purge_queue()
    with capture(execute=True):
        result = call()
    assert broker.queue_size() >= 1, "the job went to the broker"
    broker.purge_queue()
    monkeypatch.setattr(Conf, "SYNC", True)
    return result


# --- a lost bulk issue ---------------------------------------------------------------------------


def test_a_bulk_issue_whose_job_was_lost_resumes_and_gives_everyone_one_certificate(
    presidency, cohort, template, people, monkeypatch, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    response = lost(
        monkeypatch,
        capture,
        lambda: presidency.post(reverse("certificates_cohort_bulk", args=[cohort.pk])),
    )
    bulk = BulkIssue.objects.get()
    assert response["Location"] == reverse("certificates_bulk", args=[bulk.pk])

    # Within the bound it is only waiting: no stalled wording, nothing queued again.
    assert STALLED not in bulk_page(presidency, bulk)
    with capture(execute=True):
        assert certificates_sweep() == 0
    assert not Certificate.objects.exists()

    # No progress for two minutes: the page says so, without scripts (it reloads itself) and
    # to the polling script alike.
    minutes_pass(bulk)
    html = bulk_page(presidency, bulk)
    assert STALLED in html and 'http-equiv="refresh"' in html
    status = presidency.get(reverse("certificates_bulk_status", args=[bulk.pk])).json()
    assert (status["stalled"], status["note"], status["headline"]) == (True, STALLED, "Stalled")

    with capture(execute=True):
        assert certificates_sweep() == 1

    bulk.refresh_from_db()
    assert bulk.state == BulkIssueState.DONE
    assert (bulk.total, bulk.issued, bulk.failed) == (len(people), len(people), 0)
    assert bulk.resumed_at is not None
    assert_one_printed_certificate_each(cohort, people)
    html = bulk_page(presidency, bulk)
    assert STALLED not in html
    resumed = timezone.localtime(bulk.resumed_at)
    assert f"It stalled, and resumed by itself at {resumed:%H:%M}" in html


def test_lost_chunks_of_a_running_bulk_issue_are_queued_again_and_a_late_copy_changes_nothing(
    cohort, template, people, monkeypatch, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    staff = staff_of(cohort)
    # The bulk job runs, but the rendering jobs it queues are lost.
    monkeypatch.setattr(Conf, "SYNC", False)
    broker = jobs.broker()
    broker.purge_queue()
    with capture(execute=True):
        bulk = certificates_bulk_request(cohort=cohort, actor=staff)
    broker.purge_queue()
    with capture(execute=True):
        tasks.bulk_issue_task(bulk.pk)
    assert broker.queue_size() >= 1, "the rendering jobs went to the broker"
    broker.purge_queue()
    monkeypatch.setattr(Conf, "SYNC", True)
    bulk.refresh_from_db()
    assert bulk.state == BulkIssueState.RUNNING and bulk.issued == 0
    assert Certificate.objects.filter(state=CertificateState.PENDING).count() == len(people)

    # A copy of the bulk job delivered while the work is not stalled queues nothing again.
    with capture(execute=True):
        tasks.bulk_issue_task(bulk.pk)
    assert BulkIssue.objects.get(pk=bulk.pk).issued == 0

    minutes_pass(bulk)
    with capture(execute=True):
        assert certificates_sweep() == 1
    bulk.refresh_from_db()
    assert (bulk.state, bulk.issued, bulk.failed) == (BulkIssueState.DONE, len(people), 0)
    assert_one_printed_certificate_each(cohort, people)

    # The broker's own redelivery (after Q_RETRY) of every job: nothing visible changes.
    before = (
        list(Certificate.objects.order_by("pk").values_list("pk", "code", "sha256")),
        Event.objects.count(),
        OutgoingEmail.objects.count(),
        len(mail.outbox),
    )
    ids = ",".join(str(pk) for pk, _, _ in before[0])
    with capture(execute=True):
        tasks.bulk_issue_task(bulk.pk)
        tasks.bulk_render_chunk_task(bulk.pk, ids)
        for pk, _, _ in before[0]:
            tasks.certificate_render_task(pk)
        certificates_sweep()
    after = (
        list(Certificate.objects.order_by("pk").values_list("pk", "code", "sha256")),
        Event.objects.count(),
        OutgoingEmail.objects.count(),
        len(mail.outbox),
    )
    assert after == before
    bulk.refresh_from_db()
    assert (bulk.issued, bulk.failed) == (len(people), 0)


# --- a private folder that cannot be written -----------------------------------------------------


@pytest.fixture
def broken_private_folder(settings, tmp_path):
    """A private folder where a file stands in the place of the certificates' folder: every
    PDF write fails, also for root (whom file permissions would not stop)."""
    root = tmp_path / "private"
    root.mkdir()
    blocker = root / "certificates"
    blocker.write_text("not a folder")
    settings.PRIVATE_ROOT = root
    return blocker


def test_an_unwritable_private_folder_gives_plain_words_a_cap_one_alert_and_a_retry_that_works(
    presidency,
    cohort,
    template,
    people,
    broken_private_folder,
    settings,
    caplog,
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    settings.CERTIFICATES_RENDER_MAX_ATTEMPTS = 3
    settings.ADMINS = [("Operations", "ops@bsr-academy.test")]
    private_path = str(broken_private_folder.parent)
    caplog.set_level(logging.WARNING)

    with capture(execute=True):
        presidency.post(reverse("certificates_cohort_bulk", args=[cohort.pk]))
    bulk = BulkIssue.objects.get()
    certificates = list(Certificate.objects.filter(cohort=cohort).order_by("pk"))
    assert len(certificates) == len(people)
    assert all(c.state == CertificateState.PENDING for c in certificates)
    assert (bulk.state, bulk.failed) == (BulkIssueState.DONE, len(people))

    # Staff read plain words: no exception, no server path.
    for html in (
        bulk_page(presidency, bulk),
        presidency.get(reverse("certificates_certificate", args=[certificates[0].pk])).content,
        presidency.get(reverse("certificates_cohort", args=[cohort.pk])).content,
    ):
        html = html if isinstance(html, str) else html.decode()
        assert "The PDF could not be saved." in html
        for leak in (private_path, "Errno", "private/certificates", "Error:", "Traceback"):
            assert leak not in html
    detail_html = presidency.get(
        reverse("certificates_certificate", args=[certificates[0].pk])
    ).content.decode()
    assert "The PDF could not be saved. The team has been alerted; it will be tried again." in (
        detail_html
    )

    # Retried with back-off until the cap, then left for staff.
    for _ in range(4):
        Certificate.objects.filter(render_retry_at__isnull=False).update(
            render_retry_at=timezone.now() - dt.timedelta(seconds=1)
        )
        with capture(execute=True):
            certificates_sweep()
    for certificate in Certificate.objects.filter(cohort=cohort):
        assert certificate.state == CertificateState.PENDING
        assert certificate.render_attempts == 3 and certificate.needs_attention
    with capture(execute=True):
        assert certificates_sweep() == 0, "the cap stops the retries"
    assert Certificate.objects.filter(render_attempts=3).count() == len(people)

    # One alert to the administrators for the whole episode, and error-level log lines.
    alerts = [m for m in mail.outbox if "ops@bsr-academy.test" in m.to]
    assert len(alerts) == 1
    assert "cannot be printed" in alerts[0].subject
    assert any(r.levelno == logging.ERROR and "gave up" in r.getMessage() for r in caplog.records)
    # The detail is for administrators: in the domain events.
    failures = Event.objects.filter(name="certificates.certificate.render_failed")
    assert failures.count() == 3 * len(people)
    assert all("Error" in event.payload["error"] for event in failures)
    superuser = UserFactory(is_superuser=True, is_staff=True)
    presidency.force_login(superuser)
    events_html = presidency.get(reverse("lms_events") + "?name=render_failed").content.decode()
    assert "certificates.certificate.render_failed" in events_html
    presidency.force_login(staff_of(cohort))

    first = certificates[0]
    detail_html = presidency.get(reverse("certificates_certificate", args=[first.pk])).content
    detail_html = detail_html.decode()
    assert "Failed — needs attention" in detail_html and "Try printing it again" in detail_html
    assert private_path not in detail_html and "Errno" not in detail_html

    # The folder is fixed; staff try again, and it prints (recorded in the audit log).
    broken_private_folder.unlink()
    for certificate in certificates:
        with capture(execute=True):
            response = presidency.post(
                reverse("certificates_certificate_retry", args=[certificate.pk])
            )
        assert response.status_code == 302
    assert ModelLogEntry.objects.filter(
        action="certificates.certificate.render_retry", object_id=str(first.pk)
    ).exists()
    assert_one_printed_certificate_each(cohort, people)
    bulk.refresh_from_db()
    assert (bulk.issued, bulk.failed, bulk.error) == (len(people), 0, "")
    assert len([m for m in mail.outbox if "ops@bsr-academy.test" in m.to]) == 1
