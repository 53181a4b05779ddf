"""Bulk issue for a cohort: a status row the admin page polls, pending certificates for everyone
who completed, rendering fanned out in chunks."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from certificates.errors import CertificatesError
from certificates.models import (
    BulkIssue,
    BulkIssueState,
    Certificate,
    CertificateKind,
    CertificateSource,
    CertificateState,
)
from certificates.services.base import (
    BULK_CHUNK_TASK,
    BULK_TASK,
    person,
    setting,
    stalled_before,
)
from certificates.services.bulk_status import bulk_count_failed, bulk_save
from certificates.services.issue import insert_once, snapshot_fields, translations_of
from certificates.services.render import (
    problem_words,
    render_chunk,
    render_failure_record,
    render_one,
)
from certificates.services.targets import Target, certificate_template_for
from cohorts.models import Cohort, Enrolment, EnrolmentState
from lms.jobs import enqueue_on_commit

logger = logging.getLogger(__name__)

# Certificates rendered per bulk job: small enough that every worker gets a share of a cohort,
# large enough that the queue's own overhead stays small next to the rendering.
BULK_CHUNK = 20

ACTIVE_BULK = (BulkIssueState.REQUESTED, BulkIssueState.RUNNING)


def _completed(cohort: Cohort):
    return Enrolment.objects.filter(cohort=cohort, state=EnrolmentState.COMPLETED)


def certificates_bulk_request(*, cohort: Cohort, actor) -> BulkIssue:
    """Ask for the certificates of everyone who completed the cohort; the work runs in jobs and
    the returned status row shows its progress. While one runs for the cohort, asking again
    returns that one."""
    with transaction.atomic(durable=True):
        # One request at a time per cohort, so two clicks cannot start two bulk issues.
        Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
        running = BulkIssue.objects.filter(cohort=cohort, state__in=ACTIVE_BULK).first()
        if running is not None:
            return running
        if not _completed(cohort).exists():
            raise CertificatesError(
                "nobody_completed",
                gettext("Nobody has completed “%(title)s” yet: there are no certificates to issue.")
                % {"title": cohort.title},
            )
        if certificate_template_for(kind=CertificateKind.PROGRAMME, cohort=cohort) is None:
            raise CertificatesError(
                "no_template",
                gettext(
                    "No certificate template applies to “%(title)s”. Add an active programme "
                    "completion template for it first."
                )
                % {"title": cohort.title},
            )
        bulk = BulkIssue.objects.create(
            cohort=cohort, requested_by=person(actor), total=_completed(cohort).count()
        )
        log(
            instance=bulk,
            action="certificates.bulk.request",
            user=person(actor),
            data={"cohort_id": cohort.pk, "total": bulk.total},
        )
        enqueue_on_commit(BULK_TASK, bulk.pk)
    return bulk


def certificates_bulk_run(*, bulk_id: int) -> BulkIssue | None:
    """The bulk job: in one transaction, a pending certificate for every completed participant
    who has none (those who have one are skipped), then rendering fanned out in chunks so every
    worker takes a share. Run again while running, it changes nothing unless the work has
    stalled (its heartbeat is old: a chunk's job was lost); then it records that it resumed and
    queues again what is still pending."""
    with transaction.atomic(durable=True):
        bulk = BulkIssue.objects.select_for_update().filter(pk=bulk_id).first()
        if bulk is None or bulk.state not in ACTIVE_BULK:
            return bulk
        stalled = bulk.heartbeat_at <= stalled_before()
        if stalled:
            bulk.resumed_at = timezone.now()
            logger.warning("bulk issue %s had stalled: resuming it", bulk.pk)
        cohort = Cohort.objects.select_related("programme").get(pk=bulk.cohort_id)
        if bulk.state == BulkIssueState.RUNNING:
            if stalled:
                bulk_save(bulk, "resumed_at")
                _chunks_later(bulk.pk, _pending_bulk_ids(cohort))
            return bulk
        template = certificate_template_for(kind=CertificateKind.PROGRAMME, cohort=cohort)
        if template is None:
            bulk.state = BulkIssueState.FAILED
            bulk.error = gettext("No certificate template applies to “%(title)s”.") % {
                "title": cohort.title
            }
            bulk.finished_at = timezone.now()
            bulk.save(update_fields=["state", "error", "finished_at"])
            return bulk
        enrolments = list(_completed(cohort).select_related("user__profile").order_by("pk"))
        current = {
            c.user_id: c
            for c in Certificate.objects.filter(cohort=cohort)
            .exclude(state=CertificateState.REPLACED)
            .only("pk", "user_id", "state", "source")
        }
        # A pending bulk certificate left by an earlier run is this run's to count.
        adopted = [
            c.pk
            for c in current.values()
            if c.state == CertificateState.PENDING and c.source == CertificateSource.BULK
        ]
        newcomers = [e.user for e in enrolments if e.user_id not in current]
        created, lost, problems = _issue_many(
            users=newcomers, cohort=cohort, template=template, requested_by=bulk.requested_by
        )
        completed_ids = {e.user_id for e in enrolments}
        bulk.total = len(enrolments)
        bulk.skipped = lost + sum(
            1
            for user_id, certificate in current.items()
            if user_id in completed_ids and certificate.pk not in adopted
        )
        # People who cannot have a certificate printed (no name yet) fail here, once.
        bulk.failed = len(problems)
        bulk.error = "".join(f"{problem}\n" for problem in problems)
        bulk.state = BulkIssueState.RUNNING
        bulk_save(bulk, "total", "skipped", "failed", "error", "state", "resumed_at")
        _chunks_later(bulk.pk, adopted + created)
    return bulk


def _issue_many(*, users, cohort, template, requested_by) -> tuple[list[int], int, list[str]]:
    """Pending rows for many people in one statement; when someone got theirs meanwhile (an
    automatic issue at the same moment) the statement fails whole, and the rows go in one by
    one instead. Returns the new ids, how many turned out to exist already, and why anyone
    could not be issued one."""
    target = Target("cohort", cohort)
    programme = cohort.programme
    translations = translations_of(template)
    fields, problems = [], []
    for user in users:
        try:
            snapshot = snapshot_fields(
                user=user,
                target=target,
                template=template,
                programme=programme,
                translations=translations,
            )
        except CertificatesError as exc:
            problems.append(f"[user #{user.pk}] {exc.message}")
            continue
        fields.append({**snapshot, "source": CertificateSource.BULK, "requested_by": requested_by})
    try:
        with transaction.atomic():
            made = Certificate.objects.bulk_create([Certificate(**row) for row in fields])
        return [row.pk for row in made], 0, problems
    except IntegrityError:
        pass
    created, lost = [], 0
    for row in fields:
        certificate, new = insert_once(row)
        if new:
            created.append(certificate.pk)
        else:
            lost += 1
    return created, lost, problems


def _pending_bulk_ids(cohort: Cohort) -> list[int]:
    """Pending certificates of the cohort's bulk issue never tried yet: one that failed is
    retried on its own, with back-off, by the sweeper."""
    return list(
        Certificate.objects.filter(
            cohort=cohort,
            state=CertificateState.PENDING,
            source=CertificateSource.BULK,
            render_attempts=0,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _chunks_later(bulk_id: int, ids: list[int]) -> None:
    size = max(1, setting("CERTIFICATES_BULK_CHUNK", BULK_CHUNK))
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]

    for chunk in chunks:
        enqueue_on_commit(BULK_CHUNK_TASK, bulk_id, ",".join(map(str, chunk)))


def certificates_bulk_render(*, bulk_id: int, certificate_ids: list[int]) -> None:
    """Render one chunk of a bulk issue. When any certificate of it fails, the chunk is done
    again one certificate at a time; each one that fails has its failure recorded (it stays
    pending, and the sweeper retries it with back-off) and is counted once as failed, in plain
    words for the page."""
    templates: dict = {}
    try:
        render_chunk(certificate_ids, templates=templates)
        return
    except Exception:
        logger.warning("bulk issue %s: a chunk failed, rendering it one by one", bulk_id)
    for certificate_id in certificate_ids:
        try:
            render_one(certificate_id, templates=templates)
        except Exception as exc:
            certificate = render_failure_record(certificate_id=certificate_id, error=exc)
            if certificate is not None:
                bulk_count_failed(
                    bulk_id, certificate_id, f"{certificate.holder_name}: {problem_words(exc)}"
                )


# What staff read when the bulk job itself broke: the detail is in the log.
BULK_STOPPED = _(
    "The bulk issue stopped because of a fault on the server. The team can see the details in "
    "the log; ask again once it is fixed (everyone who already has a certificate is skipped)."
)


def certificates_bulk_fail(*, bulk_id: int, error: str = BULK_STOPPED) -> None:
    """Mark a bulk issue failed when its job itself broke (not one certificate); `error` is
    shown to staff, so plain words."""
    with transaction.atomic(durable=True):
        bulk = BulkIssue.objects.select_for_update().filter(pk=bulk_id).first()
        if bulk is None or bulk.state not in ACTIVE_BULK:
            return
        bulk.state = BulkIssueState.FAILED
        bulk.error = f"{bulk.error}{error}"[:4000]
        bulk.finished_at = timezone.now()
        bulk.save(update_fields=["state", "error", "finished_at"])
