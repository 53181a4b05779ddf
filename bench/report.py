"""Number formatting shared by the bench scripts (imported from the script's own folder)."""

import statistics


def percentile(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def fmt(value: float | None, pattern: str) -> str:
    return "—" if value is None else pattern.format(value)
