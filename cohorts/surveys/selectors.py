"""Read side of surveys in cohorts: which surveys and whose answers a member of staff may see,
and how many of those invited have answered."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from cohorts.places.models import Cohort
from cohorts.places.selectors import cohort_is_admin, cohorts_managed_by
from cohorts.surveys.models import SurveyInvitation, SurveyTarget
from lms.languages.content import canonical
from programmes.models import SurveyPage
from programmes.surveys.results import survey_respondents


def surveys_visible_to(user) -> QuerySet[SurveyPage]:
    """Programme admins see every survey; presidency staff the surveys sent to their cohorts."""
    if not user.is_authenticated:
        return SurveyPage.objects.none()
    qs = canonical(SurveyPage.objects.all()).order_by("title", "pk")
    if cohort_is_admin(user):
        return qs
    managed = cohorts_managed_by(user).values("pk")
    return qs.filter(Q(targets__cohort__in=managed) | Q(invitations__cohort__in=managed)).distinct()


@dataclass
class Scope:
    """Whose answers a results page shows: `cohort_ids` None means every answer (admins
    only); a list means the answers that came through those cohorts."""

    cohorts: list[Cohort]
    chosen: Cohort | None
    cohort_ids: list[int] | None
    everything_allowed: bool

    @property
    def label(self) -> str:
        return self.chosen.title if self.chosen else _("All respondents")


def survey_scope(user, survey: SurveyPage, cohort_param: str = "") -> Scope | None:
    """The cohorts of this survey that `user` may read, and the one chosen; None when the user
    may read none of its answers."""
    cohort_ids = set(
        SurveyTarget.objects.filter(survey=survey, cohort__isnull=False).values_list(
            "cohort_id", flat=True
        )
    ) | set(
        SurveyInvitation.objects.filter(survey=survey, cohort__isnull=False).values_list(
            "cohort_id", flat=True
        )
    )
    is_admin = cohort_is_admin(user)
    allowed = cohorts_managed_by(user).filter(pk__in=cohort_ids).order_by("-starts_on", "title")
    cohorts = list(allowed)
    chosen = next((c for c in cohorts if str(c.pk) == str(cohort_param or "")), None)
    if is_admin:
        return Scope(
            cohorts=cohorts,
            chosen=chosen,
            cohort_ids=[chosen.pk] if chosen else None,
            everything_allowed=True,
        )
    if not cohorts:
        return None
    chosen = chosen or cohorts[0]
    return Scope(cohorts=cohorts, chosen=chosen, cohort_ids=[chosen.pk], everything_allowed=False)


@dataclass
class Rate:
    """The response rate compares like with like: of the people invited, how many answered.
    `responses` counts every response in scope, also those that came without an invitation of
    this survey (recorded before invitations were sent, or collected elsewhere), shown apart."""

    invited: int
    answered: int
    responses: int | None = None

    @property
    def percent(self) -> float | None:
        return round(100 * self.answered / self.invited, 1) if self.invited else None

    @property
    def without_invitation(self) -> int:
        return max((self.responses or 0) - self.answered, 0)


def survey_response_rate(survey: SurveyPage, *, cohort_ids=None) -> Rate:
    qs = SurveyInvitation.objects.filter(survey=survey, sent_at__isnull=False)
    if cohort_ids is not None:
        qs = qs.filter(cohort_id__in=cohort_ids)
    counts = qs.aggregate(
        invited=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False))
    )
    return Rate(
        invited=counts["invited"] or 0,
        answered=counts["answered"] or 0,
        responses=survey_respondents(survey, cohort_ids=cohort_ids),
    )


def survey_targets_for(user, survey: SurveyPage) -> list[SurveyTarget]:
    qs = SurveyTarget.objects.filter(survey=survey).select_related("cohort", "activity", "module")
    if not cohort_is_admin(user):
        qs = qs.filter(cohort__in=cohorts_managed_by(user).values("pk"))
    targets = list(qs)
    counts = {
        row["target_id"]: row
        for row in SurveyInvitation.objects.filter(target__in=targets)
        .values("target_id")
        .annotate(
            invited=Count("pk", filter=Q(sent_at__isnull=False)),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
        )
    }
    for target in targets:
        row = counts.get(target.pk, {})
        target.rate = Rate(invited=row.get("invited", 0), answered=row.get("answered", 0))
    return targets


def target_can_send(user, target: SurveyTarget) -> bool:
    if cohort_is_admin(user):
        return True
    return bool(target.cohort_id) and cohorts_managed_by(user).filter(pk=target.cohort_id).exists()


def survey_invitations_open_for(*, user, now) -> list[SurveyInvitation]:
    """A person's invitations still waiting for an answer, in surveys that are still open."""
    if not user.is_authenticated:
        return []
    return list(
        SurveyInvitation.objects.filter(
            user=user, answered_at__isnull=True, sent_at__isnull=False, survey__live=True
        )
        .filter(Q(survey__closes_at__isnull=True) | Q(survey__closes_at__gt=now))
        .select_related("survey", "cohort")
        .order_by("sent_at", "pk")
    )
