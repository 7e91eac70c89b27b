"""`mlci gate` and `mlci.gate.gate` on real repositories: exit codes, JSON, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlci.metrics.gate import gate
from mlci.project.context import Project
from support.commands import commit_all, dvc, git, mlci

POLICY = """\
metrics:
  acc: {direction: higher, min: 0.8, max_drop: 0.02}
  loss: {direction: lower, max: 0.5}
"""


def make_repo(root: Path, policy: str | None = POLICY) -> Path:
    git(root, "init", "-q", "-b", "main")
    dvc(root, "init", "-q")
    (root / "dvc.yaml").write_text("metrics: [scores.json]\n")
    if policy is not None:
        (root / "mlci.yaml").write_text(policy)
    set_scores(root, '{"acc": 0.9, "loss": 0.3}')
    commit_all(root, "baseline")
    return root


def set_scores(root: Path, text: str) -> None:
    (root / "scores.json").write_text(text)


def test_pass_prints_every_rule(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    out = mlci("gate", cwd=root).stdout
    assert out.splitlines()[-1] == "gate passed: 2 rules (1 not applicable)"
    assert "no base value" in out and "0.9 >= min 0.8" in out


def test_regression_against_base_fails_with_exit_1(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    set_scores(root, '{"acc": 0.85, "loss": 0.3}')
    proc = mlci("gate", "--base", "HEAD", "--json", cwd=root, expect=1)
    result = json.loads(proc.stdout)
    assert result["passed"] is False
    assert result["description"] == (
        "gate failed: acc dropped 0.05 from 0.9 to 0.85 (> max_drop 0.02)")
    outcomes = {(r["metric"], r["rule"]): r["outcome"] for r in result["rules"]}
    assert outcomes == {("acc", "min"): "pass", ("acc", "max_drop"): "fail",
                        ("loss", "max"): "pass"}


def test_head_revision_is_read_from_git(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    set_scores(root, '{"acc": 0.5, "loss": 0.3}')  # the workspace fails, HEAD passes
    mlci("gate", "--head", "HEAD", cwd=root)
    mlci("gate", cwd=root, expect=1)


@pytest.mark.parametrize(("scores", "reason"), [
    ('{"loss": 0.3}', "acc missing at head"),
    ('{"acc": "high", "loss": 0.3}', "acc is not a number at head: 'high'"),
    ('{"acc": NaN, "loss": 0.3}', "acc is NaN at head"),
])
def test_missing_or_non_numeric_metric_fails(tmp_path: Path, scores: str, reason: str) -> None:
    root = make_repo(tmp_path)
    set_scores(root, scores)
    out = mlci("gate", cwd=root, expect=1).stdout
    assert out.splitlines()[-1].startswith(f"gate failed: {reason}")


def test_api_for_other_commands(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    set_scores(root, '{"acc": 0.7, "loss": 0.3}')
    sha = commit_all(root, "worse")
    result = gate(Project(root), "HEAD~1", sha)
    assert not result.passed
    assert result.describe() == "gate failed: acc 0.7 < min 0.8 (+1 more)"
    assert [r.outcome for r in result.rules] == ["fail", "fail", "pass"]
    assert gate(Project(root), None, "HEAD~1").passed


def test_without_mlci_yaml_there_is_no_gate(tmp_path: Path) -> None:
    root = make_repo(tmp_path, policy=None)
    assert mlci("gate", cwd=root).stdout == (
        "no gate: this project has no mlci.yaml (`mlci init` writes one with its metrics; "
        "add thresholds to gate them)\n")
    (root / "mlci.yaml").write_text("default_branch: main\n")
    assert mlci("gate", cwd=root).stdout == "no gate: no metric has a rule\n"
    assert json.loads(mlci("gate", "--json", cwd=root).stdout)["description"] == (
        "no gate: no metric has a rule")


def test_invalid_policy_names_file_and_key(tmp_path: Path) -> None:
    root = make_repo(tmp_path, policy="metrics:\n  acc: {min: high}\n")
    proc = mlci("gate", cwd=root, expect=1)
    assert proc.stderr.splitlines()[0] == (
        "mlci: error: mlci.yaml:2: metrics.acc.min: expected a number, got 'high'")


def test_unknown_base_is_one_line(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    proc = mlci("gate", "--base", "v9.9", cwd=root, expect=1)
    assert proc.stderr.splitlines()[0] == "mlci: error: unknown revision 'v9.9'"
