"""The parameters of a matching run (weights, rules, limits) as staff set them, and the words
that explain a run's groups."""

from collections.abc import Iterable, Sequence

from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, ngettext, ngettext_lazy, pgettext_lazy
from django_countries import countries

from cohorts.errors import CohortsError
from cohorts.matching import algorithm as matching
from cohorts.matching.selectors import (
    RULE_LABELS,
    value_label,
)

MODES = {
    "auto": gettext_lazy("Automatic: exact for up to 40 people, fast above"),
    "exact": gettext_lazy("Exact: proves the best grouping (small cohorts)"),
    "fast": gettext_lazy("Fast: a local search (large cohorts)"),
}
WEIGHTED_ATTRIBUTES = {
    "country": gettext_lazy("Country"),
    "sector": gettext_lazy("Sector"),
    "level": pgettext_lazy("level of responsibility", "Level"),
    "gender": gettext_lazy("Gender"),
    "language": gettext_lazy("Preferred language"),
}
# Attributes whose values may be protected by "nobody may be the only one in a group".
LONE_ATTRIBUTES = ("country", "sector", "level", "gender")


# Column headings of the rule checks (short names of the rules in selectors.RULE_LABELS).
RULE_SHORT = {
    "size": pgettext_lazy("matching rule", "Sizes"),
    "organisation": pgettext_lazy("matching rule", "Organisations"),
    "countries": pgettext_lazy("matching rule", "Countries"),
    "isolation": pgettext_lazy("matching rule", "Alone"),
    "pinned": pgettext_lazy("matching rule", "Together"),
    "forbidden": pgettext_lazy("matching rule", "Apart"),
}
# What a broken rule means inside one group, for its explanation; `% {"n": n}` picks the form.
RELAXED_TEXT = {
    "size": gettext_lazy("its size differs from another group's by more than one"),
    "organisation": ngettext_lazy(
        "%(n)s more from an organisation already in the group",
        "%(n)s more from an organisation already in the group",
        "n",
    ),
    "countries": ngettext_lazy(
        "%(n)s country short of the minimum", "%(n)s country short of the minimum", "n"
    ),
    "isolation": ngettext_lazy(
        "%(n)s person alone of their kind (young participant or protected value)",
        "%(n)s person alone of their kind (young participant or protected value)",
        "n",
    ),
    "pinned": ngettext_lazy(
        "%(n)s must-be-together pair split", "%(n)s must-be-together pair split", "n"
    ),
    "forbidden": ngettext_lazy(
        "%(n)s keep-apart pair in the group", "%(n)s keep-apart pair in the group", "n"
    ),
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
        raise CohortsError("bad_group_size", gettext("The group size must be a whole number."))
    if not MIN_GROUP_SIZE <= group_size <= MAX_GROUP_SIZE:
        raise CohortsError(
            "bad_group_size",
            gettext("The group size must be between %(min)s and %(max)s.")
            % {"min": MIN_GROUP_SIZE, "max": MAX_GROUP_SIZE},
        )
    clean_weights = {}
    for attribute, weight in (weights or dict(matching.DEFAULT_WEIGHTS)).items():
        if attribute not in WEIGHTED_ATTRIBUTES:
            raise CohortsError(
                "bad_weight",
                gettext("“%(attribute)s” cannot be weighted.") % {"attribute": attribute},
            )
        try:
            value = float(weight)
        except (TypeError, ValueError):
            raise CohortsError("bad_weight", gettext("Weights must be numbers.")) from None
        if not 0 <= value <= MAX_WEIGHT:
            raise CohortsError(
                "bad_weight",
                gettext("Weights must be between 0 and %(max)s.") % {"max": MAX_WEIGHT},
            )
        clean_weights[attribute] = value
    if not any(clean_weights.values()):
        raise CohortsError("bad_weight", gettext("Give at least one attribute a weight above 0."))
    if not 0 <= int(min_countries) <= len(countries):
        raise CohortsError(
            "bad_min_countries", gettext("The minimum number of countries is too large.")
        )
    if mode not in MODES:
        raise CohortsError("bad_mode", gettext("Choose automatic, exact or fast."))
    if not 1 <= float(time_limit) <= MAX_TIME_LIMIT:
        raise CohortsError(
            "bad_time_limit",
            gettext("The time limit must be between 1 and %(max)s seconds.")
            % {"max": MAX_TIME_LIMIT},
        )
    lone = []
    for attribute, value in no_lone:
        if attribute not in LONE_ATTRIBUTES or not value:
            raise CohortsError(
                "bad_no_lone",
                gettext("“%(attribute)s” cannot be protected.") % {"attribute": attribute},
            )
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
            message = (
                gettext("A pair kept together names one person twice.")
                if what == "together"
                else gettext("A pair kept apart names one person twice.")
            )
            raise CohortsError("bad_pair", message)
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


# "3 countries (…)", "2 sectors (…)", "4 levels (…)": the count of each kind of value in a group.
_VALUE_COUNTS = {
    "countries": ngettext_lazy("%(count)s countries", "%(count)s countries", "count"),
    "sectors": ngettext_lazy("%(count)s sectors", "%(count)s sectors", "count"),
    "levels": ngettext_lazy("%(count)s levels", "%(count)s levels", "count"),
}


def explanation_sentences(entry: dict, params: dict) -> list[str]:
    """Why a group is as it is, in words (in the language being read)."""
    sentences = []
    for key, attribute in (("countries", "country"), ("sectors", "sector"), ("levels", "level")):
        present = entry.get(key, [])
        possible = entry.get(f"{key}_possible", len(present))
        names = ", ".join(str(value_label(attribute, v)) for v in present) or gettext(
            "not recorded"
        )
        if len(present) >= possible:
            note = gettext("as many as the group and the cohort allow")
        else:
            note = ngettext(
                "of at most %(count)s possible", "of at most %(count)s possible", possible
            ) % {"count": possible}
        # Translators: e.g. "3 countries (Estonia, Finland, Latvia): as many as … allow."
        sentences.append(
            gettext("%(values)s (%(names)s): %(note)s.")
            % {
                "values": _VALUE_COUNTS[key] % {"count": len(present)},
                "names": names,
                "note": note,
            }
        )
    if params.get("separate_organisations", True) and "organisation" not in entry.get(
        "relaxed", {}
    ):
        sentences.append(gettext("No two people from the same organisation."))
    minimum = int(params.get("min_countries", 0))
    if minimum and "countries" not in entry.get("relaxed", {}):
        sentences.append(
            ngettext(
                "Meets the minimum of %(count)s countries.",
                "Meets the minimum of %(count)s countries.",
                minimum,
            )
            % {"count": minimum}
        )
    youth = entry.get("youth", 0)
    if youth:
        if youth > 1:
            text = ngettext(
                "%(count)s young participant, so nobody is the only one.",
                "%(count)s young participants, so nobody is the only one.",
                youth,
            )
        else:
            text = ngettext("%(count)s young participant.", "%(count)s young participants.", youth)
        sentences.append(text % {"count": youth})
    for rule, n in entry.get("relaxed", {}).items():
        text = RELAXED_TEXT[rule] % {"n": n} if rule in RELAXED_TEXT else rule
        sentences.append(
            gettext("Rule relaxed — %(rule)s: %(text)s.")
            % {"rule": str(RULE_LABELS.get(rule, rule)).lower(), "text": text}
        )
    return sentences


def explanation_sentences_stored(entry: dict, params: dict) -> list[str]:
    """The same words as kept with a published group: in English, whoever publishes."""
    with translation.override(None):
        return explanation_sentences(entry, params)
