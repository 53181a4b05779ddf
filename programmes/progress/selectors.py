"""Read-side queries of learning progress: where one participant stands in a module (steps done,
quiz scores, prerequisites missing) and the overview of every module they started."""

from dataclasses import dataclass, field

from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Value
from wagtail.models import Page, PageQuerySet

from programmes.pages.models import ModulePage, ModulePrerequisite, ProgrammePage
from programmes.pages.selectors import STEP_KIND_LABELS, programme_of, step_title
from programmes.progress.models import ModuleProgress, QuizAttempt, StepProgress


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


def step_states(
    *, module: ModulePage, done_ids: set[str], scores: dict[str, list[int]]
) -> list[StepState]:
    """The module's steps in order, with what this person has done and scored."""
    return [
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


def missing_prerequisites(*, module: ModulePage, user) -> list[ModulePage]:
    """Live prerequisite modules this person has not completed yet (one query)."""
    links = module.prerequisites.all()
    if isinstance(links, QuerySet):
        links = links.select_related("prerequisite")
        if user.is_authenticated:
            links = links.annotate(
                completed=Exists(
                    ModuleProgress.objects.filter(
                        user=user, module=OuterRef("prerequisite"), completed_at__isnull=False
                    )
                )
            )
        links = list(links)
    else:  # an unsaved preview: the links are in memory
        links = list(links)
        done = set()
        if user.is_authenticated and links:
            done = set(
                ModuleProgress.objects.filter(
                    user=user,
                    module_id__in=[link.prerequisite_id for link in links],
                    completed_at__isnull=False,
                ).values_list("module_id", flat=True)
            )
        for link in links:
            link.completed = link.prerequisite_id in done
    return [
        link.prerequisite
        for link in links
        if link.prerequisite.live and not getattr(link, "completed", False)
    ]


def module_state(*, module: ModulePage, user) -> ModuleState:
    """Everything a module page needs to show one participant where they stand."""
    progress = None
    done_ids: set[str] = set()
    scores: dict[str, list[int]] = {}
    # A new page previewed before its first save has no progress yet.
    if user.is_authenticated and module.pk is not None:
        progress = ModuleProgress.objects.filter(user=user, module=module).first()
        if progress is not None:
            # Steps done and quiz scores in one round trip; a step row has no score.
            done_rows = (
                StepProgress.objects.filter(progress=progress)
                .order_by()
                .values_list("step_id", Value(None, output_field=IntegerField()))
            )
            quiz_rows = (
                QuizAttempt.objects.filter(progress=progress)
                .order_by()
                .values_list("step_id", "score")
            )
            for step_id, score in done_rows.union(quiz_rows, all=True):
                if score is None:
                    done_ids.add(step_id)
                else:
                    scores.setdefault(step_id, []).append(score)
    steps = step_states(module=module, done_ids=done_ids, scores=scores)
    return ModuleState(
        module=module,
        steps=steps,
        progress=progress,
        missing_prerequisites=missing_prerequisites(module=module, user=user),
        authenticated=user.is_authenticated,
    )


def _children_of_any(queryset: PageQuerySet, parents: list[Page]) -> PageQuerySet:
    if not parents:
        return queryset.none()

    condition = Q()
    for parent in parents:
        condition |= Q(path__startswith=parent.path, depth=parent.depth + 1)
    return queryset.filter(condition)


@dataclass
class ProgrammeLearning:
    programme: ProgrammePage
    modules: list[ModuleState]

    @property
    def started(self) -> list[ModuleState]:
        return [state for state in self.modules if state.started]

    @property
    def not_started(self) -> list[ModuleState]:
        return [state for state in self.modules if not state.started]


def learning_overview(*, user) -> list[ProgrammeLearning]:
    """Every programme in which `user` has started a module, with the state of each of its
    modules, in a fixed number of queries (module_state() per module would cost several queries
    each)."""
    if not user.is_authenticated:
        return []
    progress_rows = list(
        ModuleProgress.objects.filter(user=user)
        .select_related("module")
        .prefetch_related("steps", "quiz_attempts")
    )
    if not progress_rows:
        return []
    started_modules = [row.module for row in progress_rows]
    programmes = sorted(
        {p.pk: p for p in programme_of(pages=started_modules).values() if p.live}.values(),
        key=lambda p: p.path,
    )
    modules = list(
        _children_of_any(ModulePage.objects.live().public(), programmes).order_by("path")
    )
    progress_by_module = {row.module_id: row for row in progress_rows}
    completed = {row.module_id for row in progress_rows if row.completed_at}

    missing: dict[int, list[ModulePage]] = {}
    for link in ModulePrerequisite.objects.filter(module__in=modules).select_related(
        "prerequisite"
    ):
        if link.prerequisite.live and link.prerequisite_id not in completed:
            missing.setdefault(link.module_id, []).append(link.prerequisite)

    states: dict[str, list[ModuleState]] = {}
    for module in modules:
        progress = progress_by_module.get(module.pk)
        done_ids: set[str] = set()
        scores: dict[str, list[int]] = {}
        if progress is not None:
            done_ids = {step.step_id for step in progress.steps.all()}
            for attempt in progress.quiz_attempts.all():
                scores.setdefault(attempt.step_id, []).append(attempt.score)
        steps = step_states(module=module, done_ids=done_ids, scores=scores)
        parent_path = module.path[: -Page.steplen]
        states.setdefault(parent_path, []).append(
            ModuleState(
                module=module,
                steps=steps,
                progress=progress,
                missing_prerequisites=missing.get(module.pk, []),
                authenticated=True,
            )
        )

    return [
        ProgrammeLearning(programme=programme, modules=states.get(programme.path, []))
        for programme in programmes
        if states.get(programme.path)
    ]
