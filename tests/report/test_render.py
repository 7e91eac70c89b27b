"""The report's pure parts: escaping, tables, charts, plot data, truncation, and golden reports.

Regenerate the golden files with `MLCI_REGEN_GOLDEN=1 pytest tests/report`.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from mlci.config import MetricPolicy
from mlci.metrics.rules import evaluate
from mlci.project import values
from mlci.report import document, plotdata, render
from mlci.shared.markdown import REPORT_MARKER, details, escape, table

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("MLCI_REGEN_GOLDEN") == "1"  # read before conftest clears MLCI_*


@pytest.mark.parametrize(("value", "expected"), [
    ("accuracy", "accuracy"),
    ("a|b", "a\\|b"),
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("ping @octocat", "ping @&#8203;octocat"),
    ("*bold* _it_ `code` [link]", "\\*bold\\* \\_it\\_ \\`code\\` \\[link\\]"),
    ("two\nlines\r\n", "two lines"),
    ("a & b", "a &amp; b"),
    ("back\\slash", "back\\\\slash"),
    (0.5, "0.5"),
])
def test_escape(value: object, expected: str) -> None:
    assert escape(value) == expected


def test_table_and_details() -> None:
    assert table(["a", "b"], [["1", "2"]], "lr") == ["| a | b |", "|---|---:|", "| 1 | 2 |"]
    assert details("more", ["x"]) == ["<details>", "<summary>more</summary>", "", "x", "",
                                         "</details>"]


@pytest.mark.parametrize(("points", "expected"), [
    ([(0.0, 0.0), (0.0, 0.5), (0.5, 0.9), (1.0, 1.0)], [0.5, 0.5, 0.9, 0.9, 1.0]),
    ([(1.0, 1.0), (0.0, 0.2)], [0.2, 0.2, 0.2, 0.2, 1.0]),
])
def test_grid_is_a_step_curve(points: list[tuple[float, float]], expected: list[float]) -> None:
    assert plotdata.grid(points, 0.0, 1.0, count=5) == expected


@pytest.mark.parametrize(("data", "expected"), [
    ({"roc": [{"fpr": 0, "tpr": 1}]}, [{"fpr": 0, "tpr": 1}]),
    ([{"a": 1}, "junk"], []),  # as DVC's get_datapoints: a list with non-records is no data
    ({"meta": {"x": 1}, "rows": {"inner": [{"a": 2}]}}, [{"a": 2}]),
    ({"nothing": 1}, []),
    # DVC merges every list of records, record by record
    ({"x": [{"a": 1}, {"a": 2}], "y": [{"b": 3}]}, [{"a": 1, "b": 3}, {"a": 2}]),
    ({"x": [{"a": 1}, {"b": 2}]}, []),  # records with different keys are no datapoints
])
def test_plot_rows(data: object, expected: list[dict[str, object]]) -> None:
    assert values.rows(data) == expected


def test_csv_and_confusion() -> None:
    records = values.parse_csv("actual,predicted\n1,1\n1,0\n0,0\n1,1\n")
    assert plotdata.confusion(records, "actual", "predicted") == {
        ("1", "1"): 2, ("1", "0"): 1, ("0", "0"): 1}
    assert plotdata.curve([{"x": 1, "y": "n/a"}, {"x": 2, "y": 3}, {"x": 3, "y": math.inf}],
                          "x", "y") == [(2.0, 3.0)]


@pytest.mark.parametrize(("n", "expected"), [
    (None, "—"), (0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (5 * 1024**3, "5.0 GiB"),
])
def test_size(n: int | None, expected: str) -> None:
    assert render.size(n) == expected


POLICY = {
    "accuracy": MetricPolicy(direction="higher", min=0.9, max_drop=0.01),
    "log_loss": MetricPolicy(direction="lower", max=0.3),
    "f1": MetricPolicy(direction="higher"),
}
BASE = {"accuracy": 0.95, "log_loss": 0.2, "f1": 0.93}
HEAD = {"accuracy": 0.93, "log_loss": 0.18, "f1": 0.93}
ROC_BASE = tuple({"fpr": f, "tpr": t} for f, t in [(0, 0), (0, 0.6), (0.1, 0.8), (0.4, 0.95),
                                                      (1, 1)])
ROC_HEAD = tuple({"fpr": f, "tpr": t} for f, t in [(0, 0), (0, 0.7), (0.1, 0.85), (0.3, 0.97),
                                                      (1, 1)])
CONFUSION_BASE = tuple({"actual": a, "predicted": p} for a, p in [(0, 0)] * 50 + [(0, 1)] * 3
                       + [(1, 0)] * 2 + [(1, 1)] * 88)
CONFUSION_HEAD = tuple({"actual": a, "predicted": p} for a, p in [(0, 0)] * 51 + [(0, 1)] * 2
                       + [(1, 0)] * 3 + [(1, 1)] * 87)


def full_report() -> document.Report:
    """Every section, with names that need escaping."""
    return document.Report(
        base="1a2b3c4", head="5d6e7f8", workspace=True, branch="main",
        gate=evaluate(POLICY, BASE, HEAD), stages=("prepare", "train", "evaluate"),
        metrics=(
            document.MetricRow("accuracy", 0.95, 0.93, "higher"),
            document.MetricRow("log_loss", 0.2, 0.18, "lower"),
            document.MetricRow("f1", 0.93, 0.93, "higher"),
            document.MetricRow("recall|macro <b>@team</b>", 0.8, 0.82),
            document.MetricRow("new_metric", None, 3),
            document.MetricRow("old_metric", 7, None),
            document.MetricRow("status", "ok", "degraded"),
        ),
        params=(document.ParamRow("train.C", 1.0, 0.5), document.ParamRow("train.solver", "lbfgs",
                                                                        "saga"),
                document.ParamRow("prepare.features", "['a', 'b']", "['a', 'b', 'c']")),
        trends=(
            document.Trend("accuracy", "higher", ("a1", "b2", "c3", "head"),
                         (0.94, 0.95, 0.95, 0.93)),
            document.Trend("log_loss", "lower", ("a1", "b2", "c3", "head"),
                           (0.22, 0.21, 0.2, 0.18)),
        ),
        plots=(
            document.PlotPair("plots/roc.json", "ROC curve", "curve", "fpr", "tpr", ROC_BASE,
                            ROC_HEAD),
            document.PlotPair("plots/confusion.json", "Confusion matrix", "confusion", "actual",
                            "predicted", CONFUSION_BASE, CONFUSION_HEAD),
        ),
        data=(document.DataChange("data/prepared", "modified", 161_575, 170_002, 2),
              document.DataChange("models/model.pkl", "modified", 912, 1_204),
              document.DataChange("data/extra.csv", "added", None, 2_048_000),
              document.DataChange("data/old.csv", "deleted", 4_096, None)),
    )


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, (
        f"{path} differs; MLCI_REGEN_GOLDEN=1 pytest tests/report regenerates it")


NUM = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)"  # NUMBER_WITH_DECIMAL in mermaid's xychart.jison
MERMAID_LINES = [re.compile(p) for p in (
    r'%%\{init: \{"themeVariables": \{"xyChart": \{"plotColorPalette": "#[0-9a-f]{6}'
    r'(, #[0-9a-f]{6})*"\}\}\}\}%%', r"xychart-beta",
    r'    title "[^"%]*"', r'    x-axis \["[^"]*"(, "[^"]*")*\]',
    rf'    x-axis "[^"]*" {NUM} --> {NUM}', rf'    y-axis "[^"]*" {NUM} --> {NUM}',
    rf"    line \[{NUM}(, {NUM})*\]",
)]


def mermaid_blocks(text: str) -> list[list[str]]:
    return [part.split("\n```")[0].split("\n") for part in text.split("```mermaid\n")[1:]]


def test_golden_full_report() -> None:
    text = render.render(full_report())
    check_golden("full.md", text)
    blocks = mermaid_blocks(text)
    assert len(blocks) == 3 and all(block[1] == "xychart-beta" for block in blocks)
    for block in blocks:  # what xychart's grammar accepts: no exponents, no stray quotes
        assert [line for line in block if not any(p.fullmatch(line) for p in MERMAID_LINES)] == []
    assert text.startswith(REPORT_MARKER + "\n")
    assert "@team" not in text and "<b>" not in text and "recall\\|macro" in text


def test_golden_passing_report_without_extras() -> None:
    small = document.Report(base="1a2b3c4", head="5d6e7f8", gate=evaluate(POLICY, BASE, BASE),
                          metrics=tuple(document.MetricRow(k, v, v, POLICY[k].direction)
                                        for k, v in BASE.items()))
    check_golden("unchanged.md", render.render(small))


def test_no_policy_and_no_metrics() -> None:
    text = render.render(document.Report(base="1a2b3c4", head="1a2b3c4",
                                         gate=evaluate({}, None, {})))
    assert "No metrics found at base or head." in text
    assert "mlci.yaml sets no metric policy" in text
    assert "### Trends" not in text and "### Plots" not in text


def many_rows(n: int) -> document.Report:
    rows = tuple(document.MetricRow(f"metric_{i:05d}", i, i + 1, "higher") for i in range(n))
    return replace(full_report(), metrics=rows + tuple(
        document.MetricRow(f"same_{i:05d}", 1, 1) for i in range(n)))


@pytest.mark.parametrize(("rows", "limit", "cut"), [
    (10, 65_000, None),
    (10, 3_300, "the numbers under the plots"),
    (10, 2_400, "2 trend chart(s)"),
    (200, 15_000, "the unchanged metrics"),
    (2_000, 65_000, "metric rows beyond 200"),
])
def test_truncation_fits_and_says_what_was_cut(rows: int, limit: int, cut: str | None) -> None:
    text = render.render(many_rows(rows), limit=limit)
    assert len(text) <= limit
    assert text.startswith(REPORT_MARKER)
    if cut is None:
        assert "Shortened" not in text
    else:
        assert "Shortened to fit" in text and cut in text
        assert text.count("```") % 2 == 0 and text.count("<details>") == text.count("</details>")


def test_hard_cut_as_a_last_resort() -> None:
    text = render.render(many_rows(2_000), limit=3_000)
    assert len(text) <= 3_000 and "Report cut at 3,000 characters" in text
    assert text.startswith(REPORT_MARKER)


def test_data_checks_section() -> None:
    from mlci.data.results import Failure, ScanResult

    failures = tuple(Failure(f"col{i}", "not_nullable", i + 1, (None,)) for i in range(25))
    checks = (document.SchemaCheck("data/a.csv", "data/a.yaml", True, False, failures),
              document.SchemaCheck("data/b.csv", "data/b.yaml", None, None, (),
                                 "no data/b.json: run the pipeline (`mlci repro`)"))
    text = render.render(document.Report(base="1a2b3c4", head="5d6e7f8",
                                       gate=evaluate({}, None, {}), checks=checks,
                                       privacy=ScanResult((), 3, 120, 9)))
    section = text.split("### Data checks\n\n", 1)[1]
    assert section.startswith("| Data | Schema | Base | Head |\n|---|---|---|---|\n"
                              "| data/a.csv | data/a.yaml | ✅ valid | ❌ failed |\n"
                              "| data/b.csv | data/b.yaml | ➖ no result | ➖ no result |\n")
    assert "| col19 | not\\_nullable | 20 | null |" in section
    assert "col20" not in section and "_5 more failed check(s) not shown._" in section
    assert "**data/b.csv**: no data/b.json: run the pipeline (\\`mlci repro\\`)" in section
    assert ("**Privacy scan**: ✅ no personal data or secrets (scanned 3 file(s), 120 rows, "
            "9 columns).") in section
