"""Peer-group matching as a pure algorithm (no ORM): diverse groups of participants under hard
rules, exact with CP-SAT for small cohorts, a fast local search for large ones, and re-matching."""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

DIVERSITY_ATTRIBUTES = ("country", "sector", "level", "gender", "language")
ATTRIBUTES = (*DIVERSITY_ATTRIBUTES, "organisation", "youth")
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "country": 4,
    "sector": 3,
    "level": 2,
    "gender": 1,
    "language": 1,
}
RULES = ("size", "organisation", "countries", "isolation", "pinned", "forbidden")
EXACT_MAX_PARTICIPANTS = 40
# Swaps evaluated per second of budget; the search stops on this count, not the clock, so the
# same input and seed give the same groups on any machine.
EVALS_PER_SECOND = 200_000

# Told how far a run has come: (per cent 0-100, a short note). It only listens: the search never
# waits on it or changes course, so the groups are the same with or without one.
Progress = Callable[[int, str], None]


def _quiet(_percent: int, _note: str) -> None:
    pass


class MatchingError(ValueError):
    """The input itself is unusable (unknown ids, no participants, bad group size)."""


@dataclass(frozen=True)
class Participant:
    """One person. `languages` is ordered, the first is the primary language that counts for
    diversity; `organisation` "" means none (never clashes)."""

    id: str
    country: str
    sector: str = ""
    level: str = ""
    gender: str = ""
    languages: tuple[str, ...] = ()
    organisation: str = ""
    youth: bool = False

    def value(self, attribute: str) -> str:
        if attribute == "language":
            return self.languages[0] if self.languages else ""
        if attribute == "youth":
            return "youth" if self.youth else "adult"
        return getattr(self, attribute)


@dataclass(frozen=True)
class Rules:
    """Hard rules. `no_lone` adds (attribute, value) pairs nobody may be alone with in a group."""

    min_countries: int = 0
    separate_organisations: bool = True
    no_lone_youth: bool = True
    no_lone: tuple[tuple[str, str], ...] = ()
    pinned: tuple[tuple[str, str], ...] = ()
    forbidden: tuple[tuple[str, str], ...] = ()


@dataclass
class GroupExplanation:
    index: int
    members: list[str]
    countries: list[str]
    sectors: list[str]
    levels: list[str]
    relaxed: dict[str, int]  # rule -> violations inside this group


@dataclass
class MatchResult:
    groups: list[list[str]]
    score: float
    bound: float
    gap: float  # (bound - score) / bound
    violations: dict[str, int]
    violation_bounds: dict[str, int]  # lower bounds on what no grouping can avoid
    notes: list[str]  # why rules cannot all be met, in words
    mode: str
    proven_optimal: bool
    minimum_violations: int | None  # proven minimum total, when the exact mode proved it
    seconds: float
    explanations: list[GroupExplanation]
    moves: int = 0
    moved: list[str] = field(default_factory=list)

    @property
    def total_violations(self) -> int:
        return sum(self.violations.values())


def pairs(n: int) -> int:
    return n * (n - 1) // 2


def even_split_pairs(count: int, groups: int) -> int:
    """The fewest same-value pairs when `count` people are spread over `groups` groups."""
    q, r = divmod(count, groups)
    return r * pairs(q + 1) + (groups - r) * pairs(q)


def group_sizes(n: int, groups: int) -> list[int]:
    s, r = divmod(n, groups)
    return [s + 1] * r + [s] * (groups - r)


def group_count(n: int, group_size: int) -> int:
    if group_size < 1:
        raise MatchingError("group size must be at least 1")
    return max(1, min(n, int(n / group_size + 0.5)))


# --- Problem encoding ----------------------------------------------------------------------------


