"""What every certificates service shares: the queued task paths, the event
announced for a certificate and its entry in the audit log."""

from django.conf import settings
from wagtail.log_actions import log

from certificates.models import Certificate
from lms.events import emit

RENDER_TASK = "certificates.tasks.certificate_render_task"
BULK_TASK = "certificates.tasks.bulk_issue_task"
BULK_CHUNK_TASK = "certificates.tasks.bulk_render_chunk_task"

# A certificate or bulk issue still waiting this long lost its job (the Redis broker can drop
# in-flight tasks; a killed worker drops what it held): the sweeper queues it again.
SWEEP_AFTER_SECONDS = 300


def setting(name: str, default: int) -> int:
    """An integer setting of certificates, with the default used when it is not set."""
    return int(getattr(settings, name, default))


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
