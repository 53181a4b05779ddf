"""Peer-group matching quality and speed on seeded synthetic pools: a random assignment, a sorted
round-robin deal and ours, side by side, plus exact vs fast on small pools and re-matching after
drop-outs. Run from the project root: `.venv/bin/python bench/matching.py`.

Pools: 11 countries with uneven shares, 6 sectors, 3 levels, 2 genders, the country's language,
organisations nested in country × sector (a few national agencies are large), 10% youth, and 1%
each of pinned and forbidden pairs. Every method runs in its own forked child; its peak memory is
reported as the parent's RSS at the fork plus the child's own high-water mark (an upper bound)."""

import multiprocessing
import random
import resource
import sys
import time
from pathlib import Path

from report import print_table, print_targets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cohorts.matching.algorithm import (
    Participant,
    Rules,
    evaluate,
    group_count,
    group_sizes,
    match,
    rematch,
    rematch_lower_bound,
)

COUNTRIES = ["DE", "PL", "SE", "FI", "DK", "NO", "LT", "LV", "EE", "IS", "EU"]
SHARES = [22, 18, 12, 10, 9, 8, 6, 5, 4, 3, 3]
LANGUAGES = {"DE": "de", "PL": "pl", "SE": "sv", "FI": "fi", "DK": "da", "NO": "no"}
SECTORS = ["fire", "police", "border", "customs", "municipal", "ngo"]
LEVELS = ["junior", "mid", "senior"]
GROUP_SIZE = 6
MIN_COUNTRIES = 4
SMALL = [(n, seed) for n in (12, 18, 24, 30, 36) for seed in range(1, 7)]
SMALL_SIZES = (6, 4, 5)  # group size by seed, so some pools cannot reach the bound
EXACT_LIMIT = 15.0
RULE_LABELS = {
    "size": "size",
    "organisation": "org",
    "countries": "ctry",
    "isolation": "lone",
    "pinned": "pin",
    "forbidden": "apart",
}