class _Problem:
    """Participants as integer codes per attribute, rules as index lists."""

    def __init__(
        self,
        participants: Sequence[Participant],
        groups: int,
        weights: Mapping[str, float] | None,
        rules: Rules,
    ) -> None:
        if not participants:
            raise MatchingError("no participants")
        self.people = list(participants)
        self.n = n = len(self.people)
        self.ids = [p.id for p in self.people]
        index = {pid: i for i, pid in enumerate(self.ids)}
        if len(index) != n:
            raise MatchingError("duplicate participant ids")
        self.index = index
        self.k = groups
        self.rules = rules
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        unknown = set(self.weights) - set(ATTRIBUTES)
        if unknown:
            raise MatchingError(f"unknown attributes in weights: {sorted(unknown)}")
        self.codes: dict[str, list[int]] = {}
        self.values: dict[str, list[str]] = {}
        for attr in ATTRIBUTES:
            names: dict[str, int] = {}
            self.codes[attr] = [names.setdefault(p.value(attr), len(names)) for p in self.people]
            self.values[attr] = list(names)
        self.weighted = [(a, w) for a, w in self.weights.items() if w > 0]
        # "" is no organisation: code -1 so that it never counts as a clash.
        org_names = self.values["organisation"]
        self.org = [-1 if org_names[c] == "" else c for c in self.codes["organisation"]]
        self.iso: list[tuple[str, int]] = []
        wanted = ([("youth", "youth")] if rules.no_lone_youth else []) + list(rules.no_lone)
        for attr, value in wanted:
            if attr not in ATTRIBUTES:
                raise MatchingError(f"unknown attribute {attr!r} in no_lone")
            if (
                value in self.values[attr]
                and (attr, self.values[attr].index(value)) not in self.iso
            ):
                self.iso.append((attr, self.values[attr].index(value)))
        self.pinned = [self._pair(a, b) for a, b in rules.pinned]
        self.forbidden = [self._pair(a, b) for a, b in rules.forbidden]
        self.pin_adj: list[list[int]] = [[] for _ in range(n)]
        for i, j in self.pinned:
            self.pin_adj[i].append(j)
            self.pin_adj[j].append(i)
        self.forbid_adj: list[list[int]] = [[] for _ in range(n)]
        for i, j in self.forbidden:
            self.forbid_adj[i].append(j)
            self.forbid_adj[j].append(i)

    def _pair(self, a: str, b: str) -> tuple[int, int]:
        if a not in self.index or b not in self.index:
            raise MatchingError(f"pair ({a}, {b}) names someone not in the pool")
        if a == b:
            raise MatchingError(f"pair ({a}, {b}) names one person twice")
        return self.index[a], self.index[b]


# --- Scoring, bounds and rule checks -------------------------------------------------------------


def _evaluate(p: _Problem, grp: Sequence[int]) -> tuple[float, dict[str, int], list[dict]]:
    """Diversity score, violations by rule and per-group relaxed rules, from scratch."""
    members: list[list[int]] = [[] for _ in range(p.k)]
    for i, g in enumerate(grp):
        members[g].append(i)
    score = 0.0
    for attr, w in p.weighted:
        codes = p.codes[attr]
        for mem in members:
            counts: dict[int, int] = defaultdict(int)
            for i in mem:
                counts[codes[i]] += 1
            score += w * (pairs(len(mem)) - sum(pairs(c) for c in counts.values()))
    per_group: list[dict[str, int]] = [defaultdict(int) for _ in range(p.k)]
    sizes = [len(m) for m in members]
    if max(sizes) - min(sizes) > 1:
        for g in range(p.k):
            per_group[g]["size"] += 1
    for g, mem in enumerate(members):
        if p.rules.separate_organisations:
            orgs: dict[int, int] = defaultdict(int)
            for i in mem:
                if p.org[i] >= 0:
                    orgs[p.org[i]] += 1
            per_group[g]["organisation"] += sum(c - 1 for c in orgs.values())
        if p.rules.min_countries:
            distinct = len({p.codes["country"][i] for i in mem})
            per_group[g]["countries"] += max(0, p.rules.min_countries - distinct)
        for attr, code in p.iso:
            if sum(1 for i in mem if p.codes[attr][i] == code) == 1:
                per_group[g]["isolation"] += 1
    for i, j in p.pinned:
        if grp[i] != grp[j]:
            per_group[grp[i]]["pinned"] += 1
    for i, j in p.forbidden:
        if grp[i] == grp[j]:
            per_group[grp[i]]["forbidden"] += 1
    violations = {rule: 0 for rule in RULES}
    for g in range(p.k):
        for rule, v in per_group[g].items():
            if v:
                violations[rule] += 1 if rule == "size" else v
    violations["size"] = 1 if violations["size"] else 0
    return score, violations, [{r: v for r, v in d.items() if v} for d in per_group]


def _bound(p: _Problem) -> float:
    """Every value of every attribute spread as evenly as the group count allows."""
    total_pairs = sum(pairs(s) for s in group_sizes(p.n, p.k))
    bound = 0.0
    for attr, w in p.weighted:
        counts: dict[int, int] = defaultdict(int)
        for c in p.codes[attr]:
            counts[c] += 1
        bound += w * (total_pairs - sum(even_split_pairs(c, p.k) for c in counts.values()))
    return bound


