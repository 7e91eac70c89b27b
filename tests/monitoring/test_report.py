"""The monitor report (pure): headline, severity order, size limit, JSON, private columns."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from mlci.config import MetricPolicy
from mlci.metrics import rules
from mlci.monitoring import drift, profile, references, report
from mlci.monitoring.monitor import Monitored


def profiled(columns: dict[str, object], spec: profile.Spec | None = None) -> profile.Profile:
    return profile.build([pa.record_batch(columns)], spec or profile.Spec())


def result(columns: int = 3, shift: float = 2.0, private: frozenset[str] = frozenset(),
           performance: rules.GateResult | None = None) -> Monitored:
    rng = np.random.default_rng(0)
    ref = profiled({f"c{i}": rng.normal(0, 1, 300) for i in range(columns)}
                   | {"city": rng.choice(["Oslo", "Rome"], 300)})
    cur = profiled({f"c{i}": rng.normal(shift * (i % 2), 1, 200) for i in range(columns)}
                   | {"city": rng.choice(["Oslo", "Lima"], 200)},
                   profile.current_spec(ref, profile.Spec()))
    compared = drift.compare(ref, cur, drift.Options())
    return Monitored("classifier", "v1.0.0", "a" * 40, "prod",
                     references.Reference(ref, "published", "remote"), cur, "live.csv",
                     compared, performance=performance, private=private, labelled=200)


def test_headline_names_what_is_wrong_and_columns_come_most_drifted_first() -> None:
    drifted = result()
    text = report.render(drifted)
    assert text.startswith("<!-- mlci-monitor -->\n## ❌ mlci monitor: classifier v1.0.0 "
                           "(prod): data drift in 2 of 4 columns")
    rows = [line for line in text.split("### Columns")[1].split("###")[0].splitlines()
            if line.startswith("| c") or line.startswith("| city")]
    assert [r.split(" | ")[0] for r in rows][:2] in (["| c1", "| city"], ["| city", "| c1"])
    assert "| Oslo" not in text.split("### Data quality")[0]
    assert "1 category the reference never had: Lima" in text
    healthy = report.render(result(shift=0.0, columns=2))
    assert "## ✅ mlci monitor: classifier v1.0.0 (prod): healthy" in healthy


def test_private_columns_get_no_chart_and_no_category_names() -> None:
    rng = np.random.default_rng(1)
    spec = profile.Spec(hashed=frozenset({"city"}))
    ref = profiled({"city": rng.choice(["Oslo", "Rome"], 300)}, spec)
    cur = profiled({"city": rng.choice(["Lima", "Quito"], 200)}, profile.current_spec(ref, spec))
    monitored = Monitored("m", "v1", "b" * 40, None, references.Reference(ref, "built", "x"),
                          cur, "live", drift.compare(ref, cur, drift.Options()),
                          private=frozenset({"city"}))
    text = report.render(monitored) + json.dumps(report.to_json(monitored))
    assert "| city | categorical |" in text and "```mermaid" not in text
    for value in ("Oslo", "Rome", "Lima", "Quito"):
        assert value not in text


def test_the_report_fits_the_limit_by_dropping_charts_then_rows() -> None:
    big = result(columns=120)
    full = report.render(big)
    assert "```mermaid" in full
    smaller = report.render(big, limit=len(full) - 1)
    assert "```mermaid" not in smaller and smaller.count("| c") == full.count("| c")
    tight = report.render(big, limit=9_000)
    assert len(tight) <= 9_000 and "more columns without drift left out" in tight


def test_json_has_exactly_the_documented_keys_and_no_nan() -> None:
    gate = rules.evaluate({"accuracy": MetricPolicy(min=0.9)}, {"accuracy": 0.95},
                          {"accuracy": 0.8, "log_loss": float("nan")})
    data = report.to_json(result(performance=gate))
    assert list(data) == ["model", "version", "dataset_drift", "drift_share", "columns",
                          "prediction", "performance"]
    assert data["prediction"] is None and data["performance"]["passed"] is False
    assert data["performance"]["values"]["head"]["log_loss"] == "nan"
    json.loads(json.dumps(data, allow_nan=False))  # strict JSON
    assert "KPIs below the bar (1 rule failed)" in report.headline(result(performance=gate))
