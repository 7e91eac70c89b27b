"""GitHub-flavoured Markdown tables as a real parser reads them (markdown-it-py, GFM tables)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    """One table markdown-it recognised: its source lines and the cells of each row."""

    lines: tuple[int, int]  # first and last source line (0-based, end exclusive)
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def tables(text: str) -> list[Table]:
    """Every table markdown-it-py (CommonMark + the GFM table rule) finds in `text`."""
    from markdown_it import MarkdownIt

    found: list[Table] = []
    rows: list[tuple[str, ...]] = []
    row: list[str] | None = None
    span = (0, 0)
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        if token.type == "table_open":
            rows, span = [], (token.map[0], token.map[1]) if token.map else (0, 0)
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(token.content)
        elif token.type == "tr_close" and row is not None:
            rows.append(tuple(row))
            row = None
        elif token.type == "table_close":
            found.append(Table(span, rows[0] if rows else (), tuple(rows[1:])))
    return found


def cells(line: str) -> list[str]:
    """A table row split on its unescaped pipes, as GFM splits it (outer pipes dropped)."""
    parts: list[str] = []
    current, escaped = "", False
    body = line.strip()
    for char in body[1:-1] if body.startswith("|") and body.endswith("|") else body:
        if char == "|" and not escaped:
            parts.append(current)
            current = ""
        else:
            current += char
        escaped = char == "\\" and not escaped
    return [*parts, current]


def check(text: str) -> list[Table]:
    """Assert that every pipe table in `text` is a table to a GFM parser, each row with exactly
    the header's cells; return the tables."""
    found = tables(text)
    lines = text.splitlines()
    covered = {i for table in found for i in range(*table.lines)}
    fence = False
    for number, line in enumerate(lines):
        fence ^= line.startswith("```")
        if not fence and line.startswith("|"):
            assert number in covered, f"line {number + 1} is no table to GFM: {line!r}"
    for table in found:
        width = len(table.header)
        for number in range(*table.lines):
            assert len(cells(lines[number])) == width, (
                f"line {number + 1} has {len(cells(lines[number]))} cells, the header {width}:"
                f" {lines[number]!r}")
    return found
