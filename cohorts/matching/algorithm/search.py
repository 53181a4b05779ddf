"""The fast mode: a greedy construction, then a seeded local search of moves and swaps with
incremental scores (the same input and seed give the same groups on any machine)."""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Sequence

from cohorts.matching.algorithm.base import (
    EVALS_PER_SECOND,
    Progress,
    group_sizes,
    quiet,
)
from cohorts.matching.algorithm.problem import (
    Problem,
    components,
    diversity_bound,
    groups_score,
)


class SearchState:
    """Group assignment with per-group count tables, so a swap is scored in O(#attributes)."""

    def __init__(self, p: Problem, grp: list[int]) -> None:
        self.p = p
        self.grp = grp
        k = p.k
        self.size = [0] * k
        self.members: list[set[int]] = [set() for _ in range(k)]
        for i, g in enumerate(grp):
            self.size[g] += 1
            self.members[g].add(i)
        # (weight, codes, value count, flat table group*V + value)
        self.tables: list[tuple[float, list[int], int, list[int]]] = []
        for attr, w in p.weighted:
            self.tables.append((w, p.codes[attr], len(p.values[attr]), self._table(p.codes[attr])))
        self.use_org = p.rules.separate_organisations
        self.org_count: list[dict[int, int]] = [defaultdict(int) for _ in range(k)]
        for i, o in enumerate(p.org):
            if o >= 0:
                self.org_count[grp[i]][o] += 1
        self.m = p.rules.min_countries
        self.ctry = p.codes["country"]
        self.nc = len(p.values["country"])
        self.ctry_count = self._table(self.ctry)
        self.distinct = [0] * k
        for g in range(k):
            base = g * self.nc
            self.distinct[g] = sum(1 for v in range(self.nc) if self.ctry_count[base + v])
        # (is-member flags, per-group member count)
        self.iso: list[tuple[list[bool], list[int]]] = []
        for attr, code in p.iso:
            flags = [c == code for c in p.codes[attr]]
            counts = [0] * k
            for i, f in enumerate(flags):
                if f:
                    counts[grp[i]] += 1
            self.iso.append((flags, counts))
        # Each value's even share per group, rounded up.
        self.ceil: list[list[int]] = []
        self.floor: list[list[int]] = []
        self.below: list[list[int]] = []
        for _w, codes, v, _t in self.tables:
            totals = [0] * v
            for c in codes:
                totals[c] += 1
            self.ceil.append([-(-total // k) for total in totals])
            floor = [total // k for total in totals]
            self.floor.append(floor)
            # Groups short of a value's floor: someone at the ceiling elsewhere should move there.
            self.below.append(
                [sum(1 for g in range(k) if _t[g * v + x] < floor[x]) for x in range(v)]
            )
        max_size = max(self.size)
        total_w = sum(w for w, *_ in self.tables) or 1.0
        # A violation must outweigh any diversity a single swap can buy.
        self.penalty = total_w * (4 * max_size + 4) + 1

    def in_violation(self, i: int) -> bool:
        """Whether a broken rule involves i or i's group."""
        p = self.p
        a = self.grp[i]
        o = p.org[i]
        if self.use_org and o >= 0 and self.org_count[a][o] >= 2:
            return True
        if self.m and self.distinct[a] < self.m:
            return True
        if any(counts[a] == 1 for _flags, counts in self.iso):
            return True
        if any(self.grp[q] != a for q in p.pin_adj[i]):
            return True
        return any(self.grp[q] == a for q in p.forbid_adj[i])

    def _table(self, codes: list[int]) -> list[int]:
        v = max(codes) + 1
        table = [0] * (self.p.k * v)
        for i, c in enumerate(codes):
            table[self.grp[i] * v + c] += 1
        return table

    def cost(self) -> float:
        score, violations, _ = groups_score(self.p, self.grp)
        return -score + self.penalty * sum(violations.values())

    def swap_delta(self, i: int, j: int) -> float:
        """Change in cost (same-value pairs + penalty × violations) if i and j swap groups."""
        grp = self.grp
        a = grp[i]
        b = grp[j]
        d = 0.0
        for w, codes, v, t in self.tables:
            x = codes[i]
            y = codes[j]
            if x != y:
                av = a * v
                bv = b * v
                d += w * (t[av + y] + t[bv + x] - t[av + x] - t[bv + y] + 2)
        viol = 0
        if self.use_org:
            org = self.p.org
            x = org[i]
            y = org[j]
            if x != y:
                ca = self.org_count[a]
                cb = self.org_count[b]
                if x >= 0:
                    viol += (cb.get(x, 0) >= 1) - (ca[x] >= 2)
                if y >= 0:
                    viol += (ca.get(y, 0) >= 1) - (cb[y] >= 2)
        if self.m:
            x = self.ctry[i]
            y = self.ctry[j]
            if x != y:
                t = self.ctry_count
                nc = self.nc
                m = self.m
                da = self.distinct[a] - (t[a * nc + x] == 1) + (t[a * nc + y] == 0)
                db = self.distinct[b] - (t[b * nc + y] == 1) + (t[b * nc + x] == 0)
                viol += (
                    max(0, m - da)
                    + max(0, m - db)
                    - max(0, m - self.distinct[a])
                    - max(0, m - self.distinct[b])
                )
        for flags, counts in self.iso:
            fi = flags[i]
            if fi != flags[j]:
                ca = counts[a]
                cb = counts[b]
                step = -1 if fi else 1
                viol += ((ca + step) == 1) + ((cb - step) == 1) - (ca == 1) - (cb == 1)
        p = self.p
        for q in p.pin_adj[i]:
            if q != j:
                viol += (grp[q] != b) - (grp[q] != a)
        for q in p.pin_adj[j]:
            if q != i:
                viol += (grp[q] != a) - (grp[q] != b)
        for q in p.forbid_adj[i]:
            if q != j:
                viol += (grp[q] == b) - (grp[q] == a)
        for q in p.forbid_adj[j]:
            if q != i:
                viol += (grp[q] == a) - (grp[q] == b)
        return d + self.penalty * viol

    def move_delta(self, i: int, b: int) -> float:
        """Change in cost if i alone moves to group b."""
        grp = self.grp
        a = grp[i]
        if a == b:
            return 0.0
        d = 0.0
        for w, codes, v, t in self.tables:
            x = codes[i]
            d += w * (t[b * v + x] - t[a * v + x] + 1)
        viol = 0
        if self.use_org:
            x = self.p.org[i]
            if x >= 0:
                viol += (self.org_count[b].get(x, 0) >= 1) - (self.org_count[a][x] >= 2)
        if self.m:
            x = self.ctry[i]
            t = self.ctry_count
            nc = self.nc
            m = self.m
            da = self.distinct[a] - (t[a * nc + x] == 1)
            db = self.distinct[b] + (t[b * nc + x] == 0)
            viol += (
                max(0, m - da)
                + max(0, m - db)
                - max(0, m - self.distinct[a])
                - max(0, m - self.distinct[b])
            )
        for flags, counts in self.iso:
            if flags[i]:
                ca = counts[a]
                cb = counts[b]
                viol += (ca - 1 == 1) + (cb + 1 == 1) - (ca == 1) - (cb == 1)
        for q in self.p.pin_adj[i]:
            viol += (grp[q] != b) - (grp[q] != a)
        for q in self.p.forbid_adj[i]:
            viol += (grp[q] == b) - (grp[q] == a)
        return d + self.penalty * viol

    def move(self, i: int, b: int) -> None:
        """Put i into group b, keeping every table in step."""
        a = self.grp[i]
        if a == b:
            return
        for (_w, codes, v, t), floor, below in zip(
            self.tables, self.floor, self.below, strict=True
        ):
            x = codes[i]
            t[a * v + x] -= 1
            if t[a * v + x] == floor[x] - 1:
                below[x] += 1
            t[b * v + x] += 1
            if t[b * v + x] == floor[x]:
                below[x] -= 1
        o = self.p.org[i]
        if o >= 0:
            self.org_count[a][o] -= 1
            self.org_count[b][o] += 1
        c = self.ctry[i]
        t = self.ctry_count
        nc = self.nc
        t[a * nc + c] -= 1
        if t[a * nc + c] == 0:
            self.distinct[a] -= 1
        if t[b * nc + c] == 0:
            self.distinct[b] += 1
        t[b * nc + c] += 1
        for flags, counts in self.iso:
            if flags[i]:
                counts[a] -= 1
                counts[b] += 1
        self.size[a] -= 1
        self.size[b] += 1
        self.members[a].discard(i)
        self.members[b].add(i)
        self.grp[i] = b

    def swap(self, i: int, j: int) -> None:
        a = self.grp[i]
        b = self.grp[j]
        self.move(i, b)
        self.move(j, a)


# --- Fast mode -----------------------------------------------------------------------------------


def _construct(p: Problem, rng: random.Random, shuffle: bool) -> list[int]:
    """A rule-aware deal: pinned groups first, protected people in pairs, then everyone else
    round-robin sorted by country, sector and organisation so that each spreads evenly."""
    cap = group_sizes(p.n, p.k)
    grp = [-1] * p.n
    orgs: list[set[int]] = [set() for _ in range(p.k)]

    def fits(i: int, g: int) -> bool:
        if cap[g] <= 0:
            return False
        if p.rules.separate_organisations and p.org[i] >= 0 and p.org[i] in orgs[g]:
            return False
        return all(grp[q] != g for q in p.forbid_adj[i])

    def put(i: int, g: int) -> None:
        grp[i] = g
        cap[g] -= 1
        if p.org[i] >= 0:
            orgs[g].add(p.org[i])

    for comp in sorted(components(p), key=lambda c: (-len(c), c)):
        # The whole component into one group while it has room, then the next (unavoidable).
        g = -1
        for i in comp:
            if g < 0 or cap[g] <= 0:
                # Restarts place components at random: swaps cannot move a pinned pair later.
                tie = [rng.random() if shuffle else -h for h in range(p.k)]
                g = max(range(p.k), key=lambda h: (cap[h] > 0 and fits(i, h), cap[h], tie[h]))
            put(i, g)
    cursor = 0
    # Protected people go two (or three) to a group, so nobody starts alone.
    for attr, code in p.iso:
        todo = [i for i in range(p.n) if grp[i] < 0 and p.codes[attr][i] == code]
        if shuffle:
            rng.shuffle(todo)
        while todo:
            take = 3 if len(todo) == 3 else 2
            chunk, todo = todo[:take], todo[take:]
            for _ in range(p.k):
                if cap[cursor] >= len(chunk):
                    break
                cursor = (cursor + 1) % p.k
            for i in chunk:
                if cap[cursor] > 0:
                    put(i, cursor)
            cursor = (cursor + 1) % p.k
    rest = [i for i in range(p.n) if grp[i] < 0]
    rank = {attr: list(range(len(p.values[attr]))) for attr in ("country", "sector", "level")}
    if shuffle:
        for order in rank.values():
            rng.shuffle(order)
    noise = {i: rng.random() for i in rest}
    rest.sort(
        key=lambda i: (
            rank["country"][p.codes["country"][i]],
            rank["sector"][p.codes["sector"][i]],
            p.org[i],
            rank["level"][p.codes["level"][i]],
            p.codes["gender"][i],
            noise[i],
        )
    )
    for i in rest:
        chosen = -1
        for step in range(p.k):
            g = (cursor + step) % p.k
            if fits(i, g):
                chosen = g
                break
        if chosen < 0:
            chosen = next(g for g in range(p.k) if cap[g] > 0)
        put(i, chosen)
        cursor = (chosen + 1) % p.k
    return grp


def _descend(state: SearchState, rng: random.Random, budget: int, deadline: float) -> int:
    """Best-improving swaps for each person among exchange partners (all of them when the pool
    is small), until a pass improves nothing or the budget runs out. Returns the work used."""
    n = state.p.n
    grp = state.grp
    full = n <= 400
    order = list(range(n))
    used = 0
    checks = 0
    while used < budget:
        rng.shuffle(order)
        improved = 0.0
        for i in order:
            if full:
                candidates: Sequence[int] = range(n)
                used += n
            else:
                candidates, work = _partners(state, i, rng)
                used += work
                if not candidates:
                    continue
            best = -1e-9
            best_j = -1
            gi = grp[i]
            for j in candidates:
                if grp[j] != gi:
                    d = state.swap_delta(i, j)
                    if d < best:
                        best = d
                        best_j = j
            if best_j >= 0:
                state.swap(i, best_j)
                improved += best
            if used >= budget:
                return used
            checks += 1
            if not checks & 0xFF and time.perf_counter() > deadline:
                return used
        if improved == 0.0:
            break
    return used


def _partners(state: SearchState, i: int, rng: random.Random) -> tuple[list[int], int]:
    """Exchange partners worth scoring for i in a large pool, and the work spent finding them.

    Someone whose every value is at most its even share in their group cannot gain by leaving
    (at the bound every count is the floor or ceiling of the even share), so they are skipped
    unless a rule is broken around them; otherwise random people are drawn and kept only if
    moving i to their group lowers i's most over-represented value there."""
    grp = state.grp
    a = grp[i]
    n = state.p.n
    worst = 0.0
    focus = None
    for (w, codes, v, t), ceil, below in zip(state.tables, state.ceil, state.below, strict=True):
        x = codes[i]
        count = t[a * v + x]
        # Above the ceiling always costs; at the ceiling only while some group is short.
        over = count - ceil[x] + (0.5 if below[x] and count > 1 else 0.0)
        if over > 0 and w * over > worst:
            worst = w * over
            focus = (codes, v, t, x)
    if focus is None and not state.in_violation(i):
        return [], 1
    rand = rng.random
    if focus is None:
        # A pinned partner elsewhere: i can only join them by swapping with someone there.
        mates = [j for q in state.p.pin_adj[i] if grp[q] != a for j in state.members[grp[q]]]
        return [int(rand() * n) for _ in range(40)] + mates, 40 + len(mates)
    codes, v, t, x = focus
    limit = t[a * v + x] - 1
    kept: list[int] = []
    draws = 0
    while draws < 400 and len(kept) < 30:
        j = int(rand() * n)
        draws += 1
        if codes[j] != x and t[grp[j] * v + x] < limit:
            kept.append(j)
    return kept, len(kept) + draws // 8


def solve_fast(
    p: Problem,
    seed: int,
    time_limit: float,
    start: list[int] | None = None,
    progress: Progress = quiet,
    share: tuple[int, int] = (0, 95),
) -> list[int]:
    rng = random.Random(seed)
    budget = total = max(20_000, int(time_limit * EVALS_PER_SECOND))
    low, high = share
    deadline = time.perf_counter() + 3 * time_limit + 1
    best: list[int] | None = None
    best_cost = math.inf
    bound = diversity_bound(p)
    attempt = 0
    while budget > 0:
        used = total - budget
        note = f"searching: restart {attempt + 1}"
        if attempt and used:
            note += f" of about {max(attempt + 1, round(total * attempt / used))}"
        progress(low + int((high - low) * used / total), note)
        grp = list(start) if start is not None and attempt == 0 else _construct(p, rng, attempt > 0)
        state = SearchState(p, grp)
        budget -= _descend(state, rng, budget, deadline)
        cost = state.cost()
        if cost < best_cost - 1e-9:
            best, best_cost = list(grp), cost
        attempt += 1
        if best_cost <= -bound + 1e-9:
            break  # at the bound with every rule met: nothing left to find
        if time.perf_counter() > deadline:
            break
    assert best is not None
    return best
