"""The parameters of a matching run (weights, rules, limits) as staff set them, and the words
that explain a run's groups."""

from collections.abc import Iterable, Sequence

from django_countries import countries

from cohorts.errors import CohortsError
from cohorts.matching import algorithm as matching
from cohorts.matching.selectors import (
    RULE_LABELS,
    value_label,
)

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


def run_rules(params: dict, present: set[str]) -> matching.Rules:
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


def run_weights(params: dict) -> dict[str, float]:
    return {a: float(w) for a, w in (params.get("weights") or matching.DEFAULT_WEIGHTS).items()}


def groups_explain(
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
