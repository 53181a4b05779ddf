"""The exact mode with CP-SAT for small cohorts: first the fewest rule violations, then the most
diversity with that many."""

from __future__ import annotations

import time
from collections import defaultdict

from django.utils.translation import gettext_noop

from cohorts.matching.algorithm.base import (
    Progress,
    even_split_pairs,
    group_sizes,
    pairs,
    quiet,
)
from cohorts.matching.algorithm.problem import (
    Problem,
)


def solve_exact(
    p: Problem, seed: int, time_limit: float, hint: list[int], progress: Progress = quiet
) -> tuple[list[int], bool, int | None]:
    """CP-SAT: first the fewest violations, then the most diversity with that many. Returns
    the assignment, whether both stages were proven optimal, and the proven minimum."""
    # The one import kept inside a function: OR-Tools is a large native library that only
    # the exact solver for small cohorts needs, so web processes (which import this module
    # for its defaults) and the local search never load it.
    from ortools.sat.python import cp_model

    n, k = p.n, p.k
    sizes = group_sizes(n, k)
    model = cp_model.CpModel()
    # Groups are interchangeable: person i only ever goes to a group numbered ≤ i.
    x = {(i, g): model.new_bool_var(f"x{i}_{g}") for i in range(n) for g in range(min(i + 1, k))}

    def var(i: int, g: int):
        return x.get((i, g), 0)

    for i in range(n):
        model.add_exactly_one(x[i, g] for g in range(min(i + 1, k)))
    count = [sum(var(i, g) for i in range(n)) for g in range(k)]
    for g in range(k):
        model.add(count[g] >= min(sizes))
        model.add(count[g] <= max(sizes))
    slacks = []
    big = max(sizes)
    if p.rules.separate_organisations:
        members: dict[int, list[int]] = defaultdict(list)
        for i, o in enumerate(p.org):
            if o >= 0:
                members[o].append(i)
        for mem in members.values():
            if len(mem) > 1:
                for g in range(k):
                    e = model.new_int_var(0, big, "")
                    model.add(sum(var(i, g) for i in mem) <= 1 + e)
                    slacks.append(e)
    if p.rules.min_countries:
        m = p.rules.min_countries
        by_country: dict[int, list[int]] = defaultdict(list)
        for i, c in enumerate(p.codes["country"]):
            by_country[c].append(i)
        for g in range(k):
            present = []
            for mem in by_country.values():
                d = model.new_bool_var("")
                model.add(d <= sum(var(i, g) for i in mem))
                present.append(d)
            short = model.new_int_var(0, m, "")
            model.add(sum(present) + short >= m)
            slacks.append(short)
    for attr, code in p.iso:
        mem = [i for i in range(n) if p.codes[attr][i] == code]
        for g in range(k):
            y = sum(var(i, g) for i in mem)
            has = model.new_bool_var("")
            lone = model.new_bool_var("")
            model.add(y <= big * has)
            model.add(y + lone >= 2 * has)
            slacks.append(lone)
    for i, j in p.pinned:
        v = model.new_bool_var("")
        for g in range(k):
            model.add(var(i, g) - var(j, g) <= v)
            model.add(var(j, g) - var(i, g) <= v)
        slacks.append(v)
    for i, j in p.forbidden:
        v = model.new_bool_var("")
        for g in range(k):
            model.add(var(i, g) + var(j, g) <= 1 + v)
        slacks.append(v)
    # Relabel the hint so that it obeys the symmetry breaking (groups by their first member).
    relabel: dict[int, int] = {}
    for i in range(n):
        relabel.setdefault(hint[i], len(relabel))
    for (i, g), b in x.items():
        model.add_hint(b, relabel[hint[i]] == g)

    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = 1  # one worker is deterministic
    # The budget is the solver's deterministic time (work done, roughly seconds on an idle
    # machine), so the same input and seed give the same groups however busy the machine is;
    # wall-clock time only caps a very slow machine, as the fast search's deadline does.
    deadline = time.perf_counter() + 3 * time_limit + 1
    half = max(0.5, time_limit / 2)
    proven = True
    minimum: int | None = 0
    if slacks:
        progress(10, gettext_noop("proving the fewest rule breaks"))
        model.minimize(sum(slacks))
        solver.parameters.max_deterministic_time = half
        solver.parameters.max_time_in_seconds = max(0.1, deadline - time.perf_counter())
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return hint, False, None
        best_viol = int(round(solver.objective_value))
        proven = status == cp_model.OPTIMAL
        minimum = best_viol if proven else None
        model.add(sum(slacks) <= best_viol)

    # Same-value pairs per (attribute, value, group) as tangent cuts of the convex C(c, 2), and
    # the even-spread bound per value so that reaching it proves optimality at once.
    scale = 1 if all(float(w).is_integer() for _a, w in p.weighted) else 1000
    cost = []
    for attr, w in p.weighted:
        by_value: dict[int, list[int]] = defaultdict(list)
        for i, c in enumerate(p.codes[attr]):
            by_value[c].append(i)
        for mem in by_value.values():
            if len(mem) < 2:
                continue
            per_value = []
            top = min(len(mem), big)
            for g in range(k):
                c = sum(var(i, g) for i in mem)
                same = model.new_int_var(0, pairs(top), "")
                for t in range(1, top):
                    model.add(same >= t * c - t * (t + 1) // 2)
                per_value.append(same)
            model.add(sum(per_value) >= even_split_pairs(len(mem), k))
            cost.append(int(round(w * scale)) * sum(per_value))
    progress(50, gettext_noop("searching for the most diverse groups"))
    if cost:
        model.minimize(sum(cost))
    else:
        model.minimize(0)
    solver.parameters.max_deterministic_time = half
    solver.parameters.max_time_in_seconds = max(0.1, deadline - time.perf_counter())
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, False, minimum
    grp = [next(g for g in range(min(i + 1, k)) if solver.value(x[i, g])) for i in range(n)]
    return grp, proven and status == cp_model.OPTIMAL, minimum
