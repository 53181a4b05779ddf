"""Read-side queries for programme, module and activity pages and for learning progress."""

from dataclasses import dataclass, field

from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Value
from django.utils import timezone
from wagtail import hooks
from wagtail.models import Page, PageQuerySet

from programmes.pages.models import ActivityPage, ModulePage, ModulePrerequisite, ProgrammePage
from programmes.progress.models import ModuleProgress, QuizAttempt, StepProgress

# Hooks through which a higher layer (cohorts) extends programme pages without programmes
# importing it. Panel hooks return HTML (or ""): programme and activity panels are called with
# (request, page), My learning panels with (request). They must render the same for every
# anonymous visitor, whose pages are cached. The learner hook is called with (user) and returns
# {activity id: LearnerPlace} (or {activity id: place confirmed}); only a confirmed place
# reveals an activity's online link.
PROGRAMME_PAGE_PANELS_HOOK = "bsr_programme_page_panels"
ACTIVITY_PAGE_PANELS_HOOK = "bsr_activity_page_panels"
MY_LEARNING_PANELS_HOOK = "bsr_my_learning_panels"
LEARNER_ACTIVITY_IDS_HOOK = "bsr_learner_activity_ids"

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


# --- Activities listing and My learning ---------------------------------------------------------


def activities_listed(
    *,
    programme_id: int | None = None,
    kind: str | None = None,
    country: str | None = None,
    month_start=None,
    month_end=None,
) -> PageQuerySet:
    """Live, public, not yet ended activities, filtered; `month_start`/`month_end` (aware
    datetimes) keep the activities that overlap that span."""
    qs = activities_upcoming()
    if programme_id is not None:
        programme = ProgrammePage.objects.filter(pk=programme_id).first()
        if programme is None:
            return qs.none()
        qs = qs.child_of(programme)
    if kind:
        qs = qs.filter(kind=kind)
    if country:
        qs = qs.filter(venue_country=country)
    if month_start is not None and month_end is not None:
        qs = qs.filter(starts_at__lt=month_end, ends_at__gte=month_start)
    return qs


def activity_filter_options() -> dict:
    """What the listing's filters offer: programmes and countries that have upcoming
    activities."""
    upcoming = activities_upcoming()
    countries = sorted({code for code in upcoming.values_list("venue_country", flat=True) if code})
    programmes = ProgrammePage.objects.live().public().order_by("title")
    return {"programmes": list(programmes), "countries": countries}


def programme_of(*, pages: list[Page]) -> dict[int, ProgrammePage]:
    """The programme (parent page) of each page, in one query: {page id: programme}."""
    steplen = Page.steplen
    parent_paths = {page.path[:-steplen] for page in pages}
    programmes = {p.path: p for p in ProgrammePage.objects.filter(path__in=parent_paths)}
    return {
        page.pk: programmes[page.path[:-steplen]]
        for page in pages
        if page.path[:-steplen] in programmes
    }


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


@dataclass(frozen=True)
class LearnerPlace:
    """Where a person stands at one activity: "confirmed", "offered" (answer by a date) or
    "pending" (held, not yet confirmed: a nomination, a guardian's consent)."""

    status: str

    @property
    def confirmed(self) -> bool:
        return self.status == "confirmed"

    @property
    def rank(self) -> int:
        return PLACE_RANKS.get(self.status, 0)


PLACE_RANKS = {"pending": 1, "offered": 2, "confirmed": 3}


def learner_activity_places(*, user) -> dict[int, LearnerPlace]:
    """{activity id: LearnerPlace} for every activity where `user` has or is offered a place,
    as the registered hooks report it (activity registrations and cohort places live above);
    the best standing wins when two report the same activity."""
    places: dict[int, LearnerPlace] = {}
    if not user.is_authenticated:
        return places
    for hook in hooks.get_hooks(LEARNER_ACTIVITY_IDS_HOOK):
        found = hook(user=user) or {}
        if not isinstance(found, dict):
            found = dict.fromkeys(found, False)
        for activity_id, place in found.items():
            if not isinstance(place, LearnerPlace):
                place = LearnerPlace("confirmed" if place else "pending")
            current = places.get(activity_id)
            if current is None or place.rank > current.rank:
                places[activity_id] = place
    return places


def activities_of_learner(*, user) -> list[ActivityPage]:
    """The live, public, not yet ended activities where `user` has a place or an offer of one,
    in date order; each carries `place` (a LearnerPlace) and `place_confirmed`."""
    places = learner_activity_places(user=user)
    if not places:
        return []
    activities = list(activities_upcoming().filter(pk__in=list(places)))
    for activity in activities:
        activity.place = places[activity.pk]
        activity.place_confirmed = activity.place.confirmed
    return activities