def make_pool(n: int, seed: int) -> tuple[list[Participant], Rules]:
    rng = random.Random(seed)
    people = []
    for i in range(n):
        country = rng.choices(COUNTRIES, SHARES)[0]
        sector = rng.choice(SECTORS)
        # A national agency per country × sector takes a fifth; the rest are small bodies.
        if rng.random() < 0.2:
            org = f"{country}-{sector}-agency"
        else:
            org = f"{country}-{sector}-{rng.randrange(max(2, n // 60))}"
        people.append(
            Participant(
                id=f"p{i}",
                country=country,
                sector=sector,
                level=rng.choice(LEVELS),
                gender=rng.choice("fm"),
                languages=(LANGUAGES.get(country, country.lower()), "en"),
                organisation=org,
                youth=rng.random() < 0.1,
            )
        )
    ids = [p.id for p in people]
    pairs = max(1, n // 100)
    chosen = rng.sample(ids, 4 * pairs) if 4 * pairs <= n else []
    pinned = tuple(zip(chosen[0:pairs], chosen[pairs : 2 * pairs], strict=True))
    forbidden = tuple(zip(chosen[2 * pairs : 3 * pairs], chosen[3 * pairs :], strict=True))
    return people, Rules(min_countries=MIN_COUNTRIES, pinned=pinned, forbidden=forbidden)


def random_groups(people: list[Participant], seed: int) -> list[list[str]]:
    ids = [p.id for p in people]
    random.Random(seed).shuffle(ids)
    groups, at = [], 0
    for size in group_sizes(len(ids), group_count(len(ids), GROUP_SIZE)):
        groups.append(ids[at : at + size])
        at += size
    return groups


def round_robin_groups(people: list[Participant]) -> list[list[str]]:
    k = group_count(len(people), GROUP_SIZE)
    order = sorted(people, key=lambda p: (p.country, p.sector, p.level, p.gender, p.id))
    groups: list[list[str]] = [[] for _ in range(k)]
    for i, p in enumerate(order):
        groups[i % k].append(p.id)
    return groups


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _child(conn, job, rss_at_fork: float) -> None:
    started = time.perf_counter()
    result = job()
    seconds = time.perf_counter() - started
    # The child's high-water mark counts only pages it touched after the fork; adding the
    # parent's size at the fork gives an upper bound on the whole process.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + rss_at_fork
    conn.send(
        {
            "score": result.score,
            "bound": result.bound,
            "gap": result.gap,
            "violations": result.violations,
            "proven": result.proven_optimal,
            "moves": result.moves,
            "seconds": seconds,
            "peak_mb": peak,
            "groups": result.groups,
        }
    )
    conn.close()


def measured(job) -> dict:
    """Run job() in a forked child and report its result, time and peak RSS."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, job, _rss_mb()))
    proc.start()
    child.close()
    out = parent.recv()
    proc.join()
    return out


def violations_text(violations: dict[str, int]) -> str:
    return " ".join(f"{RULE_LABELS[r]} {v}" for r, v in violations.items())


def compare(n: int, seed: int, time_limit: float) -> dict[str, dict]:
    people, rules = make_pool(n, seed)
    runs = {
        "random": lambda: evaluate(people, random_groups(people, seed), rules=rules),
        "sorted round-robin": lambda: evaluate(people, round_robin_groups(people), rules=rules),
        "ours (fast)": lambda: match(
            people, group_size=GROUP_SIZE, rules=rules, seed=seed, time_limit=time_limit
        ),
    }
    return {name: measured(job) for name, job in runs.items()}


def print_comparison(title: str, results: dict[str, dict]) -> None:
    print(f"\n{title}")
    rows = [
        (
            name,
            f"{r['score']:.0f}",
            f"{r['gap']:.3%}",
            violations_text(r["violations"]),
            f"{r['seconds']:.2f}",
            f"{r['peak_mb']:.0f}",
        )
        for name, r in results.items()
    ]
    header = ("method", "diversity", "gap to bound", "violations", "seconds", "peak MB (≤)")
    print_table(header, rows)


def small_instances() -> list[dict]:
    rows = []
    for n, seed in SMALL:
        people, rules = make_pool(n, 1000 + seed * 37 + n)
        rules = Rules(min_countries=3, pinned=rules.pinned, forbidden=rules.forbidden)
        exact = measured(
            lambda people=people, rules=rules, seed=seed: match(
                people,
                group_size=SMALL_SIZES[seed % 3],
                rules=rules,
                seed=seed,
                mode="exact",
                time_limit=EXACT_LIMIT,
            )
        )
        fast = measured(
            lambda people=people, rules=rules, seed=seed: match(
                people,
                group_size=SMALL_SIZES[seed % 3],
                rules=rules,
                seed=seed,
                mode="fast",
                time_limit=1.0,
            )
        )
        ev, fv = sum(exact["violations"].values()), sum(fast["violations"].values())
        diff = (exact["score"] - fast["score"]) / exact["score"] if exact["score"] else 0.0
        rows.append(
            {
                "n": n,
                "size": SMALL_SIZES[seed % 3],
                "seed": seed,
                "exact": exact,
                "fast": fast,
                "equal": ev == fv and fast["score"] == exact["score"],
                "within": ev == fv and diff <= 0.005,
                "diff": diff if ev == fv else None,
            }
        )
    return rows


def rematch_run(n: int, seed: int) -> dict:
    people, rules = make_pool(n, seed)
    first = match(people, group_size=GROUP_SIZE, rules=rules, seed=seed, time_limit=1.0)
    rng = random.Random(seed + 1)
    gone = set(rng.sample([p.id for p in people], n * 5 // 100))
    staying = [p for p in people if p.id not in gone]
    kept = Rules(
        min_countries=rules.min_countries,
        pinned=tuple(pr for pr in rules.pinned if not gone & set(pr)),
        forbidden=tuple(pr for pr in rules.forbidden if not gone & set(pr)),
    )
    before = evaluate(staying, [[i for i in g if i not in gone] for g in first.groups], rules=kept)
    out = measured(lambda: rematch(staying, first.groups, rules=kept))
    out["min_moves"] = rematch_lower_bound(staying, first.groups, rules=kept)
    out["broken_before"] = before.violations
    out["first"] = first
    return out


def main() -> int:
    started = time.perf_counter()
    print(
        "Peer-group matching: groups of about 6, at least 4 countries per group (3 on the small "
        "pools), no two from one organisation, no lone youth, 1% pinned and 1% forbidden pairs. "
        "Weights country 4, sector 3, level 2, gender 1, primary language 1."
    )

    small = small_instances()
    print("\nSmall pools: exact (CP-SAT) against the fast local search")
    print_table(
        ("N", "size", "seed", "exact", "proven", "exact s", "fast", "fast s", "fast vs exact"),
        [
            (
                str(r["n"]),
                str(r["size"]),
                str(r["seed"]),
                f"{r['exact']['score']:.0f} ({sum(r['exact']['violations'].values())} viol)",
                "yes" if r["exact"]["proven"] else "NO",
                f"{r['exact']['seconds']:.2f}",
                f"{r['fast']['score']:.0f} ({sum(r['fast']['violations'].values())} viol)",
                f"{r['fast']['seconds']:.2f}",
                "equal" if r["equal"] else (f"-{r['diff']:.3%}" if r["diff"] is not None else "—"),
            )
            for r in small
        ],
    )

    mid = compare(300, 300, time_limit=1.0)
    print_comparison("N = 300 (K = 50)", mid)
    large = compare(10_000, 10_000, time_limit=7.0)
    print_comparison("N = 10,000 (K = 1,667)", large)

    re = rematch_run(1000, 1000)
    print("\nRe-matching at N = 1,000 after a 5% drop-out")
    print_table(
        ("broken before", "after", "moves", "min moves (bound)", "seconds", "gap before", "gap"),
        [
            (
                violations_text(re["broken_before"]),
                violations_text(re["violations"]),
                str(re["moves"]),
                str(re["min_moves"]),
                f"{re['seconds']:.2f}",
                f"{re['first'].gap:.3%}",
                f"{re['gap']:.3%}",
            )
        ],
    )
    print(f"\nRan in {time.perf_counter() - started:.0f} s.\n")

    ours_mid, ours_large = mid["ours (fast)"], large["ours (fast)"]
    exact_worst = max(r["exact"]["seconds"] for r in small)
    equal = sum(r["equal"] for r in small)
    worst_diff = [r["diff"] for r in small if r["diff"] is not None]
    checks = [
        (
            "N ≤ 36: exact proves the optimum in ≤ 15 s on every instance",
            f"{sum(r['exact']['proven'] for r in small)}/{len(small)} proven, "
            f"slowest {exact_worst:.2f} s",
            all(r["exact"]["proven"] for r in small) and exact_worst <= 15,
        ),
        (
            "N ≤ 36: fast within 0.5% of the optimum on every instance",
            f"worst {max(worst_diff, default=0):.3%}" if worst_diff else "—",
            all(r["within"] for r in small),
        ),
        (
            "N ≤ 36: fast equals the optimum on ≥ 80% of instances",
            f"{equal}/{len(small)}",
            equal >= 0.8 * len(small),
        ),
        ("N = 300: ≤ 2 s", f"{ours_mid['seconds']:.2f} s", ours_mid["seconds"] <= 2),
        (
            "N = 300: 0 violations",
            str(sum(ours_mid["violations"].values())),
            not sum(ours_mid["violations"].values()),
        ),
        ("N = 300: gap ≤ 0.3%", f"{ours_mid['gap']:.3%}", ours_mid["gap"] <= 0.003),
        ("N = 10,000: ≤ 10 s", f"{ours_large['seconds']:.2f} s", ours_large["seconds"] <= 10),
        (
            "N = 10,000: peak ≤ 1 GB",
            f"{ours_large['peak_mb']:.0f} MB",
            ours_large["peak_mb"] <= 1024,
        ),
        (
            "N = 10,000: 0 violations",
            str(sum(ours_large["violations"].values())),
            not sum(ours_large["violations"].values()),
        ),
        ("N = 10,000: gap ≤ 0.5%", f"{ours_large['gap']:.3%}", ours_large["gap"] <= 0.005),
        (
            "re-match N = 1,000, 5% drop-out: rules restored",
            f"{sum(re['violations'].values())} violations",
            not sum(re["violations"].values()),
        ),
        (
            "re-match: moves ≤ minimum + 10",
            f"{re['moves']} moves, minimum ≥ {re['min_moves']}",
            re["moves"] <= re["min_moves"] + 10,
        ),
        ("re-match: ≤ 5 s", f"{re['seconds']:.2f} s", re["seconds"] <= 5),
    ]
    print_targets(checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
