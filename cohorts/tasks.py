"""Thin django-q2 tasks of cohorts: load by id, call the service."""

from cohorts import services


def offers_expire_task() -> int:
    return services.offers_expire()


def pending_consents_release_task() -> int:
    from cohorts.consent import pending_consents_release

    return pending_consents_release()


def matching_run_task(run_id: int) -> None:
    from cohorts import peergroups

    peergroups.matching_run_execute(run_id=run_id)
