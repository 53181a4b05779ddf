"""Read-side queries of matching: the pool of a cohort and its people as the pages show them,
a cohort's runs and published groups, how a run differs from the pool now, and a participant's
own peer groups."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from cohorts.matching import algorithm as matching
from cohorts.matching.models import MatchingRun, PeerGroup, PeerGroupMember
from cohorts.places.models import CONFIRMED, Cohort, Enrolment
from lms.ages import is_minor_on
from lms.models import Gender, Language, Level, Sector

RULE_LABELS = {
    "size": gettext_lazy("Group sizes differ by at most one"),
    "organisation": gettext_lazy("No two people from one organisation in a group"),
    "countries": gettext_lazy("Each group has the minimum number of countries"),
    "isolation": gettext_lazy(
        "Nobody is the only young person (or the only one of a protected kind)"
    ),
    "pinned": gettext_lazy("People who must be together are together"),
    "forbidden": gettext_lazy("People who must be apart are apart"),
}

# The fixed notes and errors a run stores in its status row, in English, for whoever reads the
# page later: each is marked with gettext_noop where it is produced (cohorts.matching.services
# and the algorithm's solvers) and translated here when shown. Notes with figures in them
# ("loading 13 participants", "searching: restart 2 of about 8", "done: …") stay in English.
STORED_TEXTS = frozenset(
    {
        "waiting for the job to start",
        "starting",
        "proving the fewest rule breaks",
        "searching for the most diverse groups",
        "placing newcomers",
        "repairing broken rules",
        "checking rules",
        "failed",
        "Fewer than two accepted participants are left to match.",
    }
)


def stored_text(text: str) -> str:
    """A run's stored progress note or error in the reader's language, when it is one of the
    fixed texts; any other text as it was stored."""
    return _(text) if text in STORED_TEXTS else text


@dataclass(frozen=True)
class PoolPerson:
    """One participant of a run as the pages show them."""

    enrolment_id: int
    name: str
    email: str
    country: str
    country_name: str
    organisation: str
    sector: str
    level: str
    gender: str
    youth: bool
    state: str


def _label(choices, value: str) -> str:
    return str(dict(choices.choices).get(value, value)) if value else ""


def country_name(code: str) -> str:
    return (countries.name(code) or code) if code else ""


def value_label(attribute: str, value: str) -> str:
    """“Finland”, “Fire and rescue”, “National” for a stored value."""
    if attribute == "country":
        return country_name(value)
    choices = {"sector": Sector, "level": Level, "gender": Gender, "language": Language}.get(
        attribute
    )
    return _label(choices, value) if choices else value


def _youth(enrolment: Enrolment, day: date) -> bool:
    """A young participant for the "nobody alone among adults" rule: a minor on `day`, the
    cohort's first day (a fixed day, so that repeating a run gives the same groups)."""
    profile = getattr(enrolment.user, "profile", None)
    born = profile.date_of_birth if profile is not None else None
    return is_minor_on(on=day, birth_date=born)


def participant_of(enrolment: Enrolment, day: date) -> matching.Participant:
    profile = getattr(enrolment.user, "profile", None)
    language = profile.preferred_language if profile is not None else ""
    return matching.Participant(
        id=str(enrolment.pk),
        country=str(enrolment.country or ""),
        sector=enrolment.sector or "",
        level=enrolment.level or "",
        gender=enrolment.gender or "",
        languages=(language,) if language else (),
        organisation=str(enrolment.organisation_id or ""),
        youth=_youth(enrolment, day),
    )


def pool_enrolments():
    """Enrolments with what the pool and its people read loaded."""
    return Enrolment.objects.select_related("user__profile", "organisation")


def pool_of(cohort: Cohort) -> list[Enrolment]:
    """The people a run matches: the cohort's confirmed participants, in a fixed order."""
    return list(pool_enrolments().filter(cohort=cohort, state__in=CONFIRMED).order_by("pk"))


def person_of(enrolment: Enrolment, day: date) -> PoolPerson:
    profile = getattr(enrolment.user, "profile", None)
    # Peers see this name: never fall back to an e-mail address.
    name = (
        (profile.full_name if profile is not None else "")
        or enrolment.user.get_full_name()
        or _("A participant")
    )
    code = str(enrolment.country or "")
    return PoolPerson(
        enrolment_id=enrolment.pk,
        name=name,
        email=enrolment.user.email,
        country=code,
        country_name=country_name(code),
        organisation=enrolment.organisation.name if enrolment.organisation else "",
        sector=enrolment.get_sector_display() if enrolment.sector else "",
        level=enrolment.get_level_display() if enrolment.level else "",
        gender=enrolment.get_gender_display() if enrolment.gender else "",
        youth=_youth(enrolment, day),
        state=enrolment.state,
    )


