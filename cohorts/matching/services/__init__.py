"""Write-side services of matching: `params` (a run's parameters and the words that explain its
groups), then `runs` (request, run, adjust, re-match, publish). Reads are in
cohorts.matching.selectors; the search is the pure algorithm in cohorts.matching.algorithm."""

from cohorts.matching.services.params import (
    DEFAULT_TIME_LIMIT,
    LONE_ATTRIBUTES,
    MAX_GROUP_SIZE,
    MAX_TIME_LIMIT,
    MAX_WEIGHT,
    MIN_GROUP_SIZE,
    MODES,
    RELAXED_TEXT,
    RULE_SHORT,
    SEED_MAX,
    WEIGHTED_ATTRIBUTES,
    explanation_sentences,
    groups_explain,
    params_build,
    run_rules,
    run_weights,
)
from cohorts.matching.services.runs import (
    matching_rematch,
    matching_run_execute,
    matching_run_move,
    matching_run_publish,
    matching_run_request,
    matching_run_requeue,
    matching_runs_sweep,
)

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "LONE_ATTRIBUTES",
    "MAX_GROUP_SIZE",
    "MAX_TIME_LIMIT",
    "MAX_WEIGHT",
    "MIN_GROUP_SIZE",
    "MODES",
    "RELAXED_TEXT",
    "RULE_SHORT",
    "SEED_MAX",
    "WEIGHTED_ATTRIBUTES",
    "explanation_sentences",
    "groups_explain",
    "matching_rematch",
    "matching_run_execute",
    "matching_run_move",
    "matching_run_publish",
    "matching_run_request",
    "matching_run_requeue",
    "matching_runs_sweep",
    "params_build",
    "run_rules",
    "run_weights",
]
