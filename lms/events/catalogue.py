"""The event catalogue: every domain event is declared once, with the payload keys it may carry,
the services that emit it and the handlers that react to it.

Each app declares its part in `<app>/event_types.py` (`EVENTS` and `HANDLERS`, plain data that
imports nothing heavy); `collect()` gathers them at start, `emit()` refuses a name or a payload
key that is not declared, and `docs/events.md` is generated from here (`manage.py events_doc`).

A handler's `name` is what `Delivery.handler` stores: it must never change once deliveries may
have been recorded under it, or an event delivered before an upgrade would be handled again.
"""

from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule


class UndeclaredEvent(LookupError):
    """An event name or payload key that the catalogue does not know."""


@dataclass(frozen=True)
class EventType:
    name: str
    about: str
    payload: tuple[str, ...]
    emitted_by: tuple[str, ...]
    # Keys only some emits carry (e.g. `cohort_id` or `activity_id`, whichever the place is for).
    optional: tuple[str, ...] = ()

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self.payload) | frozenset(self.optional)


@dataclass(frozen=True)
class Handler:
    event: str
    # Stable: stored in Delivery.handler (the dotted paths of the layout the first deliveries
    # were recorded under, so they need not match `func`).
    name: str
    # Dotted path of the callable, imported when handlers are registered.
    func: str
    does: str


@dataclass
class Catalogue:
    events: dict[str, EventType] = field(default_factory=dict)
    handlers: list[Handler] = field(default_factory=list)

    def declare(self, *event_types: EventType) -> None:
        for event_type in event_types:
            if event_type.name in self.events:
                raise ValueError(f"event {event_type.name!r} is declared twice")
            self.events[event_type.name] = event_type

    def handle(self, *handlers: Handler) -> None:
        for handler in handlers:
            if handler.event not in self.events:
                raise UndeclaredEvent(
                    f"handler {handler.name!r} listens to {handler.event!r}, "
                    "which no app declares in its event_types module"
                )
            if any(h.event == handler.event and h.name == handler.name for h in self.handlers):
                raise ValueError(f"handler {handler.name!r} is declared twice on {handler.event!r}")
            self.handlers.append(handler)

    def event_type(self, name: str) -> EventType:
        try:
            return self.events[name]
        except KeyError:
            raise UndeclaredEvent(
                f"event {name!r} is not declared: add it to the emitting app's event_types "
                "module (tests declare theirs with the `event_declare` fixture)"
            ) from None

    def payload_check(self, name: str, payload: dict) -> None:
        event_type = self.event_type(name)
        unknown = set(payload) - event_type.keys
        if unknown:
            raise UndeclaredEvent(
                f"event {name!r} does not declare the payload key(s) {', '.join(sorted(unknown))}"
            )

    def handlers_of(self, name: str) -> list[Handler]:
        return [handler for handler in self.handlers if handler.event == name]


catalogue = Catalogue()
_collected = False


def collect() -> Catalogue:
    """Gather every installed app's `event_types` module, in INSTALLED_APPS order (which is
    also the order their handlers run in); later calls return the same catalogue. Events are
    declared before any handler is added, so an app may handle an event of a later app."""
    global _collected
    if not _collected:
        modules = [
            import_module(f"{config.name}.event_types")
            for config in apps.get_app_configs()
            if module_has_submodule(config.module, "event_types")
        ]
        for module in modules:
            catalogue.declare(*module.EVENTS)
        for module in modules:
            catalogue.handle(*getattr(module, "HANDLERS", ()))
        _collected = True
    return catalogue


_APPS = {
    "lms": "Kernel (accounts, guardian consent, privacy)",
    "programmes": "Programmes",
    "cohorts": "Cohorts",
    "certificates": "Certificates",
}


def markdown(declared: Catalogue) -> str:
    """docs/events.md: every event with its payload, emitters and handlers, grouped by app."""
    lines = [
        "# Domain events",
        "",
        "Generated from the event catalogue (`lms/events/catalogue.py` and each app's",
        "`event_types.py`) by `manage.py events_doc`; do not edit by hand. `make lint` fails",
        "when this file differs from the catalogue.",
        "",
        "A service emits an event inside its transaction (one outbox row per idempotency key);",
        "after commit every handler runs once, in the order below, and its delivery is recorded",
        "under the handler's name. Handler names are stored and never change, which is why some",
        "are the dotted paths of an earlier layout. Payloads hold ids only; keys in *italics*",
        "are carried by some emits only.",
        "",
    ]
    by_app: dict[str, list[EventType]] = {}
    for event_type in declared.events.values():
        by_app.setdefault(event_type.name.split(".")[0], []).append(event_type)
    for app, event_types in by_app.items():
        lines += [f"## {_APPS.get(app, app)}", ""]
        for event_type in sorted(event_types, key=lambda e: e.name):
            keys = [f"`{key}`" for key in event_type.payload]
            keys += [f"*`{key}`*" for key in event_type.optional]
            lines += [
                f"### `{event_type.name}`",
                "",
                event_type.about,
                "",
                f"- Payload: {', '.join(keys) or 'none'}",
                "- Emitted by: " + "; ".join(event_type.emitted_by),
            ]
            handlers = declared.handlers_of(event_type.name)
            if not handlers:
                lines += ["- Handled by: nobody (the outbox row is the record)", ""]
                continue
            lines += ["- Handled by:"]
            lines += [
                f"  - `{handler.name}` (`{handler.func}`): {handler.does}" for handler in handlers
            ]
            lines.append("")
    return "\n".join(lines)
