"""Peer groups of a cohort: matching runs (requested by staff, run as a job that reports its
progress, compared side by side), staff adjustments, re-matching after drop-outs and publication
to participants. The search itself is the pure algorithm in cohorts.matching."""

import logging
import secrets
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_countries import countries
from wagtail.log_actions import log

from cohorts.errors import CohortsError
from cohorts.matching import algorithm as matching
from cohorts.matching.models import MatchingRun, MatchingRunState, PeerGroup, PeerGroupMember
from cohorts.places.models import CONFIRMED, Cohort, Enrolment
from cohorts.places.selectors import cohort_can_manage
from lms.ages import is_minor_on
from lms.events import emit
from lms.models import Event, Gender, Language, Level, Sector

logger = logging.getLogger(__name__)

# Who counts as a young participant for the "nobody alone among adults" rule: younger than this
# on the cohort's first day (a fixed day, so that repeating a run gives the same groups).
MODES = {
    "auto": "Automatic: exact for up to 40 people, fast above",
    "exact": "Exact: proves the best grouping (small cohorts)",
    "fast": "Fast: a local search (large cohorts)",
}
WEIGHTED_ATTRIBUTES = {
    "country": "Country",
    "sector": "Sector",
    "level": "Level",
    "gender": "Gender",
    "language": "Preferred language",
}
# Attributes whose values may be protected by "nobody may be the only one in a group".
LONE_ATTRIBUTES = ("country", "sector", "level", "gender")
RULE_LABELS = {
    "size": "Group sizes differ by at most one",
    "organisation": "No two people from one organisation in a group",
    "countries": "Each group has the minimum number of countries",
    "isolation": "Nobody is the only young person (or the only one of a protected kind)",
    "pinned": "People who must be together are together",
    "forbidden": "People who must be apart are apart",
}
RULE_SHORT = {
    "size": "Sizes",
    "organisation": "Organisations",
    "countries": "Countries",
    "isolation": "Alone",
    "pinned": "Together",
    "forbidden": "Apart",
}
# What a broken rule means inside one group, for its explanation.
RELAXED_TEXT = {
    "size": "its size differs from another group's by more than one",
    "organisation": "{n} more from an organisation already in the group",
    "countries": "{n} country short of the minimum",
    "isolation": "{n} person alone of their kind (young participant or protected value)",
    "pinned": "{n} must-be-together pair split",
    "forbidden": "{n} keep-apart pair in the group",
}
MIN_GROUP_SIZE = 2
MAX_GROUP_SIZE = 30
MAX_TIME_LIMIT = 120
DEFAULT_TIME_LIMIT = 5
MAX_WEIGHT = 10
SEED_MAX = 2**31 - 1  # CP-SAT takes a 32-bit seed
# The status row is written at most this often while the search runs (besides each new stage).
PROGRESS_EVERY = 0.5


# --- parameters -------------------------------------------------------------------------------


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
    return dict(choices.choices).get(value, value) if value else ""


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


