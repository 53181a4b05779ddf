"""A matching problem encoded for the solvers, and how a grouping is scored against it: the
diversity score, its upper bound, and the rule checks."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from cohorts.matching.algorithm.base import (
    ATTRIBUTES,
    DEFAULT_WEIGHTS,
    RULES,
    MatchingError,
    Participant,
    Rules,
    even_split_pairs,
    group_sizes,
    pairs,
)


class Problem:
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


def groups_score(p: Problem, grp: Sequence[int]) -> tuple[float, dict[str, int], list[dict]]:
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


def diversity_bound(p: Problem) -> float:
    """Every value of every attribute spread as evenly as the group count allows."""
    total_pairs = sum(pairs(s) for s in group_sizes(p.n, p.k))
    bound = 0.0
    for attr, w in p.weighted:
        counts: dict[int, int] = defaultdict(int)
        for c in p.codes[attr]:
            counts[c] += 1
        bound += w * (total_pairs - sum(even_split_pairs(c, p.k) for c in counts.values()))
    return bound


def components(p: Problem) -> list[list[int]]:
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


def violation_bounds(p: Problem) -> tuple[dict[str, int], int, list[str]]:
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
    for comp in components(p):
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
