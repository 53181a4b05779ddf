"""Thin django-q2 tasks of certificates: load by id, call the service."""

from certificates import services


def certificate_render_task(certificate_id: int) -> None:
    services.certificate_render(certificate_id=certificate_id)


def certificates_sweep_task() -> int:
    return services.certificates_sweep()


def bulk_issue_task(bulk_id: int) -> None:
    try:
        services.certificates_bulk_run(bulk_id=bulk_id)
    except Exception as exc:
        services.certificates_bulk_fail(
            bulk_id=bulk_id, error=f"The bulk issue stopped: {type(exc).__name__}: {exc}"
        )
        raise


def bulk_render_chunk_task(bulk_id: int, certificate_ids: str) -> None:
    """`certificate_ids` is a comma-separated list: queue arguments stay ids and strings."""
    ids = [int(part) for part in certificate_ids.split(",") if part]
    services.certificates_bulk_render(bulk_id=bulk_id, certificate_ids=ids)
