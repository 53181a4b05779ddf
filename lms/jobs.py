"""Enqueueing background jobs through django-q2 with one broker per process, and the registry of
periodic schedules that every app contributes to."""

import threading
from dataclasses import dataclass

from django_q.brokers import Broker, get_broker
from django_q.models import Schedule
from django_q.tasks import async_task

_broker: Broker | None = None
_broker_lock = threading.Lock()


def broker() -> Broker:
    """One broker object per process: building one per enqueue costs a connection each time."""
    global _broker
    if _broker is None:
        with _broker_lock:
            if _broker is None:
                _broker = get_broker()
    return _broker


def enqueue(func: str, *args: int | str, task_name: str | None = None) -> None:
    """Queue `func` (a dotted path) with ids and strings only: no personal data in queue tables."""
    q_options = {"broker": broker()}
    if task_name:
        q_options["task_name"] = task_name
    async_task(func, *args, q_options=q_options)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: str
    minutes: int


_periodic: dict[str, PeriodicJob] = {}


def register_periodic(*, name: str, func: str, minutes: int) -> None:
    _periodic[name] = PeriodicJob(name=name, func=func, minutes=minutes)


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_periodic.values(), key=lambda job: job.name)


def schedules_ensure(**_kwargs) -> None:
    """Create or update every registered schedule; safe to run on each migrate."""
    for job in periodic_jobs():
        Schedule.objects.update_or_create(
            name=job.name,
            defaults={
                "func": job.func,
                "schedule_type": Schedule.MINUTES,
                "minutes": job.minutes,
                "repeats": -1,
            },
        )
