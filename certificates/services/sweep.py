"""The sweeper, every minute: queues again the certificates and bulk issues whose job was lost
(their heartbeat is old) and the certificates whose failed render is due for another try."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from certificates.models import (
    BulkIssue,
    BulkIssueState,
    Certificate,
    CertificateSource,
    CertificateState,
)
from certificates.services.base import (
    BULK_TASK,
    RENDER_TASK,
    SWEEP_AFTER_SECONDS,
    setting,
    stalled_before,
)
from certificates.services.bulk_status import bulk_finish_if_idle
from lms.jobs import enqueue

ACTIVE_BULK = (BulkIssueState.REQUESTED, BulkIssueState.RUNNING)


def certificates_sweep(*, limit: int = 500) -> int:
    """Queue again what lost its job or is due for another try: certificates pending with no
    sign of progress for a while (or whose back-off after a failure is over), and bulk issues
    whose heartbeat is old (a bulk issue finishes when nothing of its own is left pending).
    Certificates waiting for staff after their last attempt are left alone. Every job is
    idempotent, so a job that was only late, not lost, finds its work done and does nothing.
    Returns how many jobs were queued."""
    now = timezone.now()
    cutoff = stalled_before()
    wait = timedelta(seconds=setting("CERTIFICATES_SWEEP_AFTER_SECONDS", SWEEP_AFTER_SECONDS))
    queued = 0
    for bulk_id in BulkIssue.objects.filter(
        state__in=ACTIVE_BULK, heartbeat_at__lte=cutoff
    ).values_list("pk", flat=True):
        bulk_finish_if_idle(bulk_id)
        if BulkIssue.objects.filter(pk=bulk_id, state__in=ACTIVE_BULK).exists():
            enqueue(BULK_TASK, bulk_id)
            queued += 1
    # A bulk issue's certificates not tried yet follow their bulk issue's heartbeat (above).
    in_bulk = BulkIssue.objects.filter(state__in=ACTIVE_BULK).values("cohort_id")
    ids = list(
        Certificate.objects.filter(state=CertificateState.PENDING, render_failed_at__isnull=True)
        .filter(
            Q(render_retry_at__lte=now) | Q(render_retry_at__isnull=True, issued_at__lte=cutoff)
        )
        .exclude(source=CertificateSource.BULK, render_attempts=0, cohort_id__in=in_bulk)
        .order_by("issued_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    # Another try only after another wait, should this job be lost too: a long queue is not
    # flooded with copies every minute.
    Certificate.objects.filter(pk__in=ids).update(render_retry_at=now + wait)
    for certificate_id in ids:
        enqueue(RENDER_TASK, certificate_id)
    return queued + len(ids)
