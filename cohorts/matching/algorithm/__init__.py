"""Peer-group matching as a pure algorithm (no ORM): diverse groups of participants under hard
rules, exact with CP-SAT for small cohorts, a fast local search for large ones, and re-matching.
Modules depend one way: `base` (the vocabulary), `problem` (encoding and scoring), the solvers
`search` and `exact`, then `solve` (the entry points re-exported here)."""

from cohorts.matching.algorithm.base import (
    ATTRIBUTES,
    DEFAULT_WEIGHTS,
    DIVERSITY_ATTRIBUTES,
    EVALS_PER_SECOND,
    EXACT_MAX_PARTICIPANTS,
    RULES,
    GroupExplanation,
    MatchingError,
    MatchResult,
    Participant,
    Progress,
    Rules,
    even_split_pairs,
    group_count,
    group_sizes,
    pairs,
)
from cohorts.matching.algorithm.solve import (
    NO_RULES,
    evaluate,
    match,
    rematch,
    rematch_lower_bound,
    rematch_targets,
)

__all__ = [
    "ATTRIBUTES",
    "DEFAULT_WEIGHTS",
    "DIVERSITY_ATTRIBUTES",
    "EVALS_PER_SECOND",
    "EXACT_MAX_PARTICIPANTS",
    "NO_RULES",
    "RULES",
    "GroupExplanation",
    "MatchResult",
    "MatchingError",
    "Participant",
    "Progress",
    "Rules",
    "evaluate",
    "even_split_pairs",
    "group_count",
    "group_sizes",
    "match",
    "pairs",
    "rematch",
    "rematch_lower_bound",
    "rematch_targets",
]
