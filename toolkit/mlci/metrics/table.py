"""`mlci diff` as tables for a terminal or Markdown (pure: data in, text out)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tabulate import tabulate

from mlci.metrics.diff import VERDICT_LABELS, fmt, percent, signed
from mlci.shared.markdown import escape, table

if TYPE_CHECKING:
    from mlci.metrics.comparison import Comparison


def render(result: Comparison, as_markdown: bool = False, params: bool = True) -> str:
    """Metrics then params, one row per changed key (every key with --all)."""
    draw = _markdown if as_markdown else _terminal
    a, b = result.base.label, result.head.label
    parts = []
    metric_rows = [_metric_row(result, path, key, change)
                   for path, changes in result.metrics.items() for key, change in changes.items()]
    if metric_rows:
        parts.append(draw(["Path", "Metric", a, b, "Change", "%", "Verdict"], metric_rows,
                          "llrrrrl"))
    param_rows = [(path, key, fmt(c["old"]), fmt(c["new"]), _change(c))
                  for path, changes in (result.params if params else {}).items()
                  for key, c in changes.items()]
    if param_rows:
        parts.append(draw(["Path", "Param", a, b, "Change"], param_rows, "llrrr"))
    if not parts and result.notes():
        return f"no metrics or params to compare between {a} and {b}"
    return "\n\n".join(parts) or f"no changes in metrics or params between {a} and {b}"


def _terminal(headers: list[str], rows: Sequence[Sequence[str]], align: str) -> str:
    return str(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))


def _markdown(headers: list[str], rows: Sequence[Sequence[str]], align: str) -> str:
    cells = [[escape(cell) for cell in row] for row in rows]
    return "\n".join(table([escape(h) for h in headers], cells, align))


def _metric_row(result: Comparison, path: str, key: str, change: dict[str, Any]) -> tuple[str, ...]:
    judged = result.verdict(path, key, change)
    pct = percent(change["old"], change["new"])
    side = result.unavailable(path, change)
    old = "unavailable" if side == "base" else fmt(change["old"])
    new = "unavailable" if side == "head" else fmt(change["new"])
    return (path, key, old, new, _change(change),
            "" if pct is None else f"{pct:+.2f}%", VERDICT_LABELS.get(judged or "", ""))


def _change(change: dict[str, Any]) -> str:
    return signed(change["diff"]) if "diff" in change else ""
