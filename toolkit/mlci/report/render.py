"""The pull-request report as Markdown (pure: a Report in, text out, never over the size limit)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Literal

from mlci.data.scan import ScanResult
from mlci.data.validation import Failure
from mlci.metrics.diff import VERDICT_LABELS, fmt, percent, signed, verdict
from mlci.metrics.rules import FAIL, PASS, GateResult
from mlci.project.values import is_number
from mlci.report import plots as plotdata
from mlci.shared import charts
from mlci.shared import markdown as md
from mlci.shared.markdown import REPORT_MARKER

LIMIT = 65_000  # GitHub refuses comments over 65,536 characters
NO_GATE = "📊 mlci: metrics report (no gate)"
PlotKind = Literal["curve", "confusion", "other"]
OUTCOMES = {PASS: "✅ pass", FAIL: "❌ fail"}


@dataclass(frozen=True)
class MetricRow:
    name: str  # `key`, or `file:key` when the report shows several metrics files
    base: Any
    head: Any
    direction: str | None = None
    unavailable: str | None = None  # "base" / "head": that side's file could not be read

    @property
    def verdict(self) -> str:
        if self.unavailable is not None:
            return "unavailable"
        return verdict(self.direction, self.base, self.head) or "changed"

    def shown(self, side: str) -> str:
        """The value at `side` as the tables show it."""
        if side == self.unavailable:
            return "unavailable"
        return fmt(self.base if side == "base" else self.head)


@dataclass(frozen=True)
class ParamRow:
    name: str
    base: Any
    head: Any


@dataclass(frozen=True)
class Trend:
    """One key metric over the default branch's last commits plus head."""

    metric: str
    direction: str | None
    labels: tuple[str, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class PlotPair:
    """One DVC plot at base and head: records plus how to read them."""

    path: str
    title: str
    kind: PlotKind
    x: str
    y: str
    base: tuple[dict[str, Any], ...]
    head: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class DataChange:
    path: str
    change: str  # "added" | "modified" | "deleted"
    base_size: int | None
    head_size: int | None
    files: int | None = None


@dataclass(frozen=True)
class SchemaCheck:
    """A data check at base and head: valid (True), failed (False), no result (None)."""

    data: str
    schema: str
    base: bool | None
    head: bool | None
    failures: tuple[Failure, ...] = ()  # head's
    problem: str = ""  # why head has no result


@dataclass(frozen=True)
class Unreadable:
    """Metrics files that exist at some revisions but could not be read there, and why."""

    revisions: tuple[str, ...]  # "base `abc1234`", "head", "main `def5678`"
    path: str
    reason: str


@dataclass(frozen=True)
class Report:
    """Everything the report shows, gathered by `mlci.review`."""

    base: str  # short SHA
    head: str  # short SHA ("workspace" in a repository without commits)
    gate: GateResult
    workspace: bool = False  # head is the working tree on top of that commit
    branch: str = "main"
    stages: tuple[str, ...] = ()
    metrics: tuple[MetricRow, ...] = ()
    params: tuple[ParamRow, ...] = ()
    trends: tuple[Trend, ...] = ()
    plots: tuple[PlotPair, ...] = ()
    data: tuple[DataChange, ...] = ()
    checks: tuple[SchemaCheck, ...] = ()
    privacy: ScanResult | None = None  # masked findings of `mlci data scan`
    plot_tables: bool = True  # the collapsed numbers under each plot
    check_rows: int = 20  # failures and findings shown per table
    cuts: tuple[str, ...] = ()  # what was left out to fit the limit
    unreadable: tuple[Unreadable, ...] = ()
    has_config: bool = True  # the project has an mlci.yaml


def render(report: Report, limit: int = LIMIT) -> str:
    """The report's Markdown; sections are shortened in order until it fits `limit`."""
    text = _text(report)
    for cut, shortened in _cuts(report):
        if len(text) <= limit:
            break
        report = replace(shortened, cuts=(*report.cuts, cut))
        text = _text(report)
    return text if len(text) <= limit else md.hard_cut(text, limit)


def _cuts(report: Report) -> list[tuple[str, Report]]:
    """Shortenings from least to most useful content lost; each includes the ones before."""
    r1 = replace(report, plot_tables=False)
    r2 = replace(r1, plots=())
    r3 = replace(r2, trends=())
    r4 = replace(r3, metrics=tuple(m for m in r3.metrics if m.verdict != "unchanged"))
    r5 = replace(r4, params=r4.params[:50], data=r4.data[:50])
    r6 = replace(r5, metrics=r5.metrics[:200], params=r5.params[:10], data=r5.data[:10])
    r7 = replace(r6, check_rows=3)
    return [
        ("the numbers under the plots", r1), (f"{len(report.plots)} plot(s)", r2),
        (f"{len(report.trends)} trend chart(s)", r3),
        ("the unchanged metrics", r4),
        (f"params and data rows beyond 50 (of {len(report.params)} and {len(report.data)})", r5),
        (f"metric rows beyond 200 (of {len(r5.metrics)}), params and data rows beyond 10", r6),
        ("data-check rows beyond 3 per table", r7),
    ]


def _text(report: Report) -> str:
    parts = [_headline(report), _unreadable(report), _metrics(report), _params(report),
             _gate(report), _checks(report), _trends(report), _plots(report), _data(report),
             _footer(report)]
    return "\n\n".join("\n".join(p) for p in parts if p) + "\n"


def _headline(report: Report) -> list[str]:
    gate = report.gate
    head = f"`{report.head}`" + (" (working tree)" if report.workspace else "")
    lines = [REPORT_MARKER, f"## {_verdict(gate) if gate.rules else NO_GATE}", "",
             f"Comparing base `{report.base}` with head {head}."]
    if report.stages:
        names = ", ".join(md.escape(s) for s in report.stages)
        lines[-1] += f" Stages changed: {names}."
    else:
        lines[-1] += " No pipeline stage changed."
    if report.cuts:
        lines += ["", "> ✂️ Shortened to fit GitHub's comment size limit; left out: "
                  + "; ".join(report.cuts) + "."]
    return lines


def _verdict(gate: GateResult) -> str:
    return f"{'✅' if gate.passed else '❌'} mlci: {gate.headline()}"


def _metric_cells(row: MetricRow) -> list[str]:
    change = row.head - row.base if is_number(row.base) and is_number(row.head) else None
    pct = percent(row.base, row.head)
    return [md.escape(row.name), md.escape(row.shown("base")), md.escape(row.shown("head")),
            "" if change is None else signed(change),
            "" if pct is None else f"{pct:+.2f}%", VERDICT_LABELS.get(row.verdict, row.verdict)]


def _unreadable(report: Report) -> list[str]:
    if not report.unreadable:
        return []
    rows = [[", ".join(u.revisions), md.escape(u.path), md.escape(u.reason)]
            for u in report.unreadable]
    return ["### Unavailable metrics", "",
            "These metrics files exist but could not be read: their values are missing below.",
            "", *md.table(["Revision", "File", "Why"], rows, "lll")]


def _metrics(report: Report) -> list[str]:
    if not report.metrics:
        found = "No metrics could be read" if report.unreadable else "No metrics found"
        return ["### Metrics", "", f"{found} at base or head."]
    headers = ["Metric", f"Base `{report.base}`", f"Head `{report.head}`", "Change",
               "Change %", ""]
    changed = [_metric_cells(m) for m in report.metrics if m.verdict != "unchanged"]
    same = [_metric_cells(m) for m in report.metrics if m.verdict == "unchanged"]
    lines = ["### Metrics", ""]
    lines += md.table(headers, changed, "lrrrrl") if changed else ["No metric changed."]
    if same:
        lines += ["", *md.details(f"{len(same)} unchanged metric(s)",
                                  md.table(headers[:3], [c[:3] for c in same], "lrr"))]
    return lines


def _params(report: Report) -> list[str]:
    if not report.params:
        return []
    rows = [[md.escape(p.name), md.escape(fmt(p.base)), md.escape(fmt(p.head))]
            for p in report.params]
    return ["### Params", "", *md.table(["Param", "Base", "Head"], rows, "lrr")]


def _gate(report: Report) -> list[str]:
    rules = report.gate.rules
    if not rules and not report.has_config:
        return ["### Gate", "", "No gate: this project has no mlci.yaml. `mlci init` writes one "
                "with the metrics found here; add thresholds (`min`, `max`, `max_drop`, "
                "`max_rise`) to gate them."]
    if not rules:
        return ["### Gate", "", "mlci.yaml sets no metric policy, so nothing is checked."]
    rows = [[md.escape(r.metric), md.escape(r.rule),
             "" if r.threshold is None else fmt(r.threshold),
             md.escape(fmt(r.base)), md.escape(fmt(r.head)), OUTCOMES.get(r.outcome, "➖ n/a"),
             md.escape(r.reason)] for r in rules]
    return ["### Gate", "", *md.table(
        ["Metric", "Rule", "Threshold", "Base", "Head", "Result", "Reason"], rows, "llrrrll")]


CHECK_STATES = {True: "✅ valid", False: "❌ failed", None: "➖ no result"}


def _checks(report: Report) -> list[str]:
    if not report.checks and report.privacy is None:
        return []
    lines = ["### Data checks"]
    if report.checks:
        rows = [[md.escape(c.data), md.escape(c.schema), CHECK_STATES[c.base],
                 CHECK_STATES[c.head]] for c in report.checks]
        lines += ["", *md.table(["Data", "Schema", "Base", "Head"], rows, "llll")]
    for check in report.checks:
        lines += _check_details(check, report.check_rows)
    if report.privacy is not None:
        lines += ["", *_privacy(report.privacy, report.check_rows)]
    return lines


def _check_details(check: SchemaCheck, limit: int) -> list[str]:
    if check.head is None:
        return ["", f"**{md.escape(check.data)}**: {md.escape(check.problem)}"]
    if check.head:
        return []
    rows = [[md.escape(f.column or "(table)"), md.escape(f.check), f"{f.failing_rows:,}",
             md.escape(", ".join(_example(e) for e in f.examples))]
            for f in check.failures[:limit]]
    lines = ["", f"**{md.escape(check.data)}** fails {md.escape(check.schema)}:", "",
             *md.table(["Column", "Check", "Failing rows", "Examples"], rows, "llrl")]
    if len(check.failures) > limit:
        lines.append(f"\n_{len(check.failures) - limit} more failed check(s) not shown._")
    return lines


def _example(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _privacy(scan: ScanResult, limit: int) -> list[str]:
    scanned = (f"scanned {scan.files:,} file(s), {scan.rows:,} rows, {scan.columns:,} "
               "columns")
    if scan.clean:
        return [f"**Privacy scan**: ✅ no personal data or secrets ({scanned})."]
    rows = [[md.escape(f.path), md.escape(f.column or "(text)"), md.escape(f.kind),
             f"{f.distinct_hits:,}", f"{f.share:.0%}", md.escape(", ".join(f.examples))]
            for f in scan.flagged[:limit]]
    lines = [f"**Privacy scan**: ❌ {len(scan.flagged)} finding(s) of personal data or secrets "
             f"({scanned}). Examples are masked; remove the data, or accept a reviewed column "
             "in mlci.yaml `privacy.allow`.", "",
             *md.table(["Path", "Column", "Kind", "Distinct hits", "Share", "Examples"], rows,
                       "lllrrl")]
    if len(scan.flagged) > limit:
        lines.append(f"\n_{len(scan.flagged) - limit} more finding(s) not shown._")
    return lines


def _trends(report: Report) -> list[str]:
    if not report.trends:
        return []
    lines = ["### Trends", "",
             f"The last commits of {md.escape(report.branch)}, oldest first, then head."]
    better = {"higher": " (higher is better)", "lower": " (lower is better)"}
    for trend in report.trends:
        title = f"{trend.metric}{better.get(trend.direction or '', '')}"
        chart = charts.xychart(title, trend.labels, [charts.Series(trend.metric, trend.values)],
                               y_title=trend.metric, min_span=_gate_span(report.gate, trend.metric))
        lines += ["", *chart.split("\n")]
    return lines


def _gate_span(gate: GateResult, metric: str) -> charts.MinSpan | None:
    """Twice the gate's largest max_drop/max_rise for `metric`: a change the gate allows
    fills at most about half of the chart, noise much less."""
    limits = [(r.threshold, r.rule) for r in gate.rules if r.metric == metric
              and r.rule in ("max_drop", "max_rise") and r.threshold]
    if not limits:
        return None
    limit, rule = max(limits)
    return charts.MinSpan(2 * limit, f"twice the gate's {rule} {fmt(limit)}")


def _plots(report: Report) -> list[str]:
    drawn = [lines for plot in report.plots if (lines := _plot(plot, report.plot_tables))]
    if not drawn:
        return []
    return ["### Plots", "", *[line for lines in drawn for line in [*lines, ""]]][:-1]


def _plot(plot: PlotPair, with_table: bool) -> list[str]:
    if plot.kind == "confusion":
        return _confusion(plot)
    if plot.kind != "curve":
        return []
    base = plotdata.curve(list(plot.base), plot.x, plot.y)
    head = plotdata.curve(list(plot.head), plot.x, plot.y)
    if not head:
        return []
    xs = [x for x, _ in base + head]
    low, high = min(xs), max(xs)
    if low == high:
        return []
    lines_ = [plotdata.grid(points, low, high) for points in (base, head) if points]
    names = ["base", "head"] if base else ["head"]
    series = [charts.Series(name, tuple(line)) for name, line in zip(names, lines_, strict=True)]
    title = plot.title if base else f"{plot.title}: head"
    chart = charts.xychart(title, charts.XRange(plot.x, low, high), series, y_title=plot.y)
    out = [f"**{md.escape(plot.title)}** ({md.escape(plot.path)})", "", *chart.split("\n")]
    if with_table:
        step = [low + (high - low) * i / (plotdata.GRID_POINTS - 1)
                for i in range(plotdata.GRID_POINTS)]
        rows = [[fmt(x), *(fmt(line[i]) for line in lines_)] for i, x in enumerate(step)]
        headers = [md.escape(plot.x), *(["base", "head"] if base else ["head"])]
        out += ["", *md.details(
            f"Numbers ({len(base)} base / {len(head)} head points, sampled)",
            md.table(headers, rows, "rrr"))]
    return out


def _confusion(plot: PlotPair) -> list[str]:
    head = plotdata.confusion(list(plot.head), plot.x, plot.y)
    base = plotdata.confusion(list(plot.base), plot.x, plot.y)
    classes = sorted({c for pair in head for c in pair}, key=_class_key)
    if not classes:
        return []
    rows = [[f"**{md.escape(a)}**", *(_count(head[(a, p)], base[(a, p)] if base else None)
                                      for p in classes)] for a in classes]
    header = [f"{md.escape(plot.x)} ↓ / {md.escape(plot.y)} →", *map(md.escape, classes)]
    note = " (head; change vs base in brackets)" if base else " (head)"
    return [f"**{md.escape(plot.title)}**{note}", "",
            *md.table(header, rows, "l" + "r" * len(classes))]


def _class_key(name: str) -> tuple[int, float, str]:
    try:
        return (0, float(name), name)
    except ValueError:
        return (1, 0.0, name)


def _count(head: int, base: int | None) -> str:
    if base is None or base == head:
        return str(head)
    return f"{head} ({head - base:+d})"


def _data(report: Report) -> list[str]:
    if not report.data:
        return []
    rows = [[md.escape(d.path), d.change, size(d.base_size), size(d.head_size),
             "" if d.files is None else str(d.files)] for d in report.data]
    return ["### Data changes", "", *md.table(["Path", "Change", "Base size", "Head size",
                                                "Files"], rows, "llrrr")]


def size(n: int | None) -> str:
    """Bytes for people: 512 B, 1.2 KiB, 3.4 MiB."""
    if n is None:
        return "—"
    value, unit = float(n), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            break
        value /= 1024
    return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"



def _footer(report: Report) -> list[str]:
    return [(f"<sub>Generated by mlci (`mlci report`): base `{report.base}`, "
             f"head `{report.head}`.</sub>")]
