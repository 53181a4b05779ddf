"""Read-side queries for programme, module and activity pages and for learning progress."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.models import Page, PageQuerySet

from lms.languages.content import canonical, in_language
from programmes.pages.models import ActivityPage, ModulePage, ProgrammePage

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
    # Translators: the kind of a step of a course module.
    "section": _("Lesson"),
    "scenario": _("Scenario"),
    "quiz": _("Knowledge check"),
    "reflection": _("Reflection"),
}


def programmes_live(*, index: Page) -> PageQuerySet:
    return ProgrammePage.objects.child_of(index).live().public().order_by("path")


def modules_of(*, programme: Page) -> PageQuerySet:
    return ModulePage.objects.child_of(programme).live().public().order_by("path")


def activities_upcoming(*, programme: Page | None = None) -> PageQuerySet:
    qs = canonical(ActivityPage.objects.live().public()).filter(ends_at__gte=timezone.now())
    if programme is not None:
        qs = qs.child_of(programme)
    return qs.order_by("starts_at", "path")


def step_title(child) -> str:
    value = child.value
    title = value.get("title") if hasattr(value, "get") else None
    return title or str(STEP_KIND_LABELS.get(child.block_type, child.block_type))


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
    programmes = canonical(ProgrammePage.objects.live().public()).order_by("title")
    return {"programmes": in_language(programmes), "countries": countries}


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
