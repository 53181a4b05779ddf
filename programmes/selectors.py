"""Read-side queries for programme, module and activity pages and for learning progress."""

from dataclasses import dataclass, field

from django.utils import timezone
from wagtail.models import Page, PageQuerySet

from programmes.models import (
    ActivityPage,
    ModulePage,
    ModuleProgress,
    ProgrammePage,
    QuizAttempt,
)

STEP_KIND_LABELS = {
    "section": "Lesson",
    "scenario": "Scenario",
    "quiz": "Knowledge check",
    "reflection": "Reflection",
}


def programmes_live(*, index: Page) -> PageQuerySet:
    return ProgrammePage.objects.child_of(index).live().public().order_by("path")


def modules_of(*, programme: Page) -> PageQuerySet:
    return ModulePage.objects.child_of(programme).live().public().order_by("path")


def activities_upcoming(*, programme: Page | None = None) -> PageQuerySet:
    qs = ActivityPage.objects.live().public().filter(ends_at__gte=timezone.now())
    if programme is not None:
        qs = qs.child_of(programme)
    return qs.order_by("starts_at", "path")


@dataclass
class StepState:
    id: str
    index: int
    kind: str
    title: str
    done: bool
    best_score: int | None = None
    attempts: int = 0

    @property
    def kind_label(self) -> str:
        return STEP_KIND_LABELS.get(self.kind, self.kind)

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass
class ModuleState:
    module: ModulePage
    steps: list[StepState]
    progress: ModuleProgress | None = None
    missing_prerequisites: list[ModulePage] = field(default_factory=list)
    authenticated: bool = False

    @property
    def done_count(self) -> int:
        return sum(1 for step in self.steps if step.done)

    @property
    def percent(self) -> int:
        if not self.steps:
            return 100 if self.completed else 0
        return round(100 * self.done_count / len(self.steps))

    @property
    def completed(self) -> bool:
        return bool(self.progress and self.progress.completed_at)

    @property
    def locked(self) -> bool:
        return bool(self.missing_prerequisites)

    @property
    def started(self) -> bool:
        return self.progress is not None

    @property
    def next_step(self) -> StepState | None:
        """Where to resume: the first step not yet done, else the last one visited."""
        for step in self.steps:
            if not step.done:
                return step
        if self.progress and self.progress.last_step_id:
            for step in self.steps:
                if step.id == self.progress.last_step_id:
                    return step
        return self.steps[0] if self.steps else None

    def step(self, step_id: str) -> StepState | None:
        return next((step for step in self.steps if step.id == step_id), None)

    def neighbours(self, step_id: str) -> tuple[StepState | None, StepState | None]:
        ids = [step.id for step in self.steps]
        if step_id not in ids:
            return None, None
        i = ids.index(step_id)
        return (
            self.steps[i - 1] if i > 0 else None,
            self.steps[i + 1] if i + 1 < len(ids) else None,
        )


def step_title(child) -> str:
    value = child.value
    title = value.get("title") if hasattr(value, "get") else None
    return title or STEP_KIND_LABELS.get(child.block_type, child.block_type)


def missing_prerequisites(*, module: ModulePage, user) -> list[ModulePage]:
    required = [
        link.prerequisite
        for link in module.prerequisites.select_related("prerequisite").all()
        if link.prerequisite.live
    ]
    if not required:
        return []
    if not user.is_authenticated:
        return required
    done = set(
        ModuleProgress.objects.filter(
            user=user, module__in=required, completed_at__isnull=False
        ).values_list("module_id", flat=True)
    )
    return [module for module in required if module.pk not in done]


def module_state(*, module: ModulePage, user) -> ModuleState:
    """Everything a module page needs to show one participant where they stand."""
    progress = None
    done_ids: set[str] = set()
    scores: dict[str, list[int]] = {}
    if user.is_authenticated:
        progress = ModuleProgress.objects.filter(user=user, module=module).first()
        if progress is not None:
            done_ids = set(progress.steps.values_list("step_id", flat=True))
            for step_id, score in QuizAttempt.objects.filter(progress=progress).values_list(
                "step_id", "score"
            ):
                scores.setdefault(step_id, []).append(score)
    steps = [
        StepState(
            id=child.id,
            index=i,
            kind=child.block_type,
            title=step_title(child),
            done=child.id in done_ids,
            best_score=max(scores[child.id]) if child.id in scores else None,
            attempts=len(scores.get(child.id, [])),
        )
        for i, child in enumerate(module.lessons)
    ]
    return ModuleState(
        module=module,
        steps=steps,
        progress=progress,
        missing_prerequisites=missing_prerequisites(module=module, user=user),
        authenticated=user.is_authenticated,
    )
