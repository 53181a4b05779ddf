"""Builders for activity and module pages and for a participant's progress, shared by the
activity, calendar and My learning tests."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import factory

from programmes.models import ActivityKind, ActivityPage, ModulePage, ModuleProgress, StepProgress
from tests.programmes.conftest import _ChildPageFactory


def local(text: str, tz: str = "Europe/Riga") -> datetime:
    """An aware datetime from 'YYYY-MM-DD HH:MM' wall-clock time in `tz`."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


class ActivityPageFactory(_ChildPageFactory):
    class Meta:
        model = ActivityPage

    title = factory.Sequence(lambda n: f"Storm Surge Table-top {n}")
    slug = factory.Sequence(lambda n: f"storm-surge-table-top-{n}")
    kind = ActivityKind.TABLETOP
    summary = "Rescue services of Latvia and Estonia rehearse a cross-border storm surge."
    starts_at = factory.LazyFunction(lambda: local("2030-01-15 09:00"))
    ends_at = factory.LazyFunction(lambda: local("2030-01-17 16:00"))
    time_zone = "Europe/Riga"
    venue_name = "Latvian State Fire and Rescue Service College"
    venue_city = "Rīga"
    venue_country = "LV"


def lessons(*titles: str) -> str:
    """A module's lessons as stored JSON: one section step per title, ids 'step-1', 'step-2'..."""
    return json.dumps(
        [
            {
                "type": "section",
                "id": f"step-{i}",
                "value": {
                    "title": title,
                    "content": [{"type": "paragraph", "value": f"<p>{title}</p>", "id": f"p{i}"}],
                },
            }
            for i, title in enumerate(titles, start=1)
        ]
    )


class ModulePageFactory(_ChildPageFactory):
    class Meta:
        model = ModulePage

    title = factory.Sequence(lambda n: f"Cross-border Cooperation {n}")
    slug = factory.Sequence(lambda n: f"cross-border-cooperation-{n}")
    summary = "Who calls whom when a disaster crosses a border."
    estimated_minutes = 40
    lessons = factory.LazyFunction(
        lambda: lessons("Why cooperate", "The Sendai Framework", "Requesting assistance", "Wrap-up")
    )


def record_progress(*, user, module: ModulePage, done: list[str], completed=None):
    progress = ModuleProgress.objects.create(
        user=user, module=module, last_step_id=done[-1] if done else "", completed_at=completed
    )
    for step_id in done:
        StepProgress.objects.create(progress=progress, step_id=step_id)
    return progress