def people_of_run(run: MatchingRun) -> dict[int, PoolPerson]:
    """Everyone in a run's groups (whatever their state now), by enrolment id."""
    ids = {eid for group in run.groups for eid in group}
    day = run.cohort.starts_on
    return {
        e.pk: person_of(e, day) for e in pool_enrolments().filter(pk__in=ids, cohort=run.cohort)
    }


def runs_of(cohort: Cohort) -> list[MatchingRun]:
    return list(
        MatchingRun.objects.filter(cohort=cohort)
        .select_related("requested_by__profile", "published_by__profile", "based_on")
        .order_by("-number")
    )


def run_of(cohort: Cohort, number: int) -> MatchingRun | None:
    return (
        MatchingRun.objects.filter(cohort=cohort, number=number)
        .select_related("cohort", "requested_by__profile", "published_by__profile", "based_on")
        .first()
    )


def published_run_id(cohort: Cohort) -> int | None:
    return PeerGroup.objects.filter(cohort=cohort).values_list("run_id", flat=True).first()


def published_groups(cohort: Cohort) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    rows = PeerGroupMember.objects.filter(group__cohort=cohort).order_by(
        "group__number", "enrolment_id"
    )
    for number, enrolment_id in rows.values_list("group__number", "enrolment_id"):
        groups.setdefault(number, []).append(enrolment_id)
    return [groups[n] for n in sorted(groups)]


def run_sizes(run: MatchingRun) -> str:
    """“3 × 5, 1 × 6”: how many groups of each size."""
    counts = Counter(len(group) for group in run.groups)
    return ", ".join(f"{counts[size]} × {size}" for size in sorted(counts))


def run_violations(run: MatchingRun) -> dict[str, int]:
    return {
        rule: int((run.violations or {}).get("by_rule", {}).get(rule, 0)) for rule in RULE_LABELS
    }


def run_total_violations(run: MatchingRun) -> int:
    return sum(run_violations(run).values())


def run_seconds(run: MatchingRun) -> float | None:
    if run.started_at and run.finished_at:
        return (run.finished_at - run.started_at).total_seconds()
    return None


@dataclass
class PoolChanges:
    """How a run's groups differ from the cohort's confirmed participants now."""

    left: list[PoolPerson]  # in the groups, no longer holding a place
    newcomers: list[PoolPerson]  # holding a place, in no group

    @property
    def any(self) -> bool:
        return bool(self.left or self.newcomers)


def pool_changes(run: MatchingRun, people: dict[int, PoolPerson] | None = None) -> PoolChanges:
    people = people if people is not None else people_of_run(run)
    in_groups = {eid for group in run.groups for eid in group}
    left = [p for eid, p in people.items() if p.state not in CONFIRMED]
    left += [
        PoolPerson(
            eid, _("enrolment %(id)s") % {"id": eid}, "", "", "", "", "", "", "", False, "deleted"
        )
        for eid in sorted(in_groups - set(people))
    ]
    day = run.cohort.starts_on
    newcomers = [
        person_of(e, day)
        for e in pool_enrolments()
        .filter(cohort=run.cohort, state__in=CONFIRMED)
        .exclude(pk__in=in_groups)
        .order_by("pk")
    ]
    return PoolChanges(left=sorted(left, key=lambda p: p.name), newcomers=newcomers)


@dataclass
class MyPeerGroup:
    cohort: Cohort
    number: int
    peers: list[PoolPerson]


def peer_groups_of(*, user) -> list[MyPeerGroup]:
    """`user`'s published peer groups, one per cohort where they hold a place, with the peers
    who still hold theirs."""
    if not user.is_authenticated:
        return []
    mine = list(
        PeerGroupMember.objects.filter(
            enrolment__user=user, enrolment__state__in=CONFIRMED
        ).select_related("group__cohort__programme", "enrolment")
    )
    result = []
    for membership in mine:
        group = membership.group
        peers = [
            person_of(m.enrolment, group.cohort.starts_on)
            for m in PeerGroupMember.objects.filter(group=group, enrolment__state__in=CONFIRMED)
            .exclude(enrolment__user=user)
            .select_related("enrolment__user__profile", "enrolment__organisation")
            .order_by("enrolment__country", "enrolment_id")
        ]
        result.append(MyPeerGroup(cohort=group.cohort, number=group.number, peers=peers))
    return sorted(result, key=lambda g: (g.cohort.starts_on, g.cohort.title))
