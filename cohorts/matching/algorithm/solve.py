"""The entry points of matching: match, evaluate and re-match (keeping as many people in their
groups as the rules allow)."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence

from django.utils.translation import gettext_noop

from cohorts.matching.algorithm.base import (
    EXACT_MAX_PARTICIPANTS,
    GroupExplanation,
    MatchingError,
    MatchResult,
    Participant,
    Progress,
    Rules,
    group_count,
    group_sizes,
    quiet,
)
from cohorts.matching.algorithm.exact import solve_exact
from cohorts.matching.algorithm.problem import (
    Problem,
    diversity_bound,
    groups_score,
    violation_bounds,
)
from cohorts.matching.algorithm.search import SearchState, solve_fast

# The default: no rule beyond the group size (Rules is frozen, so one instance serves all).
NO_RULES = Rules()


def _result(
    p: Problem,
    grp: list[int],
    *,
    mode: str,
    proven: bool,
    minimum: int | None,
    started: float,
    moved: list[str] | None = None,
) -> MatchResult:
    score, violations, relaxed = groups_score(p, grp)
    bound = diversity_bound(p)
    bounds, _total, notes = violation_bounds(p)
    members: list[list[int]] = [[] for _ in range(p.k)]
    for i, g in enumerate(grp):
        members[g].append(i)
    explanations = [
        GroupExplanation(
            index=g,
            members=[p.ids[i] for i in mem],
            countries=sorted({p.people[i].country for i in mem}),
            sectors=sorted({p.people[i].sector for i in mem}),
            levels=sorted({p.people[i].level for i in mem}),
            relaxed=relaxed[g],
        )
        for g, mem in enumerate(members)
    ]
    return MatchResult(
        groups=[e.members for e in explanations],
        score=score,
        bound=bound,
        gap=(bound - score) / bound if bound > 0 else 0.0,
        violations=violations,
        violation_bounds=bounds,
        notes=notes,
        mode=mode,
        proven_optimal=proven,
        minimum_violations=minimum,
        seconds=time.perf_counter() - started,
        explanations=explanations,
        moves=len(moved or []),
        moved=moved or [],
    )


def match(
    participants: Sequence[Participant],
    *,
    group_size: int,
    weights: Mapping[str, float] | None = None,
    rules: Rules = NO_RULES,
    seed: int = 0,
    time_limit: float = 2.0,
    mode: str = "auto",
    progress: Progress | None = None,
) -> MatchResult:
    """Split participants into groups of about `group_size`. Mode "exact" proves the optimum
    with CP-SAT (small pools), "fast" runs the local search, "auto" picks by pool size.
    `progress`, if given, is told how far the search has come."""
    started = time.perf_counter()
    progress = progress or quiet
    if mode not in ("auto", "exact", "fast"):
        raise MatchingError(f"unknown mode {mode!r}")
    p = Problem(participants, group_count(len(participants), group_size), weights, rules)
    if mode == "auto":
        mode = "exact" if p.n <= EXACT_MAX_PARTICIPANTS else "fast"
    if mode == "exact":
        hint = solve_fast(p, seed, min(0.2, time_limit / 10), progress=progress, share=(0, 10))
        grp, proven, minimum = solve_exact(p, seed, time_limit, hint, progress)
        progress(95, gettext_noop("checking rules"))
        return _result(p, grp, mode=mode, proven=proven, minimum=minimum, started=started)
    grp = solve_fast(p, seed, time_limit, progress=progress)
    progress(95, gettext_noop("checking rules"))
    return _result(p, grp, mode=mode, proven=False, minimum=None, started=started)


def evaluate(
    participants: Sequence[Participant],
    groups: Sequence[Sequence[str]],
    *,
    weights: Mapping[str, float] | None = None,
    rules: Rules = NO_RULES,
) -> MatchResult:
    """Score and check a given grouping (e.g. after staff moved people by hand)."""
    started = time.perf_counter()
    p = Problem(participants, len(groups), weights, rules)
    grp = _assignment(p, groups)
    if min(grp) < 0:
        raise MatchingError("some participants are in no group")
    return _result(p, grp, mode="evaluate", proven=False, minimum=None, started=started)


def _assignment(p: Problem, groups: Sequence[Sequence[str]]) -> list[int]:
    grp = [-1] * p.n
    for g, mem in enumerate(groups):
        for pid in mem:
            if pid in p.index:
                grp[p.index[pid]] = g
    return grp


def rematch(
    participants: Sequence[Participant],
    previous: Sequence[Sequence[str]],
    *,
    weights: Mapping[str, float] | None = None,
    rules: Rules = NO_RULES,
    time_limit: float = 5.0,
    progress: Progress | None = None,
) -> MatchResult:
    """Keep the previous groups (drop-outs are simply absent from `participants`, newcomers are
    absent from `previous`) and restore the rules moving as few people as possible. Greedy and
    deterministic: it never trades moves for diversity."""
    started = time.perf_counter()
    progress = progress or quiet
    progress(0, gettext_noop("placing newcomers"))
    p = Problem(participants, len(previous), weights, rules)
    old = _assignment(p, previous)
    target = rematch_targets(p.n, [sum(1 for g in old if g == h) for h in range(p.k)])
    grp = list(old)
    newcomers = [i for i in range(p.n) if grp[i] < 0]
    room = [target[g] - sum(1 for h in old if h == g) for g in range(p.k)]
    for i in newcomers:
        g = max(range(p.k), key=lambda g: (room[g], -g))
        grp[i] = g
        room[g] -= 1
    state = SearchState(p, grp)
    # Newcomers cost no move: each goes to the best group that still has room for them.
    for i in newcomers:
        options = [g for g in range(p.k) if state.size[g] < target[g] or g == grp[i]]
        state.move(i, min(options, key=lambda g: (state.move_delta(i, g), g)))
    # Over-full groups give their best-placed surplus person to a group with room.
    while True:
        over = [g for g in range(p.k) if state.size[g] > target[g]]
        under = [g for g in range(p.k) if state.size[g] < target[g]]
        if not over or not under:
            break
        best = min(
            (state.move_delta(i, b), i, b) for i in range(p.n) if grp[i] in over for b in under
        )
        state.move(best[1], best[2])
    # Repair what is still broken with the cheapest change in moves, then in cost: a single move
    # from a larger to a smaller group (sizes stay within one), else a swap.
    progress(30, gettext_noop("repairing broken rules"))
    deadline = time.perf_counter() + time_limit
    while time.perf_counter() < deadline:
        _score, violations, relaxed = groups_score(p, grp)
        if not sum(violations.values()):
            break
        bad = [g for g in range(p.k) if relaxed[g]]
        threshold = -state.penalty / 2
        best_key = None
        action: tuple[int, int, int] | None = None
        for a in bad:
            for i in range(p.n):
                ga = grp[i]
                # Someone leaves the broken group, or someone joins it.
                dests = range(p.k) if ga == a else (a,)
                for b in dests:
                    if b == ga or state.size[ga] <= state.size[b]:
                        continue
                    d = state.move_delta(i, b)
                    if d < threshold:
                        key = (_move_cost(old, grp, i, b), d, i, b)
                        if best_key is None or key < best_key:
                            best_key, action = key, (i, b, -1)
        if action is None:
            for a in bad:
                inside = [i for i in range(p.n) if grp[i] == a]
                for i in inside:
                    for j in range(p.n):
                        if grp[j] == a:
                            continue
                        d = state.swap_delta(i, j)
                        if d < threshold:
                            key = (
                                _move_cost(old, grp, i, grp[j]) + _move_cost(old, grp, j, a),
                                d,
                                i,
                                j,
                            )
                            if best_key is None or key < best_key:
                                best_key, action = key, (i, -1, j)
        if action is None:
            break
        i, b, j = action
        if j < 0:
            state.move(i, b)
        else:
            state.swap(i, j)
    moved = [p.ids[i] for i in range(p.n) if old[i] >= 0 and grp[i] != old[i]]
    progress(95, gettext_noop("checking rules"))
    return _result(p, grp, mode="rematch", proven=False, minimum=None, started=started, moved=moved)


def rematch_targets(n: int, sizes: Sequence[int]) -> list[int]:
    """Target size per group: the larger sizes go to the groups already largest (fewest moves)."""
    targets = group_sizes(n, len(sizes))
    target = [0] * len(sizes)
    for rank, g in enumerate(sorted(range(len(sizes)), key=lambda g: (-sizes[g], g))):
        target[g] = targets[rank]
    return target


def rematch_lower_bound(
    participants: Sequence[Participant],
    previous: Sequence[Sequence[str]],
    *,
    weights: Mapping[str, float] | None = None,
    rules: Rules = NO_RULES,
) -> int:
    """A lower bound on the moves any re-match needs: the surplus of over-full groups, and,
    without newcomers, half the groups that must change (a move touches exactly two groups)."""
    p = Problem(participants, len(previous), weights, rules)
    old = _assignment(p, previous)
    sizes = [0] * p.k
    for g in old:
        if g >= 0:
            sizes[g] += 1
    target = rematch_targets(p.n, sizes)
    surplus = sum(max(0, s - t) for s, t in zip(sizes, target, strict=True))
    if min(old) < 0:
        return surplus
    _score, _violations, relaxed = groups_score(p, old)
    low, high = min(group_sizes(p.n, p.k)), max(group_sizes(p.n, p.k))
    must = {g for g in range(p.k) if set(relaxed[g]) - {"size"}}
    must |= {g for g in range(p.k) if not low <= sizes[g] <= high}
    return max(surplus, math.ceil(len(must) / 2))


def _move_cost(old: list[int], grp: list[int], i: int, b: int) -> int:
    """Moves a change costs: 0 for newcomers and for someone returning to their old group."""
    if old[i] < 0:
        return 0
    return int(b != old[i]) - int(grp[i] != old[i])
