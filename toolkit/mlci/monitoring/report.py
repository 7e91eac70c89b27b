"""The monitoring report (pure): Markdown in the PR report's style, and the `--json` object.

Values of private columns (`privacy.exclude`, `privacy.hash`) never appear: their rows show
the test and its numbers only, with no chart, range or category.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mlci.metrics.diff import fmt
from mlci.metrics.rules import FAIL, PASS, GateResult
from mlci.monitoring import stattests
from mlci.monitoring.distribution import Categorical, Numeric
from mlci.monitoring.drift import ColumnDrift
from mlci.monitoring.monitor import Monitored
from mlci.shared import charts
from mlci.shared.markdown import details, escape, hard_cut, table

MARKER = "<!-- mlci-monitor -->"
LIMIT = 65_000  # GitHub refuses comments and PR bodies over 65,536 characters
CHARTS = 3  # the most drifted columns get a reference-vs-current chart
BINS = 10  # chart bins of a numeric column; categories shown at most
ROWS = 50  # table rows kept when the report must shrink (drifted columns always stay)
OUTCOMES = {PASS: "✅ pass", FAIL: "❌ fail"}
BANDS = {"stable": "", "moderate": " (moderate)", "major": " (major)"}


def to_json(result: Monitored) -> dict[str, Any]:
    """{"model", "version", "dataset_drift", "drift_share", "columns", "prediction",
    "performance"}: `drift_share` is the threshold the data set is judged by."""
    return {
        "model": result.model, "version": result.version,
        "dataset_drift": result.drift.dataset_drift, "drift_share": result.drift.drift_share,
        "columns": {c.name: _column_json(c) for c in result.drift.columns},
        "prediction": _column_json(result.prediction) if result.prediction else None,
        "performance": result.performance.to_json() if result.performance else None,
    }


def _column_json(column: ColumnDrift) -> dict[str, Any]:
    return {"type": column.kind, "stattest": column.test.name,
            "statistic": _number(column.statistic), "threshold": column.threshold,
            "drifted": column.drifted, "psi": _number(column.psi)}


def _number(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)  # JSON has no NaN or infinity


def render(result: Monitored, limit: int = LIMIT) -> str:
    """The Markdown report, shortened (charts, then rows) until it fits `limit`."""
    for drawn, rows in ((CHARTS, None), (0, None), (0, ROWS)):
        text = _text(result, drawn, rows)
        if len(text) <= limit:
            return text
    return hard_cut(text, limit)


def _text(result: Monitored, charts: int, rows: int | None) -> str:
    parts = [_headline(result), _columns(result, rows), _prediction(result),
             _performance(result), _quality(result, rows), _charts(result, charts),
             _notes(result), _footer(result)]
    return "\n\n".join("\n".join(p) for p in parts if p) + "\n"


def headline(result: Monitored) -> str:
    """One line: healthy, or what is wrong (the PR title and the job summary use it)."""
    where = f"{result.model} {result.version}" + (f" ({result.stage})" if result.stage else "")
    problems = []
    if result.drift.dataset_drift:
        problems.append(f"data drift in {len(result.drift.drifted)} of "
                        f"{len(result.drift.columns)} columns")
    if result.prediction_drift:
        problems.append("prediction drift")
    if result.breached and result.performance is not None:
        failed = len(result.performance.failures)
        problems.append(f"KPIs below the bar ({failed} rule{'' if failed == 1 else 's'} failed)")
    return f"{where}: " + ("; ".join(problems) if problems else "healthy")


def _headline(result: Monitored) -> list[str]:
    mark = "✅" if result.healthy else "❌"
    ref, cur = result.reference.profile, result.current
    source = ref.source.get("path", result.reference.where)
    at = f" at `{ref.source['commit'][:7]}`" if ref.source.get("commit") else ""
    share = result.drift.share
    return [MARKER, f"## {mark} mlci monitor: {escape(headline(result))}", "",
            f"Reference: `{escape(source)}`{at}, {ref.rows:,} rows "
            f"({_origin(result)}). Current: `{escape(result.current_source)}`, "
            f"{cur.rows:,} rows.",
            "", f"The data set drifts when at least {_percent(result.drift.drift_share)} of its "
            f"columns drift: {len(result.drift.drifted)} of {len(result.drift.columns)} "
            f"({_percent(share)}) did."]


def _origin(result: Monitored) -> str:
    return {"given": "given", "published": "profile published with the version",
            "cached": "profile built earlier, cached", "built": "profile built now"}[
        result.reference.origin]


def _columns(result: Monitored, rows: int | None) -> list[str]:
    columns = list(result.drift.columns)
    if not columns:
        return ["### Columns", "", "No column could be compared."]
    # drifted columns come first and always stay
    shown = columns if rows is None else columns[:max(rows, len(result.drift.drifted))]
    lines = ["### Columns", "", "Most drifted first. PSI: above 0.1 moderate, above 0.25 major.",
             "", *table(["Column", "Type", "Test", "Statistic", "Threshold", "Drift", "PSI"],
                           [_row(c) for c in shown], "lllrrlr")]
    if len(shown) < len(columns):
        lines += ["", f"{len(columns) - len(shown)} more columns without drift left out."]
    return lines


def _row(column: ColumnDrift) -> list[str]:
    verdict = "❌ drift" if column.drifted else "✅ no drift"
    band = BANDS[stattests.psi_band(column.psi)]
    return [escape(column.name), column.kind, escape(column.test.label),
            fmt(column.statistic), fmt(column.threshold), verdict, f"{fmt(column.psi)}{band}"]


def _prediction(result: Monitored) -> list[str]:
    pred = result.prediction
    if pred is None:
        return []
    lines = ["### Predictions", "", "The model's predictions on the training data vs on the "
             "current rows.", "", *table(["Test", "Statistic", "Threshold", "Drift", "PSI"],
                                           [_row(pred)[2:]], "lrrlr")]
    if isinstance(pred.reference.dist, Categorical) and isinstance(pred.current.dist, Categorical):
        lines += ["", *_category_table(pred, "Class")]
    return lines


def _performance(result: Monitored) -> list[str]:
    gate = result.performance
    if gate is None:
        return []
    lines = ["### Performance", "", f"KPIs on the {result.labelled:,} labelled current rows; "
             "the version's own metrics (its model card) are the base."]
    if gate.rules:
        lines += ["", *_gate_table(gate)]
    values = [[escape(k), fmt(v)] for k, v in sorted(gate.head_values.items())]
    return [*lines, "", *details("Every KPI", table(["KPI", "Value"], values, "lr"))]


def _gate_table(gate: GateResult) -> list[str]:
    rows = [[escape(r.metric), escape(r.rule), "" if r.threshold is None else fmt(
        r.threshold), escape(fmt(r.base)), escape(fmt(r.head)),
        OUTCOMES.get(r.outcome, "➖ n/a"), escape(r.reason)] for r in gate.rules]
    return table(["KPI", "Rule", "Threshold", "Version", "Live", "Result", "Reason"], rows,
                    "llrrrll")


def _quality(result: Monitored, rows: int | None) -> list[str]:
    found = list(result.drift.quality)
    if not found:
        return []
    shown = found if rows is None else found[:rows]
    cells = [[escape(f.column), f.check, escape(f.detail)] for f in shown]
    lines = ["### Data quality", "", *table(["Column", "Check", "Finding"], cells, "lll")]
    return lines + (["", f"{len(found) - len(shown)} more findings left out."]
                    if len(shown) < len(found) else [])


def _charts(result: Monitored, limit: int) -> list[str]:
    chosen = [c for c in result.drift.columns if c.name not in result.private][:limit]
    if not chosen:
        return []
    lines = ["### Distributions", "", "Share of rows per bin or category: the training data "
             "as bars, the current data as a line."]
    for column in chosen:
        lines += ["", *_chart(column)]
    return lines


def _chart(column: ColumnDrift) -> list[str]:
    """Reference shares as bars, current shares as a line, over the same bins."""
    labels, ref, cur = _bins(column)
    series = [charts.Series("training data", tuple(ref), "bar"),
              charts.Series("current", tuple(cur))]
    return charts.xychart(column.name, labels, series, y_title="share of rows").splitlines()


def _bins(column: ColumnDrift) -> tuple[list[str], list[float], list[float]]:
    ref, cur = column.reference.dist, column.current.dist
    if isinstance(ref, Numeric) and isinstance(cur, Numeric):
        low, high = min(ref.minimum, cur.minimum), max(ref.maximum, cur.maximum)
        edges = np.linspace(low, high if high > low else low + 1, BINS + 1)
        shares = [stattests._histogram(d, edges) / d.count for d in (ref, cur)]
        return [f"{e:.3g}" for e in edges[:-1]], shares[0].tolist(), shares[1].tolist()
    assert isinstance(ref, Categorical) and isinstance(cur, Categorical)
    keys = sorted(set(ref.categories) | set(cur.categories),
                  key=lambda k: -(ref.categories.get(k, 0) / ref.count
                                  + cur.categories.get(k, 0) / cur.count))[:BINS]
    return (keys, [ref.categories.get(k, 0) / ref.count for k in keys],
            [cur.categories.get(k, 0) / cur.count for k in keys])


def _category_table(column: ColumnDrift, what: str) -> list[str]:
    keys, ref, cur = _bins(column)
    rows = [[escape(k), _percent(r), _percent(c)]
            for k, r, c in zip(keys, ref, cur, strict=True)]
    return table([what, "Training data", "Current"], rows, "lrr")


def _notes(result: Monitored) -> list[str]:
    return [f"> {escape(note)}" for note in result.notes]


def _footer(result: Monitored) -> list[str]:
    return [f"<sub>Generated by mlci (`mlci monitor`): {escape(result.model)} "
            f"{result.version} at `{result.commit[:7]}`.</sub>"]


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%" if share * 100 == round(share * 100) else f"{share * 100:.1f}%"
