"""The pure peer-group matching algorithm: hard rules, infeasibility reports, determinism,
re-matching and the exact mode against brute force. No database needed."""

import itertools
import random

import pytest

from cohorts.matching.algorithm import (
    MatchingError,
    Participant,
    Rules,
    evaluate,
    group_count,
    group_sizes,
    match,
    rematch,
    rematch_lower_bound,
)

COUNTRIES = ["DK", "EE", "FI", "DE", "IS", "LV", "LT", "NO", "PL", "SE", "EU"]
SECTORS = ["fire", "police", "border", "customs", "municipal", "ngo"]


def person(pid, country, sector="fire", level="mid", gender="f", org="", youth=False):
    return Participant(
        id=pid,
        country=country,
        sector=sector,
        level=level,
        gender=gender,
        languages=(country.lower(),),
        organisation=org,
        youth=youth,
    )


def pool(n, seed, youth_share=0.1, orgs=3):
    """Uneven country shares and organisations nested in country × sector."""
    rng = random.Random(seed)
    shares = [20, 15, 12, 10, 9, 8, 7, 6, 5, 4, 4]
    people = []
    for i in range(n):
        country = rng.choices(COUNTRIES, shares)[0]
        sector = rng.choice(SECTORS)
        people.append(
            person(
                f"p{i}",
                country,
                sector,
                rng.choice(["junior", "mid", "senior"]),
                rng.choice("fm"),
                f"{country}-{sector}-{rng.randrange(orgs)}",
                rng.random() < youth_share,
            )
        )
    return people


def sizes_of(result):
    return sorted(len(g) for g in result.groups)


def group_of(result):
    return {pid: g for g, members in enumerate(result.groups) for pid in members}


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_group_sizes_differ_by_at_most_one(mode):
    people = pool(17, 1)
    result = match(people, group_size=4, mode=mode, time_limit=0.5)
    assert sizes_of(result) == [4, 4, 4, 5]
    assert sorted(pid for g in result.groups for pid in g) == sorted(p.id for p in people)
    assert result.violations["size"] == 0


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_no_two_people_from_one_organisation_share_a_group(mode):
    # Four organisations of four people, four groups: only one way per organisation.
    people = [person(f"{o}{i}", COUNTRIES[i], org=f"org{o}") for o in "abcd" for i in range(4)]
    result = match(people, group_size=4, mode=mode, time_limit=0.5)
    for members in result.groups:
        assert len({pid[0] for pid in members}) == len(members)
    assert result.violations["organisation"] == 0


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_every_group_has_the_minimum_number_of_countries(mode):
    # Half the pool is Finnish; diversity alone would still allow a group of Finns.
    people = [person(f"fi{i}", "FI", SECTORS[i % 6]) for i in range(8)]
    people += [person(f"x{i}", ["DK", "EE", "DE", "LV"][i % 4], "fire") for i in range(8)]
    rules = Rules(min_countries=3)
    result = match(
        people, group_size=4, rules=rules, mode=mode, weights={"sector": 1}, time_limit=0.5
    )
    countries = {p.id: p.country for p in people}
    for members in result.groups:
        assert len({countries[pid] for pid in members}) >= 3
    assert result.violations["countries"] == 0


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_no_youth_participant_is_alone_among_adults(mode):
    people = pool(24, 3, youth_share=0.0)
    people[:3] = [person(f"y{i}", COUNTRIES[i], youth=True) for i in range(3)]
    result = match(people, group_size=4, mode=mode, time_limit=0.5)
    youth = {p.id for p in people if p.youth}
    for members in result.groups:
        assert sum(pid in youth for pid in members) != 1
    assert result.violations["isolation"] == 0


