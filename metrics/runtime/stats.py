"""Summary statistics of repeated measurements: median, p95, max, and the spread between runs.

- ``median``: the middle value (mean of the two middle ones for an even count).
- ``p95``: the 95th percentile by linear interpolation between closest ranks (``statistics.quantiles``
  with ``method="inclusive"``, the same as numpy's default and Excel's PERCENTILE.INC): with values
  sorted as x[0..n-1], p95 = x[k] + f * (x[k+1] - x[k]) where k + f = 0.95 * (n - 1).
- ``spread``: max - min; ``spread_pct``: spread / median * 100 (None when the median is 0).
"""
from __future__ import annotations

import statistics
from typing import Iterable


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    data = sorted(values)
    if not data:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0-100, got {q}")
    position = q / 100 * (len(data) - 1)
    lower = int(position)
    fraction = position - lower
    if lower + 1 >= len(data):
        return float(data[-1])
    return data[lower] + fraction * (data[lower + 1] - data[lower])


def summarize(values: Iterable[float]) -> dict[str, float | int | None]:
    """``n``, ``min``, ``median``, ``mean``, ``p95``, ``max``, ``spread``, ``spread_pct`` of the values."""
    data = sorted(float(v) for v in values)
    if not data:
        return {"n": 0, "min": None, "median": None, "mean": None, "p95": None, "max": None, "spread": None,
                "spread_pct": None}
    median = statistics.median(data)
    spread = data[-1] - data[0]
    return {
        "n": len(data),
        "min": data[0],
        "median": median,
        "mean": statistics.fmean(data),
        "p95": percentile(data, 95),
        "max": data[-1],
        "spread": spread,
        "spread_pct": spread / median * 100 if median else None,
    }


def median_of_runs(runs: list[dict], path: tuple[str, ...]) -> float | None:
    """The median over runs of the number at ``path`` in each run's dict (runs lacking it are skipped)."""
    found = []
    for run in runs:
        node = run
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, (int, float)) and not isinstance(node, bool):
            found.append(node)
    return statistics.median(found) if found else None
