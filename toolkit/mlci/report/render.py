"""The pull-request report as Markdown (pure: a Report in, text out, never over the size limit)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from mlci.data.results import ScanResult
from mlci.metrics.diff import VERDICT_LABELS, fmt, percent, signed
from mlci.metrics.rules import FAIL, PASS, GateResult
from mlci.project.values import is_number
from mlci.report import plotdata
from mlci.report.document import MetricRow, PlotPair, Report, SchemaCheck
from mlci.shared import charts
from mlci.shared.markdown import REPORT_MARKER, details, escape, hard_cut, table

LIMIT = 65_000  # GitHub refuses comments over 65,536 characters
NO_GATE = "📊 mlci: metrics report (no gate)"
OUTCOMES = {PASS: "✅ pass", FAIL: "❌ fail"}


def render(report: Report, limit: int = LIMIT) -> str:
    """The report's Markdown; sections are shortened in order until it fits `limit`."""
    text = _text(report)
    for cut, shortened in _cuts(report):
        if len(text) <= limit:
            break
        report = replace(shortened, cuts=(*report.cuts, cut))
        text = _text(report)
    return text if len(text) <= limit else hard_cut(text, limit)


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
        names = ", ".join(escape(s) for s in report.stages)
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
    return [escape(row.name), escape(row.shown("base")), escape(row.shown("head")),
            "" if change is None else signed(change),
            "" if pct is None else f"{pct:+.2f}%", VERDICT_LABELS.get(row.verdict, row.verdict)]


def _unreadable(report: Report) -> list[str]:
    if not report.unreadable:
        return []
    rows = [[", ".join(u.revisions), escape(u.path), escape(u.reason)]
            for u in report.unreadable]
    return ["### Unavailable metrics", "",
            "These metrics files exist but could not be read: their values are missing below.",
            "", *table(["Revision", "File", "Why"], rows, "lll")]


def _metrics(report: Report) -> list[str]:
    if not report.metrics:
        found = "No metrics could be read" if report.unreadable else "No metrics found"
        return ["### Metrics", "", f"{found} at base or head."]
    headers = ["Metric", f"Base `{report.base}`", f"Head `{report.head}`", "Change",
               "Change %", ""]
    changed = [_metric_cells(m) for m in report.metrics if m.verdict != "unchanged"]
    same = [_metric_cells(m) for m in report.metrics if m.verdict == "unchanged"]
    lines = ["### Metrics", ""]
    lines += table(headers, changed, "lrrrrl") if changed else ["No metric changed."]
    if same:
        lines += ["", *details(f"{len(same)} unchanged metric(s)",
                                  table(headers[:3], [c[:3] for c in same], "lrr"))]
    return lines


def _params(report: Report) -> list[str]:
    if not report.params:
        return []
    rows = [[escape(p.name), escape(fmt(p.base)), escape(fmt(p.head))]
            for p in report.params]
    return ["### Params", "", *table(["Param", "Base", "Head"], rows, "lrr")]


def _gate(report: Report) -> list[str]:
    rules = report.gate.rules
    if not rules and not report.has_config:
        return ["### Gate", "", "No gate: this project has no mlci.yaml. `mlci init` writes one "
                "with the metrics found here; add thresholds (`min`, `max`, `max_drop`, "
                "`max_rise`) to gate them."]
    if not rules:
        return ["### Gate", "", "mlci.yaml sets no metric policy, so nothing is checked."]
    rows = [[escape(r.metric), escape(r.rule),
             "" if r.threshold is None else fmt(r.threshold),
             escape(fmt(r.base)), escape(fmt(r.head)), OUTCOMES.get(r.outcome, "➖ n/a"),
             escape(r.reason)] for r in rules]
    return ["### Gate", "", *table(
        ["Metric", "Rule", "Threshold", "Base", "Head", "Result", "Reason"], rows, "llrrrll")]


CHECK_STATES = {True: "✅ valid", False: "❌ failed", None: "➖ no result"}


def _checks(report: Report) -> list[str]:
    if not report.checks and report.privacy is None:
        return []
    lines = ["### Data checks"]
    if report.checks:
        rows = [[escape(c.data), escape(c.schema), CHECK_STATES[c.base],
                 CHECK_STATES[c.head]] for c in report.checks]
        lines += ["", *table(["Data", "Schema", "Base", "Head"], rows, "llll")]
    for check in report.checks:
        lines += _check_details(check, report.check_rows)
    if report.privacy is not None:
        lines += ["", *_privacy(report.privacy, report.check_rows)]
    return lines


def _check_details(check: SchemaCheck, limit: int) -> list[str]:
    if check.head is None:
        return ["", f"**{escape(check.data)}**: {escape(check.problem)}"]
    if check.head:
        return []
    rows = [[escape(f.column or "(table)"), escape(f.check), f"{f.failing_rows:,}",
             escape(", ".join(_example(e) for e in f.examples))]
            for f in check.failures[:limit]]
    lines = ["", f"**{escape(check.data)}** fails {escape(check.schema)}:", "",
             *table(["Column", "Check", "Failing rows", "Examples"], rows, "llrl")]
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
    rows = [[escape(f.path), escape(f.column or "(text)"), escape(f.kind),
             f"{f.distinct_hits:,}", f"{f.share:.0%}", escape(", ".join(f.examples))]
            for f in scan.flagged[:limit]]
    lines = [f"**Privacy scan**: ❌ {len(scan.flagged)} finding(s) of personal data or secrets "
             f"({scanned}). Examples are masked; remove the data, or accept a reviewed column "
             "in mlci.yaml `privacy.allow`.", "",
             *table(["Path", "Column", "Kind", "Distinct hits", "Share", "Examples"], rows,
                       "lllrrl")]
    if len(scan.flagged) > limit:
        lines.append(f"\n_{len(scan.flagged) - limit} more finding(s) not shown._")
    return lines


def _trends(report: Report) -> list[str]:
    if not report.trends:
        return []
    lines = ["### Trends", "",
             f"The last commits of {escape(report.branch)}, oldest first, then head."]
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
    out = [f"**{escape(plot.title)}** ({escape(plot.path)})", "", *chart.split("\n")]
    if with_table:
        step = [low + (high - low) * i / (plotdata.GRID_POINTS - 1)
                for i in range(plotdata.GRID_POINTS)]
        rows = [[fmt(x), *(fmt(line[i]) for line in lines_)] for i, x in enumerate(step)]
        headers = [escape(plot.x), *(["base", "head"] if base else ["head"])]
        out += ["", *details(
            f"Numbers ({len(base)} base / {len(head)} head points, sampled)",
            table(headers, rows, "rrr"))]
    return out


def _confusion(plot: PlotPair) -> list[str]:
    head = plotdata.confusion(list(plot.head), plot.x, plot.y)
    base = plotdata.confusion(list(plot.base), plot.x, plot.y)
    classes = sorted({c for pair in head for c in pair}, key=_class_key)
    if not classes:
        return []
    rows = [[f"**{escape(a)}**", *(_count(head[(a, p)], base[(a, p)] if base else None)
                                      for p in classes)] for a in classes]
    header = [f"{escape(plot.x)} ↓ / {escape(plot.y)} →", *map(escape, classes)]
    note = " (head; change vs base in brackets)" if base else " (head)"
    return [f"**{escape(plot.title)}**{note}", "",
            *table(header, rows, "l" + "r" * len(classes))]


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
    rows = [[escape(d.path), d.change, size(d.base_size), size(d.head_size),
             "" if d.files is None else str(d.files)] for d in report.data]
    return ["### Data changes", "", *table(["Path", "Change", "Base size", "Head size",
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