def test_no_lone_rule_for_a_chosen_attribute_value():
    people = pool(20, 4, youth_share=0.0)
    people = [
        Participant(**{**p.__dict__, "gender": "x" if i < 5 else "m"}) for i, p in enumerate(people)
    ]
    rules = Rules(no_lone=(("gender", "x"),))
    for mode in ("exact", "fast"):
        result = match(people, group_size=4, rules=rules, mode=mode, time_limit=0.5)
        xs = {p.id for p in people if p.gender == "x"}
        assert all(sum(pid in xs for pid in g) != 1 for g in result.groups)


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_pinned_pairs_stay_together_and_forbidden_pairs_apart(mode):
    people = pool(20, 5)
    rules = Rules(pinned=(("p0", "p1"), ("p2", "p3")), forbidden=(("p4", "p5"), ("p0", "p6")))
    result = match(people, group_size=5, rules=rules, mode=mode, time_limit=0.5)
    where = group_of(result)
    assert where["p0"] == where["p1"] and where["p2"] == where["p3"]
    assert where["p4"] != where["p5"] and where["p0"] != where["p6"]
    assert result.violations["pinned"] == result.violations["forbidden"] == 0


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_an_organisation_larger_than_the_group_count_is_reported_with_its_minimum(mode):
    # Five from one organisation, three groups: at least two must share.
    people = [person(f"big{i}", COUNTRIES[i], org="big") for i in range(5)]
    people += [person(f"o{i}", COUNTRIES[(i + 5) % 11], org=f"o{i}") for i in range(7)]
    result = match(people, group_size=4, mode=mode, time_limit=0.5)
    assert result.violation_bounds["organisation"] == 2
    assert result.violations["organisation"] == 2
    assert any("'big'" in note for note in result.notes)
    if mode == "exact":
        assert result.proven_optimal and result.minimum_violations == 2
    relaxed = [e.relaxed.get("organisation", 0) for e in result.explanations]
    assert sum(relaxed) == 2


def test_too_few_countries_are_reported_not_hidden():
    people = [person(f"p{i}", ["FI", "SE"][i % 2], org=f"o{i}") for i in range(8)]
    result = match(people, group_size=4, rules=Rules(min_countries=3), mode="exact")
    # Two groups, each one country short: two unavoidable violations, proven.
    assert result.violation_bounds["countries"] == 2
    assert result.violations["countries"] == 2
    assert result.minimum_violations == 2
    assert result.notes


def test_a_single_youth_participant_is_reported():
    people = pool(12, 6, youth_share=0.0)
    people[0] = person("y", "FI", youth=True)
    for mode in ("exact", "fast"):
        result = match(people, group_size=4, mode=mode, time_limit=0.5)
        assert result.violations["isolation"] == 1
        assert result.violation_bounds["isolation"] == 1


def test_pinned_and_forbidden_at_once_costs_exactly_one_violation():
    people = pool(12, 7)
    rules = Rules(pinned=(("p0", "p1"),), forbidden=(("p1", "p0"),))
    result = match(people, group_size=4, rules=rules, mode="exact")
    assert result.total_violations == 1
    assert result.minimum_violations == 1
    assert any("pinned together and kept apart" in note for note in result.notes)


def test_a_pinned_chain_longer_than_a_group_is_split_as_little_as_possible():
    people = pool(12, 8, orgs=50)
    chain = tuple((f"p{i}", f"p{i + 1}") for i in range(5))  # six people, groups of four
    result = match(people, group_size=4, rules=Rules(pinned=chain), mode="exact")
    assert result.violation_bounds["pinned"] == 1
    assert result.violations["pinned"] == 1


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_same_input_and_seed_give_the_same_groups(mode):
    n = 30 if mode == "exact" else 240
    people = pool(n, 9)
    rules = Rules(min_countries=3, pinned=(("p0", "p1"),))
    first = match(people, group_size=6, rules=rules, seed=7, mode=mode, time_limit=1)
    second = match(people, group_size=6, rules=rules, seed=7, mode=mode, time_limit=1)
    assert first.groups == second.groups


def test_bound_is_never_below_the_score():
    for seed in range(6):
        people = pool(random.Random(seed).randrange(8, 90), seed)
        for mode in ("exact", "fast") if len(people) <= 30 else ("fast",):
            result = match(people, group_size=5, seed=seed, mode=mode, time_limit=0.5)
            assert result.score <= result.bound + 1e-9
            assert 0 <= result.gap <= 1


def test_fast_mode_keeps_every_rule_on_a_larger_pool():
    people = pool(600, 10, orgs=4)
    result = match(people, group_size=6, rules=Rules(min_countries=4), time_limit=1)
    assert result.mode == "fast"
    assert result.total_violations == 0
    assert result.gap < 0.01


def _brute_force(people, group_size, rules, weights):
    """Best (fewest violations, then highest score) over every split into groups."""
    n = len(people)
    k = group_count(n, group_size)
    big = max(group_sizes(n, k))
    allowed = sorted(group_sizes(n, k))
    best = None
    for labels in itertools.product(range(k), repeat=n):
        # Groups are interchangeable: only label sequences in order of first use.
        if labels[0] != 0 or any(labels[i] > max(labels[:i]) + 1 for i in range(1, n)):
            continue
        counts = [labels.count(g) for g in range(k)]
        if sorted(counts) != allowed or max(counts) > big:
            continue
        groups = [[people[i].id for i in range(n) if labels[i] == g] for g in range(k)]
        result = evaluate(people, groups, rules=rules, weights=weights)
        key = (result.total_violations, -result.score)
        if best is None or key < best:
            best = key
    return best


