"""Number formatting and the table and target lines shared by the bench scripts (imported from the
script's own folder)."""

import statistics
from collections.abc import Sequence


def percentile(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def fmt(value: float | None, pattern: str) -> str:
    return "—" if value is None else pattern.format(value)


def print_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """A blank line, then the rows in columns as wide as their widest cell."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def print_targets(checks: Sequence[tuple[str, str, bool]]) -> None:
    """One line per (name, value, ok) check, then the tally every script ends with."""
    met = 0
    for name, value, ok in checks:
        met += bool(ok)
        print(f"target: {name}: {value} — {'met' if ok else 'NOT met'}")
    print(f"targets: {met} of {len(checks)} met")
