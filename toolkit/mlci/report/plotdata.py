"""DVC plot data a report can draw: curves resampled on a grid, confusion counts. Pure."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from mlci.project.values import is_number

GRID_POINTS = 11  # Mermaid charts read well with about a dozen points per series


def curve(records: list[dict[str, Any]], x: str, y: str) -> list[tuple[float, float]]:
    """(x, y) pairs of the records where both are finite numbers, in file order."""
    return [(float(r[x]), float(r[y])) for r in records
            if _finite(r.get(x)) and _finite(r.get(y))]


def _finite(value: Any) -> bool:
    return is_number(value) and math.isfinite(value)


def grid(points: list[tuple[float, float]], low: float, high: float,
         count: int = GRID_POINTS) -> list[float]:
    """y at `count` evenly spaced x: the highest y of the last x at or before each grid point.

    Exact for step curves such as ROC (several points may share one fpr).
    """
    ordered = sorted(points)
    samples = []
    for i in range(count):
        at = low + (high - low) * i / (count - 1) if count > 1 else low
        before = [py for px, py in ordered if px <= at + 1e-12]
        samples.append(before[-1] if before else ordered[0][1])  # sorted: ties end on max y
    return samples


def confusion(records: list[dict[str, Any]], actual: str,
              predicted: str) -> Counter[tuple[str, str]]:
    """Counts of (actual, predicted) pairs."""
    return Counter((_class(r.get(actual)), _class(r.get(predicted))) for r in records
                   if actual in r and predicted in r)


def _class(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
