"""What every certificates service shares: the queued task paths, the event
announced for a certificate and its entry in the audit log."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from wagtail.log_actions import log

from certificates.models import Certificate
from lms.events import emit

RENDER_TASK = "certificates.tasks.certificate_render_task"
BULK_TASK = "certificates.tasks.bulk_issue_task"
BULK_CHUNK_TASK = "certificates.tasks.bulk_render_chunk_task"

# A certificate or bulk issue whose work has not moved on for this long lost its job (the Redis
# broker can drop in-flight tasks; a killed worker drops what it held): the sweeper, every
# minute, queues it again, and the staff pages say it has stalled.
SWEEP_AFTER_SECONDS = 60
# Render attempts before a certificate waits for staff (with back-off, about an hour in all).
RENDER_MAX_ATTEMPTS = 8


def setting(name: str, default: int) -> int:
    """An integer setting of certificates, with the default used when it is not set."""
    return int(getattr(settings, name, default))


def stalled_before() -> datetime:
    """Work whose last sign of progress is older than this has stalled."""
    seconds = setting("CERTIFICATES_SWEEP_AFTER_SECONDS", SWEEP_AFTER_SECONDS)
    return timezone.now() - timedelta(seconds=seconds)


def is_person(actor) -> bool:
    """Whether the actor is a signed-in person (not a job, not an anonymous visitor)."""
    return actor is not None and getattr(actor, "is_authenticated", False)


def person(actor):
    """The actor to record as requester or author: a person, or None for a job."""
    return actor if is_person(actor) else None


def announce(certificate: Certificate, verb: str) -> None:
    """Emit `certificates.certificate.<verb>` for the certificate, once per certificate."""
    payload = {"certificate_id": certificate.pk, "user_id": certificate.user_id}
    for field in ("cohort_id", "activity_id", "module_id"):
        if getattr(certificate, field):
            payload[field] = getattr(certificate, field)
    emit(
        f"certificates.certificate.{verb}",
        key=f"certificates.certificate.{verb}:{certificate.pk}",
        payload=payload,
    )


def audit(certificate: Certificate, action: str, actor, **data) -> None:
    """Record what was done to the certificate in Wagtail's audit log."""
    log(
        instance=certificate,
        action=f"certificates.certificate.{action}",
        user=person(actor),
        data={"state": certificate.state, "holder_name": certificate.holder_name, **data},
    )
