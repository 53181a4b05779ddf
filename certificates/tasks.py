"""Thin django-q2 tasks of certificates: load by id, call the service."""

import logging

from certificates import services

logger = logging.getLogger(__name__)


def certificate_render_task(certificate_id: int) -> None:
    services.certificate_render(certificate_id=certificate_id)


def certificates_sweep_task() -> int:
    return services.certificates_sweep()


def bulk_issue_task(bulk_id: int) -> None:
    try:
        services.certificates_bulk_run(bulk_id=bulk_id)
    except Exception:
        # Staff read plain words on the bulk page; the detail goes to the log.
        logger.exception("bulk issue %s: the job stopped", bulk_id)
        services.certificates_bulk_fail(bulk_id=bulk_id)
        raise


def bulk_render_chunk_task(bulk_id: int, certificate_ids: str) -> None:
    """`certificate_ids` is a comma-separated list: queue arguments stay ids and strings."""
    ids = [int(part) for part in certificate_ids.split(",") if part]
    services.certificates_bulk_render(bulk_id=bulk_id, certificate_ids=ids)
