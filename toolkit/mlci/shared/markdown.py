"""GitHub-flavoured Markdown pieces: escaped cells, tables, folded sections. Pure.

Charts (Mermaid) live in `mlci.shared.charts`.
"""

from __future__ import annotations

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


def hard_cut(text: str, limit: int) -> str:
    """`text` cut at its last line break that leaves room for a notice, within `limit`."""
    note = f"\n\n> ✂️ Report cut at {limit:,} characters.\n"
    body = text[: limit - len(note)]
    return body[: body.rfind("\n")] + note