def params_build(
    *,
    group_size: int,
    weights: dict | None = None,
    min_countries: int = 0,
    separate_organisations: bool = True,
    no_lone_youth: bool = True,
    no_lone: Iterable[Sequence[str]] = (),
    pinned: Iterable[Sequence[int]] = (),
    forbidden: Iterable[Sequence[int]] = (),
    mode: str = "auto",
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> dict:
    """The stored parameters of a run, checked; a bad value raises CohortsError."""
    if isinstance(group_size, bool) or not isinstance(group_size, int):
        raise CohortsError("bad_group_size", "The group size must be a whole number.")
    if not MIN_GROUP_SIZE <= group_size <= MAX_GROUP_SIZE:
        raise CohortsError(
            "bad_group_size",
            f"The group size must be between {MIN_GROUP_SIZE} and {MAX_GROUP_SIZE}.",
        )
    clean_weights = {}
    for attribute, weight in (weights or dict(matching.DEFAULT_WEIGHTS)).items():
        if attribute not in WEIGHTED_ATTRIBUTES:
            raise CohortsError("bad_weight", f"“{attribute}” cannot be weighted.")
        try:
            value = float(weight)
        except (TypeError, ValueError):
            raise CohortsError("bad_weight", "Weights must be numbers.") from None
        if not 0 <= value <= MAX_WEIGHT:
            raise CohortsError("bad_weight", f"Weights must be between 0 and {MAX_WEIGHT}.")
        clean_weights[attribute] = value
    if not any(clean_weights.values()):
        raise CohortsError("bad_weight", "Give at least one attribute a weight above 0.")
    if not 0 <= int(min_countries) <= len(countries):
        raise CohortsError("bad_min_countries", "The minimum number of countries is too large.")
    if mode not in MODES:
        raise CohortsError("bad_mode", "Choose automatic, exact or fast.")
    if not 1 <= float(time_limit) <= MAX_TIME_LIMIT:
        raise CohortsError(
            "bad_time_limit", f"The time limit must be between 1 and {MAX_TIME_LIMIT} seconds."
        )
    lone = []
    for attribute, value in no_lone:
        if attribute not in LONE_ATTRIBUTES or not value:
            raise CohortsError("bad_no_lone", f"“{attribute}” cannot be protected.")
        lone.append([attribute, str(value)])
    return {
        "group_size": group_size,
        "weights": clean_weights,
        "min_countries": int(min_countries),
        "separate_organisations": bool(separate_organisations),
        "no_lone_youth": bool(no_lone_youth),
        "no_lone": sorted(lone),
        "pinned": _pairs(pinned, "together"),
        "forbidden": _pairs(forbidden, "apart"),
        "mode": mode,
        "time_limit": float(time_limit),
    }


def _pairs(pairs: Iterable[Sequence[int]], what: str) -> list[list[int]]:
    clean = []
    for pair in pairs:
        a, b = (int(x) for x in pair)
        if a == b:
            raise CohortsError("bad_pair", f"A pair kept {what} names one person twice.")
        clean.append(sorted([a, b]))
    return sorted(clean)


def _rules(params: dict, present: set[str]) -> matching.Rules:
    """The hard rules of a run; pairs naming someone who has left are dropped."""

    def kept(key: str) -> tuple[tuple[str, str], ...]:
        return tuple(
            (str(a), str(b))
            for a, b in params.get(key, [])
            if str(a) in present and str(b) in present
        )

    return matching.Rules(
        min_countries=int(params.get("min_countries", 0)),
        separate_organisations=bool(params.get("separate_organisations", True)),
        no_lone_youth=bool(params.get("no_lone_youth", True)),
        no_lone=tuple((a, v) for a, v in params.get("no_lone", [])),
        pinned=kept("pinned"),
        forbidden=kept("forbidden"),
    )


def _weights(params: dict) -> dict[str, float]:
    return {a: float(w) for a, w in (params.get("weights") or matching.DEFAULT_WEIGHTS).items()}


# --- the pool ---------------------------------------------------------------------------------


def _youth(enrolment: Enrolment, day: date) -> bool:
    profile = getattr(enrolment.user, "profile", None)
    born = profile.date_of_birth if profile is not None else None
    return is_minor_on(on=day, birth_date=born)


def _participant(enrolment: Enrolment, day: date) -> matching.Participant:
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


def _enrolments():
    return Enrolment.objects.select_related("user__profile", "organisation")


def pool_of(cohort: Cohort) -> list[Enrolment]:
    """The people a run matches: the cohort's confirmed participants, in a fixed order."""
    return list(_enrolments().filter(cohort=cohort, state__in=CONFIRMED).order_by("pk"))


def person_of(enrolment: Enrolment, day: date) -> PoolPerson:
    profile = getattr(enrolment.user, "profile", None)
    # Peers see this name: never fall back to an e-mail address.
    name = (
        (profile.full_name if profile is not None else "")
        or enrolment.user.get_full_name()
        or "A participant"
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
    return {e.pk: person_of(e, day) for e in _enrolments().filter(pk__in=ids, cohort=run.cohort)}


# --- selectors for the pages ------------------------------------------------------------------


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
        PoolPerson(eid, f"enrolment {eid}", "", "", "", "", "", "", "", False, "deleted")
        for eid in sorted(in_groups - set(people))
    ]
    day = run.cohort.starts_on
    newcomers = [
        person_of(e, day)
        for e in _enrolments()
        .filter(cohort=run.cohort, state__in=CONFIRMED)
        .exclude(pk__in=in_groups)
        .order_by("pk")
    ]
    return PoolChanges(left=sorted(left, key=lambda p: p.name), newcomers=newcomers)


# --- explanations -----------------------------------------------------------------------------


def _explain(
    groups: list[list[str]], people: dict[str, matching.Participant], result: matching.MatchResult
) -> list[dict]:
    """Per group: what it holds, how close each attribute comes to the most it could hold, and
    which rules it relaxes."""
    pool_values = {
        attribute: {p.value(attribute) for p in people.values()} - {""}
        for attribute in ("country", "sector", "level")
    }
    entries = []
    for index, members in enumerate(groups):
        persons = [people[pid] for pid in members if pid in people]
        entry = {"number": index + 1, "size": len(persons)}
        for attribute, key in (
            ("country", "countries"),
            ("sector", "sectors"),
            ("level", "levels"),
        ):
            present = sorted({p.value(attribute) for p in persons} - {""})
            entry[key] = present
            entry[f"{key}_possible"] = min(len(persons), len(pool_values[attribute]))
        organisations = [p.organisation for p in persons if p.organisation]
        entry["organisations"] = len(set(organisations))
        entry["youth"] = sum(1 for p in persons if p.youth)
        relaxed = result.explanations[index].relaxed if index < len(result.explanations) else {}
        entry["relaxed"] = {rule: int(n) for rule, n in relaxed.items()}
        entries.append(entry)
    return entries


def explanation_sentences(entry: dict, params: dict) -> list[str]:
    """Why a group is as it is, in words."""
    sentences = []
    for key, attribute, noun in (
        ("countries", "country", "countries"),
        ("sectors", "sector", "sectors"),
        ("levels", "level", "levels"),
    ):
        present = entry.get(key, [])
        possible = entry.get(f"{key}_possible", len(present))
        names = ", ".join(value_label(attribute, v) for v in present) or "not recorded"
        if len(present) >= possible:
            note = "as many as the group and the cohort allow"
        else:
            note = f"of at most {possible} possible"
        sentences.append(f"{len(present)} {noun} ({names}): {note}.")
    if params.get("separate_organisations", True) and "organisation" not in entry.get(
        "relaxed", {}
    ):
        sentences.append("No two people from the same organisation.")
    minimum = int(params.get("min_countries", 0))
    if minimum and "countries" not in entry.get("relaxed", {}):
        sentences.append(f"Meets the minimum of {minimum} countries.")
    youth = entry.get("youth", 0)
    if youth:
        sentences.append(
            f"{youth} young participant{'s' if youth != 1 else ''}"
            + (", so nobody is the only one." if youth > 1 else ".")
        )
    for rule, n in entry.get("relaxed", {}).items():
        text = RELAXED_TEXT.get(rule, rule).format(n=n)
        sentences.append(f"Rule relaxed — {RULE_LABELS.get(rule, rule).lower()}: {text}.")
    return sentences


# --- writing helpers --------------------------------------------------------------------------


def _allowed(actor, cohort: Cohort) -> None:
    if actor is None or not cohort_can_manage(actor, cohort):
        raise CohortsError("forbidden", "You do not manage this cohort.")


def _audit(cohort: Cohort, action: str, actor, **data) -> None:
    log(
        instance=cohort,
        action=f"cohorts.matching.{action}",
        user=actor if actor is not None and actor.is_authenticated else None,
        data=data,
    )


def _run_create(*, cohort: Cohort, actor, params: dict, seed: int, based_on=None) -> MatchingRun:
    # The cohort row serialises numbering: two staff starting runs at once get 4 and 5.
    Cohort.objects.select_for_update().filter(pk=cohort.pk).values_list("pk").first()
    last = MatchingRun.objects.filter(cohort=cohort).aggregate(n=Max("number"))["n"] or 0
    run = MatchingRun.objects.create(
        cohort=cohort,
        number=last + 1,
        params=params,
        seed=seed,
        based_on=based_on,
        requested_by=actor,
        progress_note="waiting for the job to start",
    )
    emit(
        "cohorts.matching.requested",
        key=f"cohorts.matching.requested:{run.pk}",
        payload={"run_id": run.pk, "cohort_id": cohort.pk},
    )
    return run


# --- services ---------------------------------------------------------------------------------


def matching_run_request(
    *,
    cohort: Cohort,
    actor,
    group_size: int,
    weights: dict | None = None,
    min_countries: int = 0,
    separate_organisations: bool = True,
    no_lone_youth: bool = True,
    no_lone: Iterable[Sequence[str]] = (),
    pinned: Iterable[Sequence[int]] = (),
    forbidden: Iterable[Sequence[int]] = (),
    seed: int | None = None,
    mode: str = "auto",
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> MatchingRun:
    """Staff ask for a matching of the cohort's confirmed participants; a job runs it."""
    _allowed(actor, cohort)
    params = params_build(
        group_size=group_size,
        weights=weights,
        min_countries=min_countries,
        separate_organisations=separate_organisations,
        no_lone_youth=no_lone_youth,
        no_lone=no_lone,
        pinned=pinned,
        forbidden=forbidden,
        mode=mode,
        time_limit=time_limit,
    )
    if seed is None:
        seed = secrets.randbelow(SEED_MAX + 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
        raise CohortsError("bad_seed", f"The seed must be a whole number from 0 to {SEED_MAX}.")
    pool = {e.pk for e in pool_of(cohort)}
    if len(pool) < 2:
        raise CohortsError(
            "too_few", "At least two accepted participants are needed to form peer groups."
        )
    for key in ("pinned", "forbidden"):
        if any(eid not in pool for pair in params[key] for eid in pair):
            raise CohortsError(
                "bad_pair", "A pair names someone who is not an accepted participant."
            )
    with transaction.atomic(durable=True):
        run = _run_create(cohort=cohort, actor=actor, params=params, seed=seed)
        _audit(cohort, "request", actor, run=run.number, seed=seed, group_size=group_size)
    return run


def matching_rematch(*, run: MatchingRun, actor) -> MatchingRun:
    """A new run based on `run` after drop-outs and late additions: it keeps the groups and
    restores the rules moving as few people as possible."""
    _allowed(actor, run.cohort)
    with transaction.atomic(durable=True):
        base = MatchingRun.objects.select_related("cohort").get(pk=run.pk)
        if base.state != MatchingRunState.DONE:
            raise CohortsError("not_done", "Only a finished run can be re-matched.")
        params = {**base.params, "previous": [list(group) for group in base.groups]}
        new = _run_create(
            cohort=base.cohort, actor=actor, params=params, seed=base.seed, based_on=base
        )
        _audit(base.cohort, "rematch", actor, run=new.number, based_on=base.number)
    return new


def matching_run_requeue(*, run: MatchingRun, actor) -> bool:
    """Queue a run's job again when it seems lost (the broker dropped it, a worker died).
    A run that is still going ignores the extra job."""
    _allowed(actor, run.cohort)
    run.refresh_from_db(fields=["state"])
    if run.state not in (MatchingRunState.REQUESTED, MatchingRunState.RUNNING):
        return False
    from lms.jobs import enqueue

    enqueue("cohorts.tasks.matching_run_task", run.pk)
    return True


class _ProgressWriter:
    """Writes the search's progress to the status row the run page polls, at most every half
    second (and at each new stage), and only while this job still owns the run."""

    def __init__(self, run_id: int, started_at):
        self.rows = MatchingRun.objects.filter(
            pk=run_id, state=MatchingRunState.RUNNING, started_at=started_at
        )
        self.last_at = 0.0
        self.last_stage = ""
        self.highest = 0

    def __call__(self, percent: int, note: str) -> None:
        stage = note.split(":", 1)[0]
        now = time.monotonic()
        if stage == self.last_stage and now - self.last_at < PROGRESS_EVERY:
            return
        self.last_at, self.last_stage = now, stage
        # A new stage may start its own count at 0; the bar on the page only moves forward.
        self.highest = max(self.highest, min(99, int(percent)))
        self.rows.update(progress=self.highest, progress_note=note[:200])


def _stale_before():
    timeout = int(settings.Q_CLUSTER.get("timeout") or 600)
    return timezone.now() - timedelta(seconds=timeout)


def matching_run_execute(*, run_id: int) -> MatchingRun | None:
    """The job: claim the run, load the pool, search, store the groups with their explanation.
    A finished run is left alone, and so is one another worker is still running."""
    started_at = timezone.now()
    claimed = (
        MatchingRun.objects.filter(pk=run_id)
        .filter(
            Q(state=MatchingRunState.REQUESTED)
            | Q(state=MatchingRunState.RUNNING, started_at__lt=_stale_before())
        )
        .update(
            state=MatchingRunState.RUNNING,
            started_at=started_at,
            progress=0,
            progress_note="starting",
            error="",
        )
    )
    if not claimed:
        return MatchingRun.objects.filter(pk=run_id).first()
    run = MatchingRun.objects.select_related("cohort").get(pk=run_id)
    progress = _ProgressWriter(run.pk, started_at)
    try:
        result, people = _search(run, progress)
    except (matching.MatchingError, CohortsError) as exc:
        return _fail(run, started_at, str(exc))
    except Exception as exc:
        logger.exception("matching run %s failed", run.pk)
        return _fail(run, started_at, f"The search stopped with an unexpected error ({exc!r}).")
    with transaction.atomic(durable=True):
        run = MatchingRun.objects.select_for_update().select_related("cohort").get(pk=run_id)
        if run.state != MatchingRunState.RUNNING or run.started_at != started_at:
            return run  # a later worker took the run over
        _store(run, result, people)
        run.participants = len(people)
        run.moves = result.moves if run.params.get("previous") is not None else None
        run.state = MatchingRunState.DONE
        run.finished_at = timezone.now()
        run.progress = 100
        run.progress_note = _done_note(run, result)
        run.save()
        emit(
            "cohorts.matching.completed",
            key=f"cohorts.matching.completed:{run.pk}",
            payload={"run_id": run.pk, "cohort_id": run.cohort_id},
        )
    return run


def _search(run: MatchingRun, progress) -> tuple[matching.MatchResult, dict]:
    enrolments = pool_of(run.cohort)
    progress(1, f"loading {len(enrolments)} participants")
    day = run.cohort.starts_on
    people = {str(e.pk): _participant(e, day) for e in enrolments}
    if len(people) < 2:
        raise CohortsError("too_few", "Fewer than two accepted participants are left to match.")
    params = run.params
    rules = _rules(params, set(people))
    participants = list(people.values())
    if params.get("previous") is not None:
        previous = [[str(eid) for eid in group] for group in params["previous"]]
        result = matching.rematch(
            participants,
            previous,
            weights=_weights(params),
            rules=rules,
            time_limit=float(params.get("time_limit", DEFAULT_TIME_LIMIT)),
            progress=progress,
        )
    else:
        result = matching.match(
            participants,
            group_size=int(params["group_size"]),
            weights=_weights(params),
            rules=rules,
            seed=int(run.seed),
            time_limit=float(params.get("time_limit", DEFAULT_TIME_LIMIT)),
            mode=params.get("mode", "auto"),
            progress=progress,
        )
    progress(99, "checking rules")
    return result, people


def _store(run: MatchingRun, result: matching.MatchResult, people: dict) -> None:
    groups = [[pid for pid in group] for group in result.groups]
    run.groups = [[int(pid) for pid in group] for group in groups]
    run.score = result.score
    run.upper_bound = result.bound
    run.gap = result.gap
    run.proven_optimal = result.proven_optimal
    searched = run.violations or {}
    # A hand-adjusted run keeps the search that made it: "evaluate" only re-scored it.
    keep = result.mode == "evaluate"
    run.violations = {
        "by_rule": {rule: int(result.violations.get(rule, 0)) for rule in RULE_LABELS},
        "unavoidable": {rule: int(n) for rule, n in result.violation_bounds.items()},
        "notes": list(result.notes),
        "mode": searched.get("mode", "") if keep else result.mode,
        "minimum": searched.get("minimum") if keep else result.minimum_violations,
    }
    run.explanation = _explain(groups, people, result)


def _done_note(run: MatchingRun, result: matching.MatchResult) -> str:
    kind = {"exact": "exact search", "fast": "fast search", "rematch": "re-match"}.get(
        result.mode, result.mode
    )
    note = f"done: {kind} in {result.seconds:.1f} s"
    if result.proven_optimal:
        note += ", proven best"
    if result.mode == "rematch":
        note += f", {result.moves} {'person' if result.moves == 1 else 'people'} moved"
    return note


def _fail(run: MatchingRun, started_at, message: str) -> MatchingRun:
    with transaction.atomic(durable=True):
        locked = MatchingRun.objects.select_for_update().get(pk=run.pk)
        if locked.state != MatchingRunState.RUNNING or locked.started_at != started_at:
            return locked
        locked.state = MatchingRunState.FAILED
        locked.error = message[:4000]
        locked.finished_at = timezone.now()
        locked.progress_note = "failed"
        locked.save(update_fields=["state", "error", "finished_at", "progress_note"])
        emit(
            "cohorts.matching.failed",
            key=f"cohorts.matching.failed:{locked.pk}",
            payload={"run_id": locked.pk, "cohort_id": locked.cohort_id},
        )
    return locked


def _evaluate(run: MatchingRun, groups: list[list[int]]) -> tuple[matching.MatchResult, dict]:
    """Score and check groups as they stand, with the people's attributes from their places."""
    ids = {eid for group in groups for eid in group}
    day = run.cohort.starts_on
    people = {
        str(e.pk): _participant(e, day)
        for e in _enrolments().filter(pk__in=ids, cohort=run.cohort).order_by("pk")
    }
    as_text = [[str(eid) for eid in group if str(eid) in people] for group in groups]
    result = matching.evaluate(
        list(people.values()),
        as_text,
        weights=_weights(run.params),
        rules=_rules(run.params, set(people)),
    )
    return result, people


def matching_run_move(*, run: MatchingRun, enrolment_id: int, to_group: int, actor) -> MatchingRun:
    """Staff move one person to another group (numbered from 1); the score, the rule checks and
    the explanation are worked out again for the groups as they now stand."""
    _allowed(actor, run.cohort)
    with transaction.atomic(durable=True):
        run = MatchingRun.objects.select_for_update().select_related("cohort").get(pk=run.pk)
        if run.state != MatchingRunState.DONE:
            raise CohortsError("not_done", "Only a finished run can be adjusted.")
        groups = [list(group) for group in run.groups]
        source = next((g for g, members in enumerate(groups) if enrolment_id in members), None)
        if source is None:
            raise CohortsError("not_in_run", "That person is not in this run's groups.")
        if not 1 <= to_group <= len(groups):
            raise CohortsError("bad_group", f"Choose a group from 1 to {len(groups)}.")
        target = to_group - 1
        if target == source:
            raise CohortsError("same_group", f"That person is already in group {to_group}.")
        if len(groups[source]) == 1:
            raise CohortsError(
                "empty_group", f"Group {source + 1} would be empty: move someone into it first."
            )
        groups[source].remove(enrolment_id)
        groups[target].append(enrolment_id)
        result, people = _evaluate(run, groups)
        before = run.score
        _store(run, result, people)
        run.groups = groups  # the order staff see, with anyone since gone kept in place
        run.proven_optimal = False
        run.adjustments += 1
        run.save()
        emit(
            "cohorts.matching.adjusted",
            key=f"cohorts.matching.adjusted:{run.pk}:{run.adjustments}",
            payload={
                "run_id": run.pk,
                "cohort_id": run.cohort_id,
                "enrolment_id": enrolment_id,
                "from_group": source + 1,
                "to_group": to_group,
            },
        )
        _audit(
            run.cohort,
            "move",
            actor,
            run=run.number,
            enrolment=enrolment_id,
            from_group=source + 1,
            to_group=to_group,
            score_before=before,
            score=run.score,
        )
    return run


def matching_run_publish(
    *, run: MatchingRun, actor, accept_violations: bool = False
) -> MatchingRun:
    """Make a run's groups the cohort's peer groups, replacing any published before, in one
    transaction; participants whose peers changed are told by e-mail (the event's handler)."""
    _allowed(actor, run.cohort)
    with transaction.atomic(durable=True):
        cohort = Cohort.objects.select_for_update().get(pk=run.cohort_id)
        run = MatchingRun.objects.select_for_update().select_related("cohort").get(pk=run.pk)
        if run.state != MatchingRunState.DONE:
            raise CohortsError("not_done", "Only a finished run can be published.")
        broken = run_total_violations(run)
        if broken and not accept_violations:
            raise CohortsError(
                "violations",
                f"These groups break {broken} rule check{'s' if broken != 1 else ''}. "
                "Confirm that you publish them anyway, or adjust them first.",
            )
        groups = [list(group) for group in run.groups if group]
        ids = [eid for group in groups for eid in group]
        holding = set(
            Enrolment.objects.filter(pk__in=ids, cohort=cohort, state__in=CONFIRMED).values_list(
                "pk", flat=True
            )
        )
        gone = [eid for eid in ids if eid not in holding]
        if gone:
            names = ", ".join(
                person_of(e, cohort.starts_on).name for e in _enrolments().filter(pk__in=gone)
            )
            raise CohortsError(
                "stale",
                f"{len(gone)} {'person' if len(gone) == 1 else 'people'} in these groups no "
                f"longer {'holds' if len(gone) == 1 else 'hold'} a place"
                + (f" ({names})" if names else "")
                + ": re-match first, so that the groups are checked without them.",
            )
        before = {frozenset(group) for group in published_groups(cohort)}
        PeerGroup.objects.filter(cohort=cohort).delete()
        explanations = {entry.get("number"): entry for entry in run.explanation or []}
        members = []
        for number, group in enumerate(groups, start=1):
            entry = dict(explanations.get(number, {}))
            entry["summary"] = explanation_sentences(entry, run.params) if entry else []
            peer_group = PeerGroup.objects.create(
                cohort=cohort, run=run, number=number, explanation=entry
            )
            members += [PeerGroupMember(group=peer_group, enrolment_id=eid) for eid in group]
        PeerGroupMember.objects.bulk_create(members)
        # People whose group is exactly as before need no second e-mail.
        notify = sorted(eid for group in groups if frozenset(group) not in before for eid in group)
        prefix = f"cohorts.peergroups.published:{run.pk}:"
        publication = Event.objects.filter(key__startswith=prefix).count() + 1
        run.published_at = timezone.now()
        run.published_by = actor
        run.save(update_fields=["published_at", "published_by"])
        emit(
            "cohorts.peergroups.published",
            key=f"{prefix}{publication}",
            payload={
                "cohort_id": cohort.pk,
                "run_id": run.pk,
                "publication": publication,
                "published_at": run.published_at.isoformat(),
                "notify": notify,
            },
        )
        _audit(
            cohort,
            "publish",
            actor,
            run=run.number,
            groups=len(groups),
            people=len(ids),
            broken_rules=broken,
        )
    return run


# --- the participant's side -------------------------------------------------------------------


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
