"""`mlci diff` as tables for a terminal or Markdown (pure: data in, text out)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from mlci.metrics import fmt, percent, verdict

if TYPE_CHECKING:
    from mlci.comparison import Comparison

MARKS = {"improved": "▲ improved", "regressed": "▼ regressed", "added": "+ added",
         "removed": "- removed", "unchanged": "= unchanged"}


def render(result: Comparison, markdown: bool = False, params: bool = True) -> str:
    """Metrics then params, one row per changed key (every key with --all)."""
    from tabulate import tabulate

    style = "github" if markdown else "simple"
    a, b = result.base.label, result.head.label
    parts = []
    metric_rows = [_metric_row(result, path, key, change)
                   for path, changes in result.metrics.items() for key, change in changes.items()]
    if metric_rows:
        parts.append(tabulate(metric_rows, headers=["Path", "Metric", a, b, "Change", "%", ""],
                              tablefmt=style, disable_numparse=True))
    param_rows = [(path, key, fmt(c["old"]), fmt(c["new"]), _change(c))
                  for path, changes in (result.params if params else {}).items()
                  for key, c in changes.items()]
    if param_rows:
        parts.append(tabulate(param_rows, headers=["Path", "Param", a, b, "Change"],
                              tablefmt=style, disable_numparse=True))
    return "\n\n".join(parts) or f"no changes in metrics or params between {a} and {b}"


def _metric_row(result: Comparison, path: str, key: str, change: dict[str, Any]) -> tuple[str, ...]:
    judged = verdict(result.direction(path, key), change["old"], change["new"])
    pct = percent(change["old"], change["new"])
    return (path, key, fmt(change["old"]), fmt(change["new"]), _change(change),
            "" if pct is None else f"{pct:+.2f}%", MARKS.get(judged or "", ""))


def _change(change: dict[str, Any]) -> str:
    if "diff" not in change:
        return ""
    value = change["diff"]
    return fmt(value) if value <= 0 or math.isnan(value) else f"+{fmt(value)}"
