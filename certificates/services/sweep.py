"""The sweeper: queues again the certificates and bulk issues whose job was lost."""

from datetime import timedelta

from django.utils import timezone

from certificates.models import BulkIssue, BulkIssueState, Certificate, CertificateState
from certificates.services.base import BULK_TASK, RENDER_TASK, SWEEP_AFTER_SECONDS, setting
from certificates.services.bulk_status import bulk_finish_if_idle
from lms.jobs import enqueue


def certificates_sweep(*, limit: int = 500) -> int:
    """Queue again what lost its job: certificates pending for a while, bulk issues never
    started, and running bulk issues with nothing left to render. Returns how many were queued."""
    cutoff = timezone.now() - timedelta(
        seconds=setting("CERTIFICATES_SWEEP_AFTER_SECONDS", SWEEP_AFTER_SECONDS)
    )
    ids = list(
        Certificate.objects.filter(state=CertificateState.PENDING, issued_at__lte=cutoff)
        .order_by("issued_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for certificate_id in ids:
        enqueue(RENDER_TASK, certificate_id)
    waiting = list(
        BulkIssue.objects.filter(
            state=BulkIssueState.REQUESTED, created_at__lte=cutoff
        ).values_list("pk", flat=True)
    )
    for bulk_id in waiting:
        enqueue(BULK_TASK, bulk_id)
    for bulk in BulkIssue.objects.filter(state=BulkIssueState.RUNNING, created_at__lte=cutoff):
        bulk_finish_if_idle(bulk.pk)
    return len(ids) + len(waiting)
