"""Mermaid `xychart-beta` charts GitHub draws readably in light and dark mode. Pure.

The one place mlci draws charts: the PR report's trends and curves, the monitor's drift
histograms, the sweep's leaderboards. GitHub renders a fenced `mermaid` block with the
`default` theme in light mode and `dark` in dark mode; xychart has no legend and, left to
the theme, draws its first line in a colour invisible on white. So every chart carries its
own palette (an `%%{init}%%` directive that sets only `themeVariables.xyChart`, so the theme
still follows the reader's mode) and says beside it what its colours and y axis mean.

API (all pure):

    xychart(title, x_axis, series, *, y_title="", min_span=None, y_range=None,
            from_zero=None, horizontal=False) -> str
        Markdown: the fenced `mermaid` block, then one caption line (`<sub>...</sub>`) that
        states the y axis range and why it is that wide, and names the series' colours
        unless the title already does (it does when "title: a (blue) vs b (orange)" fits).
        `x_axis` is a sequence of category labels (one per value) or an `XRange` (a numeric
        axis; the values are spread evenly over it). Raises ValueError for no series, more
        series than colours, empty or unequal series, or a non-finite value.
    Series(name, values, kind="line")   one series; kind "line" or "bar"; the i-th series is
        drawn in PALETTE[i]. Mermaid draws several bar series on top of each other: use one
        bar series plus lines. Bars grow from the axis' bottom, so with bars the y axis starts
        at 0 unless `from_zero=False` (a leaderboard of close scores; the caption gives the
        range, so the truncated axis is said, not hidden).
    XRange(title, low, high)            a numeric x axis.
    MinSpan(value, reason)              the smallest y span worth showing, e.g. from a gate
        threshold: MinSpan(2 * 0.01, "twice max_drop 0.01"). Without one (or when smaller),
        the span is at least REL_SPAN of the largest |value|, so noise never fills a chart.
    y_axis(values, min_span=None, *, from_zero=False) -> YAxis(low, high, reason): the range.
    PALETTE: tuple[Colour, ...]         Colour(name, hex) in drawing order; every colour has a
        WCAG contrast of at least 3:1 on GitHub's light (#ffffff) and dark (#0d1117) pages and
        on mermaid's dark chart background (#333333).
    colour(i) -> Colour; legend(names) -> "base (blue) vs head (orange)".
    number(value) -> str                a number as xychart's grammar reads it (no exponent).

Tests draw what callers write with mermaid.js in Chromium, light and dark:
`support.browser.problems(mermaid.draw(markdown, name)) == []` (fixture `mermaid`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mlci.shared.markdown import escape

REL_SPAN = 0.02  # the y axis spans at least 2% of the largest |value| it shows
MARGIN = 0.1  # of the span, above and below the values
TITLE_MAX = 60  # characters; longer titles run off the chart, so the legend goes below it
SeriesKind = Literal["line", "bar"]


@dataclass(frozen=True)
class Colour:
    """One palette colour: the name a caption uses and its hex code."""

    name: str
    hex: str


PALETTE = (
    Colour("blue", "#2f81f7"), Colour("orange", "#db6d28"), Colour("green", "#3a9a3a"),
    Colour("purple", "#9a6cf0"), Colour("pink", "#bf5fa0"), Colour("teal", "#178fa6"),
    Colour("gold", "#b08800"), Colour("grey", "#7d8590"),
)


@dataclass(frozen=True)
class Series:
    """One plotted series: a name for the legend, its values, line or bar."""

    name: str
    values: tuple[float, ...]
    kind: SeriesKind = "line"


@dataclass(frozen=True)
class XRange:
    """A numeric x axis from `low` to `high`; a series' values are spread evenly over it."""

    title: str
    low: float
    high: float


@dataclass(frozen=True)
class MinSpan:
    """The smallest y span worth showing and why (said in the caption)."""

    value: float
    reason: str


@dataclass(frozen=True)
class YAxis:
    """A y range and the reason for its width, in words."""

    low: float
    high: float
    reason: str


def colour(index: int) -> Colour:
    """The colour of the `index`-th series."""
    return PALETTE[index]


def legend(names: Sequence[str]) -> str:
    """`base (blue) vs head (orange)`, or `a (blue), b (orange), c (green)`."""
    named = [f"{name} ({colour(i).name})" for i, name in enumerate(names)]
    return " vs ".join(named) if len(named) == 2 else ", ".join(named)


