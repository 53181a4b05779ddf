"""Domain events: `emit` writes an outbox row in the caller's transaction and queues dispatch on
commit; dispatch records each (event, handler) delivery once, retries failures with back-off,
and a periodic sweeper picks up anything left undelivered."""

import logging
import traceback
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from lms.events import catalogue
from lms.events.models import Delivery, Event
from lms.jobs import enqueue_on_commit

logger = logging.getLogger(__name__)

Handler = Callable[[Event], None]

MAX_ATTEMPTS = 8
# Events younger than this are left to their own on-commit dispatch by the sweeper.
SWEEP_GRACE = timedelta(seconds=30)

_handlers: dict[str, dict[str, Handler]] = defaultdict(dict)


def register(event_name: str, handler: Handler, *, name: str | None = None) -> None:
    """Subscribe `handler` to the declared event `event_name`. The apps' handlers come from the
    catalogue (`handlers_register`); tests register their own on events they declare."""
    catalogue.collect().event_type(event_name)
    handler_name = name or f"{handler.__module__}.{handler.__qualname__}"
    _handlers[event_name][handler_name] = handler


def handlers_register() -> None:
    """Subscribe every handler of the catalogue under its stable name; from LmsConfig.ready()."""
    for declared in catalogue.collect().handlers:
        register(declared.event, import_string(declared.func), name=declared.name)


def handlers_for(event_name: str) -> dict[str, Handler]:
    return dict(_handlers.get(event_name, {}))


def emit(name: str, *, key: str, payload: dict | None = None) -> Event:
    """Record event `name` once per `key`; a repeated key returns the existing row unchanged.
    Raises catalogue.UndeclaredEvent for a name or a payload key the catalogue does not declare."""
    catalogue.collect().payload_check(name, payload or {})
    event = Event(name=name, key=key, payload=payload or {}, created_at=timezone.now())
    event.pk = _insert_once(event)
    if event.pk is None:
        return Event.objects.get(key=key)
    enqueue_on_commit("lms.tasks.event_dispatch_task", event.pk)
    return event


def _insert_once(event: Event) -> int | None:
    """INSERT … ON CONFLICT (key) DO NOTHING RETURNING id (PostgreSQL and SQLite ≥ 3.35): one
    round trip, where a savepoint around a plain insert costs three — and services emit while
    they hold a lock on places."""
    quote = connection.ops.quote_name
    fields = [Event._meta.get_field(name) for name in ("name", "key", "payload", "created_at")]
    values = [field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields]
    # Quoted identifiers only in the text; the values are parameters.
    sql = (
        f"INSERT INTO {quote(Event._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote('key')}) DO NOTHING RETURNING {quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    return row[0] if row else None


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the n-th failed attempt: 30 s, 1 min, 2 min ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


FINAL = (Delivery.Status.DONE, Delivery.Status.DEAD)


def failure_keep(row, *, error: BaseException, max_attempts: int, now) -> None:
    """Keep a failed attempt's error on an outbox row (a delivery or an e-mail) and schedule the
    next try with back-off, or give up once `max_attempts` are spent. Both rows share the
    `failed` / `dead` statuses and the attempts / last_error / next_attempt_at fields."""
    row.last_error = "".join(traceback.format_exception(error))[-4000:]
    if row.attempts >= max_attempts:
        row.status = "dead"
        row.next_attempt_at = None
    else:
        row.status = "failed"
        row.next_attempt_at = now + retry_delay(row.attempts)


def event_dispatch(*, event_id: int) -> None:
    """Run every handler of the event that has not yet succeeded, each in its own transaction;
    the transaction of the last handler also marks the event dispatched when all are final."""
    event = Event.objects.filter(pk=event_id, dispatched_at__isnull=True).first()
    if event is None:
        return
    handlers = list(handlers_for(event.name).items())
    if not handlers:
        _mark_dispatched(event)
        return
    all_final = True
    for position, (handler_name, handler) in enumerate(handlers, start=1):
        last = position == len(handlers)
        try:
            with transaction.atomic(durable=True):
                status = _deliver(event=event, handler_name=handler_name, handler=handler)
                all_final = all_final and status in FINAL
                if all_final and last:
                    _mark_dispatched(event)
        except _HandlerFailed as failure:
            # The handler's writes were rolled back with its transaction; record why.
            with transaction.atomic(durable=True):
                status = _record_failure(
                    event=event, handler_name=handler_name, error=failure.__cause__
                )
                all_final = all_final and status in FINAL
                if all_final and last:
                    _mark_dispatched(event)


class _HandlerFailed(Exception):
    pass


def _mark_dispatched(event: Event) -> None:
    Event.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now()
    )


def _locked_delivery(*, event: Event, handler_name: str) -> Delivery:
    # Insert-if-absent, then lock: a concurrent worker waits here until this one commits.
    Delivery.objects.bulk_create(
        [Delivery(event=event, handler=handler_name)], ignore_conflicts=True
    )
    return Delivery.objects.select_for_update().get(event=event, handler=handler_name)


DELIVERY_FIELDS = [
    "attempts",
    "started_at",
    "status",
    "last_error",
    "next_attempt_at",
    "completed_at",
]


def _deliver(*, event: Event, handler_name: str, handler: Handler) -> str:
    """One handler's delivery inside the caller's transaction; a failing handler raises
    _HandlerFailed so that the whole transaction, the handler's writes included, rolls back."""
    delivery = _locked_delivery(event=event, handler_name=handler_name)
    now = timezone.now()
    if delivery.status in FINAL:
        return delivery.status
    if delivery.next_attempt_at and delivery.next_attempt_at > now:
        return delivery.status
    try:
        handler(event)
    except Exception as exc:
        raise _HandlerFailed from exc
    delivery.attempts += 1
    delivery.started_at = delivery.started_at or now
    delivery.status = Delivery.Status.DONE
    delivery.completed_at = timezone.now()
    delivery.next_attempt_at = None
    delivery.save(update_fields=DELIVERY_FIELDS)
    return delivery.status


def _record_failure(*, event: Event, handler_name: str, error: BaseException) -> str:
    logger.warning("handler %s failed on %s: %s", handler_name, event, error)
    delivery = _locked_delivery(event=event, handler_name=handler_name)
    if delivery.status in FINAL:  # another worker succeeded meanwhile
        return delivery.status
    now = timezone.now()
    delivery.attempts += 1
    delivery.started_at = delivery.started_at or now
    failure_keep(delivery, error=error, max_attempts=MAX_ATTEMPTS, now=now)
    delivery.save(update_fields=DELIVERY_FIELDS)
    return delivery.status


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
