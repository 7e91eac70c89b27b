"""Runs from `mlci repro --json` outcomes, their order, `--json` and the Markdown leaderboard
(pure)."""

from __future__ import annotations

from typing import Any

import pytest

from mlci.config import MetricPolicy
from mlci.project import grid
from mlci.sweep import display, leaderboard
from mlci.sweep.leaderboard import Judge, Run
from mlci.sweep.uploads import outcome_of
from support.browser import MermaidBrowser, problems

POLICY = {"roc_auc": MetricPolicy("higher", min=0.95, max_drop=0.01),
          "log_loss": MetricPolicy("lower", max=0.3)}
JUDGE = Judge(POLICY, {"roc_auc": 0.99, "log_loss": 0.07}, "HEAD (abc1234)")
COMBOS = grid.expand({"train.C": (0.1, 0.3, 1.0, 3.0)})


def ok(roc_auc: float, log_loss: float) -> dict[str, Any]:
    return {"params": [], "stages": [{"name": "train", "status": "ran", "seconds": 1.0}],
            "metrics": {"metrics.json": {"roc_auc": roc_auc, "log_loss": log_loss}},
            "metrics_vs_head": {}, "pushed": None}


FAILED = {"params": [], "error": {"message": "stage 'train' failed: `python src/train.py` "
                                  "exited with 1\n--- last lines ---\nValueError: C < 0",
                                  "hint": "fix the stage", "stage": "train"}}


def record(combination: grid.Combination, document: Any) -> Run:
    """The run of a combination whose job uploaded `document` as its repro.json."""
    return leaderboard.record(combination, outcome_of(document), JUDGE)


def board() -> leaderboard.Leaderboard:
    runs = [record(COMBOS[0], ok(0.995, 0.10)),
            record(COMBOS[1], ok(0.9975, 0.08)),
            record(COMBOS[2], ok(0.97, 0.09)),  # drops 0.02: gate fails
            record(COMBOS[3], FAILED)]
    return leaderboard.rank(runs, "roc_auc", "higher", JUDGE.base_label)


def test_runs_are_ranked_ok_then_gate_then_metric() -> None:
    found = board()
    assert [r.combination.as_dict()["train.C"] for r in found.runs] == [0.3, 0.1, 1.0, 3.0]
    assert [(r.status, r.gate) for r in found.runs] == [("ok", "pass"), ("ok", "pass"),
                                                         ("ok", "fail"), ("failed", "fail")]
    assert found.best is found.runs[0]
    lower = leaderboard.rank(found.runs, "log_loss", "lower")
    assert [r.combination.id for r in lower.runs] == [2, 1, 3, 4]


def test_json_is_exactly_the_documented_shape() -> None:
    data = board().to_json()
    assert set(data) == {"runs", "best"}
    assert data["runs"][0] == {"params": {"train.C": 0.3},
                               "metrics": {"roc_auc": 0.9975, "log_loss": 0.08},
                               "gate": "pass", "status": "ok", "error": None}
    assert data["best"] == data["runs"][0]
    assert data["runs"][3] == {"params": {"train.C": 3.0}, "metrics": {}, "gate": "fail",
                               "status": "failed", "error": {"stage": "train",
                                                             "message": FAILED["error"]["message"]}}


@pytest.mark.parametrize(
    ("document", "stage", "message"),
    [(None, None, "mlci repro printed no result"),
     ([1, 2], None, "mlci repro printed no result"),
     ({"error": {"message": "no DVC remote is configured", "stage": None}}, None,
      "no DVC remote is configured"),
     ({"metrics": {"metrics.json": 3}}, None, "mlci repro reported no metrics"),
     ({"error": {"stage": 5}}, None, "mlci repro failed")],
)
def test_untrusted_documents_become_failed_runs(document: Any, stage: str | None,
                                                message: str) -> None:
    run = record(COMBOS[0], document)
    assert (run.status, run.gate, run.metrics) == ("failed", "fail", {})
    assert run.error == leaderboard.Failure(stage, message)


def test_metric_names_follow_mlci_yaml_and_name_the_file_when_ambiguous() -> None:
    files = {"m.json": {"acc": 1, "test.f1": 2}, "n.json": {"acc": 3}}
    assert record(COMBOS[0], {"metrics": files}).metrics == {
        "m.json:acc": 1, "test.f1": 2, "n.json:acc": 3}


def test_no_best_when_nothing_succeeded() -> None:
    found = leaderboard.rank([record(COMBOS[3], FAILED)], "roc_auc", "higher")
    assert found.best is None and found.to_json()["best"] is None
    assert "no combination to recommend" in display.markdown_report(found)


def test_markdown_has_the_table_chart_failures_and_restore_command() -> None:
    text = display.markdown_report(board(), ("roc_auc", "log_loss"))
    assert text.startswith("## 🏆 mlci sweep: best roc\\_auc 0.9975 with `train.C=0.3`\n")
    assert "| # | train.C | roc\\_auc | log\\_loss | Gate |" in text
    assert "| 1 | 0.3 | **0.9975** | 0.08 | ✅ pass |" in text
    assert "| 3 | 1.0 | **0.97** | 0.09 | ❌ fail: roc\\_auc dropped 0.02" in text
    assert "| 4 | 3.0 | — | — | 💥 failed (stage `train`) |" in text
    chart = text.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert chart.splitlines()[1:] == [
        "xychart-beta",
        '    title "roc_auc per combination (train.C), higher is better"',
        '    x-axis ["0.1", "0.3", "1.0"]',  # grid order; the failed combination has no bar
        '    y-axis "roc_auc" 0.967 --> 1',
        "    bar [0.995, 0.9975, 0.97]"]
    assert "<sub>y axis 0.967 to 1: the values' range plus margins.</sub>" in text
    assert "<summary>train.C=3.0 (stage train)</summary>" in text
    assert "ValueError: C &lt; 0" not in text and "ValueError: C < 0" in text  # in a code block
    assert "```bash\nmlci repro -S train.C=0.3\n```" in text


def test_a_message_cannot_close_its_code_block() -> None:
    failed = leaderboard.failed(COMBOS[0], None, "````\n# injected heading")
    text = display.markdown_report(leaderboard.rank([failed], "roc_auc", "higher"))
    assert "`````text\n````\n# injected heading\n`````" in text


def test_terminal_table_lists_every_run_and_the_restore_command() -> None:
    text = display.text(board(), ("roc_auc", "log_loss"))
    lines = text.splitlines()
    assert lines[0].split() == ["#", "train.C", "roc_auc", "log_loss", "gate"]
    assert lines[2].split() == ["1", "0.3", "0.9975", "0.08", "pass"]
    assert "failed at stage train: stage 'train' failed:" in lines[5]
    assert lines[-1] == "  mlci repro -S train.C=0.3"


def test_the_leaderboard_chart_draws_readably(mermaid: MermaidBrowser) -> None:
    grid_runs = [record(c, ok(0.99 + c.id / 1000, 0.1))
                 for c in grid.expand({"train.C": (0.1, 0.3, 1.0), "prepare.test_size":
                                       (0.2, 0.25)})]
    text = display.markdown_report(leaderboard.rank(grid_runs, "roc_auc", "higher"))
    drawn = mermaid.draw(text, "sweep-leaderboard")
    assert len(drawn) == 2  # one chart, light and dark
    assert problems(drawn) == []