def _components(p: _Problem) -> list[list[int]]:
    """Pinned pairs chain into components that must share a group."""
    parent = list(range(p.n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in p.pinned:
        parent[find(i)] = find(j)
    comps: dict[int, list[int]] = defaultdict(list)
    for i in range(p.n):
        comps[find(i)].append(i)
    return [c for c in comps.values() if len(c) > 1]


def _violation_bounds(p: _Problem) -> tuple[dict[str, int], int, list[str]]:
    """Cheap lower bounds on unavoidable violations per rule, plus cross-rule conflicts."""
    bounds = {rule: 0 for rule in RULES}
    notes: list[str] = []
    sizes = group_sizes(p.n, p.k)
    if p.rules.separate_organisations:
        orgs: dict[int, int] = defaultdict(int)
        for o in p.org:
            if o >= 0:
                orgs[o] += 1
        for o, c in sorted(orgs.items()):
            if c > p.k:
                bounds["organisation"] += c - p.k
                name = p.values["organisation"][o]
                notes.append(
                    f"organisation {name!r} has {c} people for {p.k} groups: "
                    f"at least {c - p.k} must share a group with a colleague"
                )
    m = p.rules.min_countries
    if m:
        countries: dict[int, int] = defaultdict(int)
        for c in p.codes["country"]:
            countries[c] += 1
        by_size = sum(max(0, m - s) for s in sizes)
        by_supply = p.k * m - sum(min(c, p.k) for c in countries.values())
        short = max(by_size, by_supply, 0)
        if short:
            bounds["countries"] = short
            notes.append(
                f"{len(countries)} countries with these counts cannot give every group "
                f"{m} countries: at least {short} country places short in total"
            )
    for attr, code in p.iso:
        count = sum(1 for c in p.codes[attr] if c == code)
        if count == 1:
            bounds["isolation"] += 1
            notes.append(f"only one participant with {attr} = {p.values[attr][code]!r}")
    biggest = max(sizes)
    for comp in _components(p):
        if len(comp) > biggest:
            cut = math.ceil(len(comp) / biggest) - 1
            bounds["pinned"] += cut
            notes.append(
                f"{len(comp)} people pinned together exceed the group size {biggest}: "
                f"at least {cut} pinned pairs must be split"
            )
    conflicts = 0
    forbidden = {frozenset(pair) for pair in p.forbidden}
    for i, j in p.pinned:
        if frozenset((i, j)) in forbidden:
            conflicts += 1
            notes.append(f"{p.ids[i]} and {p.ids[j]} are both pinned together and kept apart")
        elif p.rules.separate_organisations and p.org[i] >= 0 and p.org[i] == p.org[j]:
            conflicts += 1
            notes.append(f"{p.ids[i]} and {p.ids[j]} are pinned together but share an organisation")
    return bounds, sum(bounds.values()) + conflicts, notes


# --- Incremental state for local search ----------------------------------------------------------


class _State:
    """Group assignment with per-group count tables, so a swap is scored in O(#attributes)."""

    def __init__(self, p: _Problem, grp: list[int]) -> None:
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
        score, violations, _ = _evaluate(self.p, self.grp)
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


def _construct(p: _Problem, rng: random.Random, shuffle: bool) -> list[int]:
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

    for comp in sorted(_components(p), key=lambda c: (-len(c), c)):
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


def _descend(state: _State, rng: random.Random, budget: int, deadline: float) -> int:
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


def _partners(state: _State, i: int, rng: random.Random) -> tuple[list[int], int]:
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


def _fast(
    p: _Problem,
    seed: int,
    time_limit: float,
    start: list[int] | None = None,
    progress: Progress = _quiet,
    share: tuple[int, int] = (0, 95),
) -> list[int]:
    rng = random.Random(seed)
    budget = total = max(20_000, int(time_limit * EVALS_PER_SECOND))
    low, high = share
    deadline = time.perf_counter() + 3 * time_limit + 1
    best: list[int] | None = None
    best_cost = math.inf
    bound = _bound(p)
    attempt = 0
    while budget > 0:
        used = total - budget
        note = f"searching: restart {attempt + 1}"
        if attempt and used:
            note += f" of about {max(attempt + 1, round(total * attempt / used))}"
        progress(low + int((high - low) * used / total), note)
        grp = list(start) if start is not None and attempt == 0 else _construct(p, rng, attempt > 0)
        state = _State(p, grp)
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


# --- Exact mode ----------------------------------------------------------------------------------


def _exact(
    p: _Problem, seed: int, time_limit: float, hint: list[int], progress: Progress = _quiet
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
    started = time.perf_counter()
    proven = True
    minimum: int | None = 0
    if slacks:
        progress(10, "proving the fewest rule breaks")
        model.minimize(sum(slacks))
        solver.parameters.max_time_in_seconds = max(0.5, time_limit / 2)
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
    progress(50, "searching for the most diverse groups")
    if cost:
        model.minimize(sum(cost))
    else:
        model.minimize(0)
    solver.parameters.max_time_in_seconds = max(0.5, time_limit - (time.perf_counter() - started))
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, False, minimum
    grp = [next(g for g in range(min(i + 1, k)) if solver.value(x[i, g])) for i in range(n)]
    return grp, proven and status == cp_model.OPTIMAL, minimum


# --- Public entry points -------------------------------------------------------------------------


def _result(
    p: _Problem,
    grp: list[int],
    *,
    mode: str,
    proven: bool,
    minimum: int | None,
    started: float,
    moved: list[str] | None = None,
) -> MatchResult:
    score, violations, relaxed = _evaluate(p, grp)
    bound = _bound(p)
    bounds, _total, notes = _violation_bounds(p)
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
    rules: Rules = Rules(),
    seed: int = 0,
    time_limit: float = 2.0,
    mode: str = "auto",
    progress: Progress | None = None,
) -> MatchResult:
    """Split participants into groups of about `group_size`. Mode "exact" proves the optimum
    with CP-SAT (small pools), "fast" runs the local search, "auto" picks by pool size.
    `progress`, if given, is told how far the search has come."""
    started = time.perf_counter()
    progress = progress or _quiet
    if mode not in ("auto", "exact", "fast"):
        raise MatchingError(f"unknown mode {mode!r}")
    p = _Problem(participants, group_count(len(participants), group_size), weights, rules)
    if mode == "auto":
        mode = "exact" if p.n <= EXACT_MAX_PARTICIPANTS else "fast"
    if mode == "exact":
        hint = _fast(p, seed, min(0.2, time_limit / 10), progress=progress, share=(0, 10))
        grp, proven, minimum = _exact(p, seed, time_limit, hint, progress)
        progress(95, "checking rules")
        return _result(p, grp, mode=mode, proven=proven, minimum=minimum, started=started)
    grp = _fast(p, seed, time_limit, progress=progress)
    progress(95, "checking rules")
    return _result(p, grp, mode=mode, proven=False, minimum=None, started=started)


def evaluate(
    participants: Sequence[Participant],
    groups: Sequence[Sequence[str]],
    *,
    weights: Mapping[str, float] | None = None,
    rules: Rules = Rules(),
) -> MatchResult:
    """Score and check a given grouping (e.g. after staff moved people by hand)."""
    started = time.perf_counter()
    p = _Problem(participants, len(groups), weights, rules)
    grp = _assignment(p, groups)
    if min(grp) < 0:
        raise MatchingError("some participants are in no group")
    return _result(p, grp, mode="evaluate", proven=False, minimum=None, started=started)


def _assignment(p: _Problem, groups: Sequence[Sequence[str]]) -> list[int]:
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
    rules: Rules = Rules(),
    time_limit: float = 5.0,
    progress: Progress | None = None,
) -> MatchResult:
    """Keep the previous groups (drop-outs are simply absent from `participants`, newcomers are
    absent from `previous`) and restore the rules moving as few people as possible. Greedy and
    deterministic: it never trades moves for diversity."""
    started = time.perf_counter()
    progress = progress or _quiet
    progress(0, "placing newcomers")
    p = _Problem(participants, len(previous), weights, rules)
    old = _assignment(p, previous)
    target = rematch_targets(p.n, [sum(1 for g in old if g == h) for h in range(p.k)])
    grp = list(old)
    newcomers = [i for i in range(p.n) if grp[i] < 0]
    room = [target[g] - sum(1 for h in old if h == g) for g in range(p.k)]
    for i in newcomers:
        g = max(range(p.k), key=lambda g: (room[g], -g))
        grp[i] = g
        room[g] -= 1
    state = _State(p, grp)
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
    progress(30, "repairing broken rules")
    deadline = time.perf_counter() + time_limit
    while time.perf_counter() < deadline:
        _score, violations, relaxed = _evaluate(p, grp)
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
    progress(95, "checking rules")
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
    rules: Rules = Rules(),
) -> int:
    """A lower bound on the moves any re-match needs: the surplus of over-full groups, and,
    without newcomers, half the groups that must change (a move touches exactly two groups)."""
    p = _Problem(participants, len(previous), weights, rules)
    old = _assignment(p, previous)
    sizes = [0] * p.k
    for g in old:
        if g >= 0:
            sizes[g] += 1
    target = rematch_targets(p.n, sizes)
    surplus = sum(max(0, s - t) for s, t in zip(sizes, target, strict=True))
    if min(old) < 0:
        return surplus
    _score, _violations, relaxed = _evaluate(p, old)
    low, high = min(group_sizes(p.n, p.k)), max(group_sizes(p.n, p.k))
    must = {g for g in range(p.k) if set(relaxed[g]) - {"size"}}
    must |= {g for g in range(p.k) if not low <= sizes[g] <= high}
    return max(surplus, math.ceil(len(must) / 2))


def _move_cost(old: list[int], grp: list[int], i: int, b: int) -> int:
    """Moves a change costs: 0 for newcomers and for someone returning to their old group."""
    if old[i] < 0:
        return 0
    return int(b != old[i]) - int(grp[i] != old[i])
