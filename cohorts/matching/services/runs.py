"""Matching runs: requested by staff, run as a job that reports its progress, adjusted by hand,
re-matched after drop-outs and published to participants. The search itself is the pure
algorithm in cohorts.matching.algorithm."""

import logging
import secrets
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from wagtail.log_actions import log

from cohorts.errors import CohortsError
from cohorts.matching import algorithm as matching
from cohorts.matching.models import MatchingRun, MatchingRunState, PeerGroup, PeerGroupMember
from cohorts.matching.selectors import (
    RULE_LABELS,
    participant_of,
    person_of,
    pool_enrolments,
    pool_of,
    published_groups,
    run_total_violations,
)
from cohorts.matching.services.params import (
    DEFAULT_TIME_LIMIT,
    SEED_MAX,
    explanation_sentences_stored,
    groups_explain,
    params_build,
    run_rules,
    run_weights,
)
from cohorts.places.models import CONFIRMED, Cohort, Enrolment
from cohorts.places.selectors import cohort_can_manage
from lms.events import emit
from lms.jobs import enqueue
from lms.models import Event

logger = logging.getLogger(__name__)

# The status row is written at most this often while the search runs (besides each new stage).
PROGRESS_EVERY = 0.5


def _allowed(actor, cohort: Cohort) -> None:
    if actor is None or not cohort_can_manage(actor, cohort):
        raise CohortsError("forbidden", _("You do not manage this cohort."))


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
        # Stored in English; the pages translate this fixed note when they show it.
        progress_note=gettext_noop("waiting for the job to start"),
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
        raise CohortsError(
            "bad_seed",
            _("The seed must be a whole number from 0 to %(max)s.") % {"max": SEED_MAX},
        )
    pool = {e.pk for e in pool_of(cohort)}
    if len(pool) < 2:
        raise CohortsError(
            "too_few", _("At least two accepted participants are needed to form peer groups.")
        )
    for key in ("pinned", "forbidden"):
        if any(eid not in pool for pair in params[key] for eid in pair):
            raise CohortsError(
                "bad_pair", _("A pair names someone who is not an accepted participant.")
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
            raise CohortsError("not_done", _("Only a finished run can be re-matched."))
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

    enqueue("cohorts.tasks.matching_run_task", run.pk)
    return True


# A run still waiting for its job this long after it was asked for lost that job (a broker can
# drop a task): the sweeper queues it again.
SWEEP_AFTER_SECONDS = 60


def matching_run_stalled(run: MatchingRun) -> bool:
    """Whether a run has stalled: still waiting to start well after it was asked for, or
    "running" longer than any job may run (the job cluster stops a job at its timeout)."""
    now = timezone.now()
    if run.state == MatchingRunState.REQUESTED:
        wait = int(getattr(settings, "MATCHING_SWEEP_AFTER_SECONDS", SWEEP_AFTER_SECONDS))
        return run.created_at <= now - timedelta(seconds=wait)
    if run.state == MatchingRunState.RUNNING:
        return run.started_at is not None and run.started_at < _stale_before()
    return False


def matching_runs_sweep(*, limit: int = 100) -> int:
    """Queue again the runs whose job was lost (see `matching_run_stalled`); a run whose job was
    only late claims nothing twice: the job takes a run only while it is waiting or stale."""
    wait = int(getattr(settings, "MATCHING_SWEEP_AFTER_SECONDS", SWEEP_AFTER_SECONDS))
    now = timezone.now()
    ids = list(
        MatchingRun.objects.filter(
            Q(state=MatchingRunState.REQUESTED, created_at__lte=now - timedelta(seconds=wait))
            | Q(state=MatchingRunState.RUNNING, started_at__lt=_stale_before())
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for run_id in ids:
        enqueue("cohorts.tasks.matching_run_task", run_id)
    return len(ids)


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
            progress_note=gettext_noop("starting"),
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
    people = {str(e.pk): participant_of(e, day) for e in enrolments}
    if len(people) < 2:
        # Stored as the run's error in English; the pages translate it when they show it.
        raise CohortsError(
            "too_few", gettext_noop("Fewer than two accepted participants are left to match.")
        )
    params = run.params
    rules = run_rules(params, set(people))
    participants = list(people.values())
    if params.get("previous") is not None:
        previous = [[str(eid) for eid in group] for group in params["previous"]]
        result = matching.rematch(
            participants,
            previous,
            weights=run_weights(params),
            rules=rules,
            time_limit=float(params.get("time_limit", DEFAULT_TIME_LIMIT)),
            progress=progress,
        )
    else:
        result = matching.match(
            participants,
            group_size=int(params["group_size"]),
            weights=run_weights(params),
            rules=rules,
            seed=int(run.seed),
            time_limit=float(params.get("time_limit", DEFAULT_TIME_LIMIT)),
            mode=params.get("mode", "auto"),
            progress=progress,
        )
    progress(99, gettext_noop("checking rules"))
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
    run.explanation = groups_explain(groups, people, result)


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
        locked.progress_note = gettext_noop("failed")
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
        str(e.pk): participant_of(e, day)
        for e in pool_enrolments().filter(pk__in=ids, cohort=run.cohort).order_by("pk")
    }
    as_text = [[str(eid) for eid in group if str(eid) in people] for group in groups]
    result = matching.evaluate(
        list(people.values()),
        as_text,
        weights=run_weights(run.params),
        rules=run_rules(run.params, set(people)),
    )
    return result, people


def matching_run_move(*, run: MatchingRun, enrolment_id: int, to_group: int, actor) -> MatchingRun:
    """Staff move one person to another group (numbered from 1); the score, the rule checks and
    the explanation are worked out again for the groups as they now stand."""
    _allowed(actor, run.cohort)
    with transaction.atomic(durable=True):
        run = MatchingRun.objects.select_for_update().select_related("cohort").get(pk=run.pk)
        if run.state != MatchingRunState.DONE:
            raise CohortsError("not_done", _("Only a finished run can be adjusted."))
        groups = [list(group) for group in run.groups]
        source = next((g for g, members in enumerate(groups) if enrolment_id in members), None)
        if source is None:
            raise CohortsError("not_in_run", _("That person is not in this run's groups."))
        if not 1 <= to_group <= len(groups):
            raise CohortsError(
                "bad_group", _("Choose a group from 1 to %(count)s.") % {"count": len(groups)}
            )
        target = to_group - 1
        if target == source:
            raise CohortsError(
                "same_group",
                _("That person is already in group %(number)s.") % {"number": to_group},
            )
        if len(groups[source]) == 1:
            raise CohortsError(
                "empty_group",
                _("Group %(number)s would be empty: move someone into it first.")
                % {"number": source + 1},
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
            raise CohortsError("not_done", _("Only a finished run can be published."))
        broken = run_total_violations(run)
        if broken and not accept_violations:
            raise CohortsError(
                "violations",
                ngettext(
                    "These groups break %(count)s rule check. "
                    "Confirm that you publish them anyway, or adjust them first.",
                    "These groups break %(count)s rule checks. "
                    "Confirm that you publish them anyway, or adjust them first.",
                    broken,
                )
                % {"count": broken},
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
                person_of(e, cohort.starts_on).name for e in pool_enrolments().filter(pk__in=gone)
            )
            if names:
                text = ngettext(
                    "%(count)s person in these groups no longer holds a place (%(names)s): "
                    "re-match first, so that the groups are checked without them.",
                    "%(count)s people in these groups no longer hold a place (%(names)s): "
                    "re-match first, so that the groups are checked without them.",
                    len(gone),
                )
            else:
                text = ngettext(
                    "%(count)s person in these groups no longer holds a place: "
                    "re-match first, so that the groups are checked without them.",
                    "%(count)s people in these groups no longer hold a place: "
                    "re-match first, so that the groups are checked without them.",
                    len(gone),
                )
            raise CohortsError("stale", text % {"count": len(gone), "names": names})
        before = {frozenset(group) for group in published_groups(cohort)}
        PeerGroup.objects.filter(cohort=cohort).delete()
        explanations = {entry.get("number"): entry for entry in run.explanation or []}
        members = []
        for number, group in enumerate(groups, start=1):
            entry = dict(explanations.get(number, {}))
            entry["summary"] = explanation_sentences_stored(entry, run.params) if entry else []
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
