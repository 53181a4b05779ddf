"""Thin django-q2 tasks of cohorts: load by id, call the service."""

from cohorts import services


def offers_expire_task() -> int:
    return services.offers_expire()
