"""The vocabulary of matching: participants, rules, results, weights and group sizes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


def quiet(_percent: int, _note: str) -> None:
    """The listener when nobody listens: told everything, does nothing."""


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
