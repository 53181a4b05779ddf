"""Enqueueing background jobs through django-q2 with one broker per process, and the registry of
periodic schedules that every app contributes to."""

import logging
import threading
from dataclasses import dataclass

from django.db import transaction
from django_q.brokers import Broker, get_broker
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.tasks import async_task

logger = logging.getLogger(__name__)

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


class JobsUnavailable(Exception):
    """The broker refused a job (Redis down, database gone): nothing was queued."""


def enqueue(func: str, *args: int | str, task_name: str | None = None) -> None:
    """Queue `func` (a dotted path) with ids and strings only: no personal data in queue tables.
    Raises JobsUnavailable when the broker cannot take it."""
    q_options: dict = {"task_name": task_name} if task_name else {}
    if Conf.SYNC:
        # The task runs here and now (tests): its own errors must reach the caller as they are.
        async_task(func, *args, q_options={"broker": broker(), **q_options})
        return
    try:
        async_task(func, *args, q_options={"broker": broker(), **q_options})
    except Exception as exc:
        raise JobsUnavailable(f"could not queue {func}: {exc!r}") from exc


def enqueue_on_commit(func: str, *args: int | str, task_name: str | None = None) -> None:
    """Queue `func` once the current transaction commits. By then the change is saved and the
    person must be told it worked, so a broker that refuses the job is logged, never raised (which
    would also skip the other on-commit hooks): the rows the job would act on are already
    committed, and the sweeper that owns them queues the work again."""

    def queue() -> None:
        try:
            enqueue(func, *args, task_name=task_name)
        except JobsUnavailable as exc:
            logger.warning(
                "Job %s for %s not queued, left to the sweeper: %s",
                func,
                ", ".join(map(str, args)) or "-",
                exc.__cause__ or exc,
            )

    transaction.on_commit(queue)


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
