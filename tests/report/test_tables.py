"""Issue 15, defect 2: every Markdown table the report can produce is a table to a real GFM
parser (markdown-it-py with the table rule), each row as wide as its header."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlci.config import MetricPolicy
from mlci.metrics.rules import Gaps, evaluate
from mlci.report import document, render
from mlci.shared.markdown import table
from support import gfm
from support.adopted import Adopted, clone
from support.commands import mlci

GOLDEN = Path(__file__).parent / "golden"
ROC = tuple({"fpr": f / 10, "tpr": min(1.0, f / 5)} for f in range(11))
CONFUSION = tuple({"actual": a, "predicted": p} for a, p in [(0, 0), (0, 1), (1, 1), (1, 1)])


def test_a_plot_without_base_data_is_a_table() -> None:
    """The plot file moved: the numbers table has one data column; it had two header cells
    and three delimiter cells, and GitHub showed raw pipes."""
    text = render.render(document.Report(
        base="1a2b3c4", head="5d6e7f8", gate=evaluate({}, None, {}),
        plots=(document.PlotPair("plots/roc.json", "ROC", "curve", "fpr", "tpr", (), ROC),)))
    [drawn] = gfm.check(text)
    assert drawn.header == ("fpr", "head") and len(drawn.rows) == 11
    assert table(["a", "b"], [["1"]], "rrr") == ["| a | b |", "|---:|---:|", "| 1 |  |"]
    with pytest.raises(ValueError, match="more cells than its 2 headers"):
        table(["a", "b"], [["1", "2", "3"]])


def every_table() -> document.Report:
    """A report with every table, names that need escaping and empty cells."""
    policy = {"acc": MetricPolicy("higher", min=0.8, max_drop=0.01),
              "a|b": MetricPolicy("lower", max=1.0), "gone": MetricPolicy(min=0.0)}
    gaps = Gaps({"eval/m|x.json": "a DVC output (dvc.lock md5 1234567) in neither cache"}, {})
    return document.Report(
        base="1a2b3c4", head="5d6e7f8", workspace=True, stages=("train",),
        gate=evaluate(policy, {"a|b": 0.5}, {"acc": 0.9, "a|b": 0.6}, gaps),
        metrics=(document.MetricRow("acc", None, 0.9, "higher", "base"),
                 document.MetricRow("a|b `x` <i>", 0.5, 0.6, "lower"),
                 document.MetricRow("same", 1, 1), document.MetricRow("text", "ok", "bad | worse")),
        params=(document.ParamRow("train.lr", 0.1, 0.2), document.ParamRow("p|q", "", "x")),
        plots=(document.PlotPair("roc.json", "ROC | curve", "curve", "fpr", "tpr", ROC, ROC),
               document.PlotPair("moved.json", "moved | away", "curve", "fpr", "tpr", (), ROC),
               document.PlotPair("cm.csv", "CM", "confusion", "actual", "predicted", (),
                               CONFUSION)),
        data=(document.DataChange("data/a|b.csv", "added", None, 10, 2),
              document.DataChange("m.pkl", "modified", 5, 6)),
        unreadable=(document.Unreadable(("base `1a2b3c4`", "main `0f0f0f0`"), "eval/m|x.json",
                                      "a DVC output (md5 1234567) | in neither cache"),),
    )


def test_every_table_of_the_report_is_well_formed() -> None:
    found = gfm.check(render.render(every_table()))
    headers = [t.header[0] for t in found]
    assert headers == ["Revision", "Metric", "Metric", "Param", "Metric", "fpr", "fpr",
                       "actual ↓ / predicted →", "Path"]
    assert [len(t.header) for t in found[5:7]] == [3, 2]  # base and head; head only
    unreadable = found[0]
    assert unreadable.rows == (("base `1a2b3c4`, main `0f0f0f0`", "eval/m|x.json",
                                "a DVC output (md5 1234567) | in neither cache"),)
    metrics = found[1]
    assert ("acc", "unavailable", "0.9", "", "", "⚠️ unavailable") in metrics.rows


def test_the_golden_reports_are_well_formed() -> None:
    for path in sorted(GOLDEN.glob("*.md")):
        assert gfm.check(path.read_text(encoding="utf-8")), path


def test_a_real_report_of_an_adopted_project(adopted: Adopted, tmp_path: Path) -> None:
    """`mlci report` on a clone of a real-shaped DVC project: cached metrics fetched from the
    DVC remote, dvclive and multi-file plots drawn, every table well-formed."""
    root = clone(adopted, tmp_path)
    mlci("repro", "--pull", cwd=root)
    text = mlci("report", "--base", "HEAD~1", "--head", "HEAD", cwd=root).stdout
    found = gfm.check(text)
    assert [t.header[0] for t in found][:3] == ["Metric", "Metric", "Param"]
    changed = {row[0]: row[1:3] for row in found[0].rows}
    assert changed["eval/metrics.json:acc"] == ("0.9", "0.85")
    titles = [line for line in text.splitlines() if line.startswith("**")]
    assert titles == [
        "**roc: eval/plots/roc\\_train.json** (eval/plots/roc\\_train.json)",
        "**roc: eval/plots/roc\\_test.json** (eval/plots/roc\\_test.json)",
        "**dvclive/plots/metrics/eval/acc.tsv** (dvclive/plots/metrics/eval/acc.tsv)",
        "**dvclive/plots/metrics/train/loss.tsv** (dvclive/plots/metrics/train/loss.tsv)",
        "**eval/confusion.csv** (head; change vs base in brackets)",
    ]