def number(value: float) -> str:
    """A number as Mermaid's xychart reads it: 6 significant digits, never an exponent."""
    text = f"{value:.6g}"
    if "e" in text:  # the grammar takes [+-]?digits[.digits] only
        text = f"{float(text):.15f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def xychart(title: str, x_axis: Sequence[str] | XRange, series: Sequence[Series], *,
            y_title: str = "", min_span: MinSpan | None = None,
            y_range: tuple[float, float] | None = None, from_zero: bool | None = None,
            horizontal: bool = False) -> str:
    """A fenced Mermaid xychart with mlci's palette, plus a caption line (see the module doc)."""
    _check(x_axis, series)
    values = [v for s in series for v in s.values]
    if from_zero is None:
        from_zero = any(s.kind == "bar" for s in series)
    axis = (YAxis(*y_range, "fixed") if y_range is not None
            else y_axis(values, min_span, from_zero=from_zero))
    titled = f"{title}: {legend([s.name for s in series])}" if len(series) > 1 else title
    in_title = len(series) < 2 or len(titled) <= TITLE_MAX
    lines = ["```mermaid", _directive(len(series)),
             "xychart-beta horizontal" if horizontal else "xychart-beta",
             f'    title "{_label(titled if in_title else title)}"', f"    {_x_axis(x_axis)}",
             f'    y-axis "{_label(y_title)}" {number(axis.low)} --> {number(axis.high)}']
    lines += [f"    {s.kind} [" + ", ".join(number(v) for v in s.values) + "]" for s in series]
    return "\n".join([*lines, "```", _caption(axis, series, in_title)])


def y_axis(values: Sequence[float], min_span: MinSpan | None = None, *,
           from_zero: bool = False) -> YAxis:
    """A y range around `values`: at least `min_span` (or REL_SPAN of the values) wide."""
    low, high = min(values), max(values)
    if from_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    floor = _floor(low, high, min_span)
    span = max(high - low, floor.value)
    half = span * (0.5 + MARGIN)
    mid = (low + high) / 2
    bottom, top = _nice(*_keep_in_bounds(mid - half, mid + half, low, high))
    fitted = high - low >= floor.value
    reason = ("the values' range plus margins" if fitted
              else f"at least {number(float(f'{floor.value:.2g}'))} wide ({floor.reason})")
    return YAxis(bottom, top, reason + ("; from 0" if from_zero else ""))


def _floor(low: float, high: float, given: MinSpan | None) -> MinSpan:
    size = max(abs(low), abs(high))
    relative = (MinSpan(REL_SPAN * size, f"{REL_SPAN:.0%} of the values") if size
                else MinSpan(1.0, "all values are 0"))
    return given if given is not None and given.value > relative.value else relative


def _keep_in_bounds(bottom: float, top: float, low: float, high: float) -> tuple[float, float]:
    """Shift the range so values within [0, 1] stay within it, signed ones on their side of 0."""
    if low >= 0 and high <= 1 and top > 1:
        bottom, top = bottom - (top - 1), 1.0
    if low >= 0 and bottom < 0:
        bottom, top = 0.0, top - bottom
    if high <= 0 < -low and top > 0:
        bottom, top = bottom - top, 0.0
    if low >= 0 and high <= 1:
        top = min(top, 1.0)
    return bottom, top


def _nice(bottom: float, top: float) -> tuple[float, float]:
    """Round outwards to a tenth of the span's order of magnitude (0.976, not 0.97613)."""
    step = 10 ** math.floor(math.log10(top - bottom)) / 10
    return (round(math.floor(bottom / step + 1e-9) * step, 12),
            round(math.ceil(top / step - 1e-9) * step, 12))


def _check(x_axis: Sequence[str] | XRange, series: Sequence[Series]) -> None:
    if not series or len(series) > len(PALETTE):
        raise ValueError(f"a chart takes 1 to {len(PALETTE)} series, got {len(series)}")
    counts = {len(s.values) for s in series}
    if 0 in counts or len(counts) > 1:
        raise ValueError(f"every series needs the same number of values, got {sorted(counts)}")
    if not isinstance(x_axis, XRange) and len(x_axis) not in counts:
        raise ValueError(f"{len(x_axis)} x labels for {counts.pop()} values")
    if not all(math.isfinite(v) for s in series for v in s.values):
        raise ValueError("chart values must be finite numbers")


def _directive(count: int) -> str:
    """Mermaid config: only xychart's palette, so the theme still follows light/dark mode."""
    palette = ", ".join(c.hex for c in PALETTE[:count])
    config = {"themeVariables": {"xyChart": {"plotColorPalette": palette}}}
    return f"%%{{init: {json.dumps(config)}}}%%"


def _x_axis(x_axis: Sequence[str] | XRange) -> str:
    if isinstance(x_axis, XRange):
        return (f'x-axis "{_label(x_axis.title)}" {number(x_axis.low)} --> '
                f"{number(x_axis.high)}")
    return "x-axis [" + ", ".join(f'"{_label(x)}"' for x in x_axis) + "]"


def _caption(axis: YAxis, series: Sequence[Series], legend_in_title: bool) -> str:
    text = f"y axis {number(axis.low)} to {number(axis.high)}: {escape(axis.reason)}."
    if len(series) > 1:
        text += " Where series coincide, the later one is drawn over the earlier."
    if not legend_in_title:
        names = [f"{escape(s.name)} ({colour(i).name} {s.kind})" for i, s in enumerate(series)]
        text = ", ".join(names) + "; " + text
    return f"<sub>{text}</sub>"


def _label(text: str) -> str:
    """A Mermaid string: no quotes or line breaks (they end it), no `%%` (starts a comment)."""
    return " ".join(text.replace('"', "'").replace("%%", "% %").split())