@pytest.mark.parametrize("seed", range(5))
def test_exact_mode_matches_brute_force_on_tiny_pools(seed):
    rng = random.Random(seed)
    n = rng.choice([6, 7, 8])
    people = [
        person(
            f"p{i}",
            rng.choice(COUNTRIES[:3]),
            rng.choice(SECTORS[:3]),
            rng.choice(["junior", "senior"]),
            rng.choice("fm"),
            rng.choice(["a", "b", ""]),
            rng.random() < 0.3,
        )
        for i in range(n)
    ]
    rules = Rules(min_countries=2, forbidden=(("p0", "p1"),), pinned=(("p2", "p3"),))
    weights = {"country": 3, "sector": 2, "level": 1, "gender": 1}
    exact = match(people, group_size=3, rules=rules, weights=weights, mode="exact", seed=seed)
    violations, neg_score = _brute_force(people, 3, rules, weights)
    assert exact.proven_optimal
    assert exact.total_violations == violations == exact.minimum_violations
    assert exact.score == -neg_score


def test_rematch_after_drop_outs_restores_the_rules_with_few_moves():
    people = pool(120, 11, orgs=40)
    rules = Rules(min_countries=3)
    first = match(people, group_size=6, rules=rules, time_limit=1)
    assert first.total_violations == 0
    rng = random.Random(1)
    gone = set(rng.sample([p.id for p in people], 9))
    staying = [p for p in people if p.id not in gone]
    result = rematch(staying, first.groups, rules=rules)
    assert result.total_violations == 0
    assert max(sizes_of(result)) - min(sizes_of(result)) <= 1
    least = rematch_lower_bound(staying, first.groups, rules=rules)
    assert least <= result.moves <= least + 4
    before = group_of(first)
    assert {pid for pid, g in group_of(result).items() if before[pid] != g} == set(result.moved)


def test_rematch_places_newcomers_without_moving_anyone():
    people = pool(60, 12, orgs=40, youth_share=0.0)
    first = match(people, group_size=6, time_limit=0.5)
    late = [person(f"late{i}", COUNTRIES[i], org=f"late{i}") for i in range(4)]
    result = rematch(people + late, first.groups)
    assert result.moves == 0
    assert {pid for g in result.groups for pid in g} >= {p.id for p in late}
    assert max(sizes_of(result)) - min(sizes_of(result)) <= 1


def test_rematch_fixes_a_youth_left_alone():
    adults = [person(f"a{i}", COUNTRIES[i % 11], SECTORS[i % 6], org=f"o{i}") for i in range(38)]
    youth = [person(f"y{i}", COUNTRIES[i], org=f"yo{i}", youth=True) for i in range(4)]
    groups = [
        ["y0", "y1"] + [f"a{i}" for i in range(4)],
        ["y2", "y3"] + [f"a{i}" for i in range(4, 8)],
    ]
    groups += [[f"a{i}" for i in range(8 + 6 * g, 14 + 6 * g)] for g in range(5)]
    people = adults + youth
    assert evaluate(people, groups).violations["isolation"] == 0
    # y1 drops out: y0 is the only youth left in a group of adults.
    staying = [p for p in people if p.id != "y1"]
    assert evaluate(staying, groups).violations["isolation"] == 1
    result = rematch(staying, groups)
    assert result.violations["isolation"] == 0
    assert max(sizes_of(result)) - min(sizes_of(result)) <= 1
    # Group 0 is now the one short group, so one move alone cannot fix it; a swap can.
    assert result.moves == 2
    assert rematch_lower_bound(staying, groups) == 1


def test_explanations_say_what_each_group_holds():
    people = pool(24, 14)
    result = match(people, group_size=6, mode="fast", time_limit=0.5)
    by_id = {p.id: p for p in people}
    for e in result.explanations:
        assert e.countries == sorted({by_id[pid].country for pid in e.members})
        assert e.sectors == sorted({by_id[pid].sector for pid in e.members})
        assert e.levels == sorted({by_id[pid].level for pid in e.members})
        assert e.relaxed == {}


def test_unknown_people_in_rules_are_refused():
    with pytest.raises(MatchingError):
        match(pool(10, 15), group_size=5, rules=Rules(pinned=(("p0", "nobody"),)))
