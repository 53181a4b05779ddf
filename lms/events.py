"""Domain events: `emit` writes an outbox row in the caller's transaction and queues dispatch on
commit; dispatch records each (event, handler) delivery once, retries failures with back-off,
and a periodic sweeper picks up anything left undelivered."""

import logging
import traceback
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from lms.jobs import enqueue
from lms.models import Delivery, Event

logger = logging.getLogger(__name__)

Handler = Callable[[Event], None]

MAX_ATTEMPTS = 8
# Events younger than this are left to their own on-commit dispatch by the sweeper.
SWEEP_GRACE = timedelta(seconds=30)

_handlers: dict[str, dict[str, Handler]] = defaultdict(dict)


def register(event_name: str, handler: Handler, *, name: str | None = None) -> None:
    """Subscribe `handler` to `event_name`; call from an AppConfig.ready()."""
    handler_name = name or f"{handler.__module__}.{handler.__qualname__}"
    _handlers[event_name][handler_name] = handler


def handlers_for(event_name: str) -> dict[str, Handler]:
    return dict(_handlers.get(event_name, {}))


def emit(name: str, *, key: str, payload: dict | None = None) -> Event:
    """Record event `name` once per `key`; a repeated key returns the existing row unchanged."""
    try:
        with transaction.atomic():
            event = Event.objects.create(name=name, key=key, payload=payload or {})
    except IntegrityError:
        return Event.objects.get(key=key)
    transaction.on_commit(lambda: enqueue("lms.tasks.event_dispatch_task", event.pk))
    return event


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the n-th failed attempt: 30 s, 1 min, 2 min ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def event_dispatch(*, event_id: int) -> None:
    """Run every handler of the event that has not yet succeeded; each in its own transaction."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None or event.dispatched_at is not None:
        return
    for handler_name, handler in handlers_for(event.name).items():
        _deliver(event=event, handler_name=handler_name, handler=handler)
    _mark_dispatched_if_final(event=event)


def _deliver(*, event: Event, handler_name: str, handler: Handler) -> None:
    with transaction.atomic(durable=True):
        Delivery.objects.get_or_create(event=event, handler=handler_name)
        delivery = Delivery.objects.select_for_update().get(event=event, handler=handler_name)
        now = timezone.now()
        if delivery.status in (Delivery.Status.DONE, Delivery.Status.DEAD):
            return
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return
        delivery.attempts += 1
        delivery.started_at = delivery.started_at or now
        try:
            with transaction.atomic():
                handler(event)
        except Exception as exc:
            logger.warning("handler %s failed on %s: %s", handler_name, event, exc)
            delivery.last_error = "".join(traceback.format_exception(exc))[-4000:]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = Delivery.Status.DEAD
                delivery.next_attempt_at = None
            else:
                delivery.status = Delivery.Status.FAILED
                delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        else:
            delivery.status = Delivery.Status.DONE
            delivery.completed_at = timezone.now()
            delivery.next_attempt_at = None
        delivery.save()


def _mark_dispatched_if_final(*, event: Event) -> None:
    names = set(handlers_for(event.name))
    final = set(
        Delivery.objects.filter(
            event=event, status__in=[Delivery.Status.DONE, Delivery.Status.DEAD]
        ).values_list("handler", flat=True)
    )
    if names <= final:
        Event.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(
            dispatched_at=timezone.now()
        )


def event_sweep(*, limit: int = 500) -> int:
    """Re-dispatch events left undelivered (lost enqueue, crashed worker, failed handler due)."""
    cutoff = timezone.now() - SWEEP_GRACE
    ids = list(
        Event.objects.filter(dispatched_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for event_id in ids:
        event_dispatch(event_id=event_id)
    return len(ids)
