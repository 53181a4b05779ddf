"""The status row of a bulk issue: counting certificates issued and failed, and closing it when
everyone is accounted for."""

from django.db import transaction
from django.utils import timezone

from certificates.models import (
    BulkIssue,
    BulkIssueState,
    Certificate,
    CertificateSource,
    CertificateState,
)


def _failure_marker(certificate_id: int) -> str:
    return f"[#{certificate_id}]"


def _latest_bulk_locked(cohort_id: int) -> BulkIssue | None:
    return (
        BulkIssue.objects.select_for_update()
        .filter(cohort_id=cohort_id, state__in=[BulkIssueState.RUNNING, BulkIssueState.DONE])
        .order_by("-pk")
        .first()
    )


def bulk_count_issued(certificates: list[Certificate]) -> None:
    """Inside the render's transaction, so each certificate counts exactly once however many
    times its job runs. Taken last, so the bulk row is locked only for the commit. Every
    certificate of a bulk issue is for its one cohort."""
    if not certificates:
        return
    bulk = _latest_bulk_locked(certificates[0].cohort_id)
    if bulk is None:
        return
    counted = 0
    for certificate in certificates:
        marker = _failure_marker(certificate.pk)
        if marker in bulk.error:
            # Counted as failed earlier; a later attempt (the sweeper's) succeeded.
            bulk.failed = max(0, bulk.failed - 1)
            bulk.error = "".join(
                f"{line}\n" for line in bulk.error.splitlines() if marker not in line
            )
            counted += 1
        elif bulk.state == BulkIssueState.RUNNING:
            counted += 1
    if counted:
        bulk.issued += counted
        bulk_save(bulk, "issued", "failed", "error")


def bulk_count_failed(bulk_id: int, certificate_id: int, problem: str) -> None:
    """Count a certificate of the bulk issue as failed, once, with `problem` in plain words (the
    page shows it to staff: never the exception)."""
    with transaction.atomic(durable=True):
        bulk = BulkIssue.objects.select_for_update().filter(pk=bulk_id).first()
        still_pending = Certificate.objects.filter(
            pk=certificate_id, state=CertificateState.PENDING
        ).exists()
        if bulk is None or bulk.state != BulkIssueState.RUNNING or not still_pending:
            return
        marker = _failure_marker(certificate_id)
        if marker in bulk.error:
            return
        message = " ".join(problem.split())[:300]
        bulk.failed += 1
        bulk.error = f"{bulk.error}{marker} {message}\n"
        bulk_save(bulk, "failed", "error")


def bulk_save(bulk: BulkIssue, *fields: str) -> None:
    """Write the counters of a locked status row, and close it when everyone is accounted for
    (an UPDATE alone: this runs once per certificate)."""
    bulk.heartbeat_at = timezone.now()
    values = {field: getattr(bulk, field) for field in fields}
    values["heartbeat_at"] = bulk.heartbeat_at
    if bulk.state == BulkIssueState.RUNNING and (
        bulk.issued + bulk.skipped + bulk.failed >= bulk.total
    ):
        bulk.state = BulkIssueState.DONE
        bulk.finished_at = timezone.now()
        values.update(state=bulk.state, finished_at=bulk.finished_at)
    BulkIssue.objects.filter(pk=bulk.pk).update(**values)


def bulk_finish_if_idle(bulk_id: int) -> None:
    """A running bulk issue with nothing of its own left pending is over, whatever its counts
    say (a participant withdrawn from the cohort meanwhile, a certificate deleted)."""
    with transaction.atomic(durable=True):
        bulk = BulkIssue.objects.select_for_update().filter(pk=bulk_id).first()
        if bulk is None or bulk.state != BulkIssueState.RUNNING:
            return
        # Certificates that gave up wait for staff; they no longer keep the bulk issue open.
        if Certificate.objects.filter(
            cohort_id=bulk.cohort_id,
            state=CertificateState.PENDING,
            source=CertificateSource.BULK,
            render_failed_at__isnull=True,
        ).exists():
            return
        bulk.state = BulkIssueState.DONE
        bulk.finished_at = timezone.now()
        bulk.save(update_fields=["state", "finished_at"])
