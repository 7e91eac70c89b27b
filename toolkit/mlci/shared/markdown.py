"""GitHub-flavoured Markdown pieces: escaped cells, tables, folded sections, Mermaid. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence

# Backslash-escaped so names like `a|b` or `*x*` stay literal in a table cell.
# the hidden first line of mlci's report comments (a second report: `<!-- mlci-report:ID -->`)
REPORT_MARKER = "<!-- mlci-report -->"
_PUNCTUATION = {c: "\\" + c for c in "\\`*_[]|"}
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(value: object) -> str:
    """Text safe in a table cell: no pipes, HTML, Markdown markup, @mentions or newlines."""
    text = " ".join(str(value).split())
    out = "".join(_HTML.get(c) or _PUNCTUATION.get(c) or c for c in text)
    return out.replace("@", "@&#8203;")  # a zero-width space: GitHub notifies nobody


def table(headers: Sequence[str], rows: Sequence[Sequence[str]],
          align: str = "") -> list[str]:
    """A GFM table; cells must be escaped already; `align` is one letter per column (l/r).

    The delimiter row has exactly one cell per header (GFM reads a delimiter row of another
    width as no table at all, and shows the pipes); short rows are padded with empty cells.
    """
    width = len(headers)
    if any(len(row) > width for row in rows):
        raise ValueError(f"a table row has more cells than its {width} headers")
    marks = [("---:" if a == "r" else "---") for a in align.ljust(width, "l")[:width]]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(marks) + "|"]
    lines += ["| " + " | ".join([*row, *[""] * (width - len(row))]) + " |" for row in rows]
    return lines


def details(summary: str, body: list[str]) -> list[str]:
    """A folded section (`<details>`); the blank lines let GitHub render Markdown inside."""
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>"]


def _label(text: str) -> str:
    """A Mermaid string: no quotes or line breaks (they end it), no `%%` (starts a comment)."""
    return " ".join(text.replace('"', "'").replace("%%", "% %").split())


def number(value: float) -> str:
    """A number as Mermaid's xychart reads it: 6 significant digits, never an exponent."""
    text = f"{value:.6g}"
    if "e" in text:  # the grammar takes [+-]?digits[.digits] only
        text = f"{float(text):.15f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def axis_range(values: Sequence[float]) -> tuple[float, float]:
    """A y range a little wider than the values so flat lines stay visible."""
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.01 or 1.0
    return _round_down(low - pad, pad), _round_up(high + pad, pad)


def _step(pad: float) -> float:
    return float(10 ** math.floor(math.log10(pad))) if pad > 0 else 1.0


def _round_down(value: float, pad: float) -> float:
    step = _step(pad)
    return round(math.floor(value / step) * step, 12)


def _round_up(value: float, pad: float) -> float:
    step = _step(pad)
    return round(math.ceil(value / step) * step, 12)


def xychart(title: str, x_labels: Sequence[str], y_title: str,
            lines: Sequence[Sequence[float]], y_range: tuple[float, float] | None = None,
            x_range: tuple[float, float, str] | None = None) -> list[str]:
    """A Mermaid `xychart-beta` line chart (GitHub draws it; there is no legend)."""
    values = [v for line in lines for v in line]
    low, high = y_range or axis_range(values)
    if x_range is None:
        x_axis = "x-axis [" + ", ".join(f'"{_label(x)}"' for x in x_labels) + "]"
    else:
        x_axis = f'x-axis "{_label(x_range[2])}" {number(x_range[0])} --> {number(x_range[1])}'
    body = ["```mermaid", "xychart-beta", f'    title "{_label(title)}"', f"    {x_axis}",
            f'    y-axis "{_label(y_title)}" {number(low)} --> {number(high)}']
    body += ["    line [" + ", ".join(number(v) for v in line) + "]" for line in lines]
    return [*body, "```"]
