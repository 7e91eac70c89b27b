"""`mlci sweep` on the real pipeline: isolated work trees sharing the DVC cache, the workspace
untouched, numbers equal to `mlci diff`'s, the best restored with no stage run, failures
reported while the others go on; `plan` and `collect`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.commands import commit_all, git, mlci, run
from support.projects import copy_project, make_project

GRID = "sweep:\n  params:\n    train.C: [0.3, 1.0]\n  rank_by: roc_auc\n"


def with_grid(root: Path, grid: str) -> None:
    (root / "mlci.yaml").write_text((root / "mlci.yaml").read_text() + grid)
    commit_all(root, "a parameter sweep")


@pytest.fixture(scope="module")
def swept(trained_template: Path, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[Path, dict[str, Any], bytes]:
    """A project after `mlci sweep --jobs 2 --json --push`: (root, its JSON, params before)."""
    tmp = tmp_path_factory.mktemp("swept")
    root = copy_project(trained_template, tmp)
    with_grid(root, GRID)
    before = (root / "params.yaml").read_bytes()
    result = mlci("sweep", "--jobs", "2", "--json", "--push", cwd=root)
    assert "[2/2]" in result.stderr
    return root, json.loads(result.stdout), before


def statuses(document: dict[str, Any]) -> dict[str, str]:
    return {stage["name"]: stage["status"] for stage in document["stages"]}


def test_every_combination_ran_and_the_best_is_first(swept: tuple[Path, Any, bytes]) -> None:
    _, data, _ = swept
    assert [run["params"] for run in data["runs"]] in (
        [{"train.C": 0.3}, {"train.C": 1.0}], [{"train.C": 1.0}, {"train.C": 0.3}])
    assert all(set(run) == {"params", "metrics", "gate", "status", "error"}
               for run in data["runs"])
    assert [(run["status"], run["gate"], run["error"]) for run in data["runs"]] == [
        ("ok", "pass", None)] * 2
    assert set(data["runs"][0]["metrics"]) == {"accuracy", "f1", "log_loss", "roc_auc"}
    assert data["runs"][0]["metrics"]["roc_auc"] >= data["runs"][1]["metrics"]["roc_auc"]
    assert data["best"] == data["runs"][0]


def test_the_workspace_is_untouched(swept: tuple[Path, Any, bytes]) -> None:
    root, _, before = swept
    assert (root / "params.yaml").read_bytes() == before
    assert git(root, "status", "--porcelain") == ""
    assert git(root, "stash", "list") == ""
    assert len(git(root, "worktree", "list").splitlines()) == 1


def test_each_combination_restores_with_no_stage_run_and_matches_mlci_diff(
        swept: tuple[Path, Any, bytes], tmp_path: Path) -> None:
    root, data, _ = swept
    results = tmp_path / "results"
    for i, entry in enumerate(data["runs"]):
        args = [a for key, value in entry["params"].items() for a in ("-S", f"{key}={value}")]
        restored = mlci("repro", *args, "--json", cwd=root)
        assert "ran" not in statuses(json.loads(restored.stdout)).values(), restored.stdout
        diff = json.loads(mlci("diff", "--json", "--all", cwd=root).stdout)["metrics"]
        assert {key: change["new"] for key, change in diff["metrics.json"].items()} == (
            entry["metrics"])
        (results / str(i)).mkdir(parents=True)
        (results / str(i) / "overrides.txt").write_text(" ".join(args[1::2]) + "\n")
        (results / str(i) / "repro.json").write_text(restored.stdout)
    git(root, "checkout", "--", "params.yaml")
    collected = json.loads(mlci("sweep", "collect", str(results), "--json", cwd=root).stdout)
    assert collected == data  # the CI path ranks the same numbers the same way


def test_push_lets_a_fresh_clone_restore_the_best(swept: tuple[Path, Any, bytes],
                                                  tmp_path: Path) -> None:
    root, data, _ = swept
    git(root, "push", "-q", "origin", "main")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(root.parent / "origin.git"), str(clone))
    best = data["best"]["params"]["train.C"]
    restored = json.loads(mlci("repro", "--pull", "-S", f"train.C={best}", "--json",
                               cwd=clone).stdout)
    assert "ran" not in statuses(restored).values(), restored
    assert restored["metrics"]["metrics.json"] == data["best"]["metrics"]


def test_collect_reports_combinations_without_a_result(swept: tuple[Path, Any, bytes],
                                                       tmp_path: Path) -> None:
    root, _, _ = swept
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "overrides.txt").write_text("train.C=0.3\n")
    (tmp_path / "a" / "repro.json").write_text("{not json")
    (tmp_path / "b").symlink_to(tmp_path / "a", target_is_directory=True)
    result = mlci("sweep", "collect", str(tmp_path), "--output", str(tmp_path / "l.md"), cwd=root)
    assert "2 combinations, 2 failed" in result.stderr
    text = (tmp_path / "l.md").read_text()
    assert text.startswith("## ❌ mlci sweep: no combination to recommend")
    assert "mlci repro printed no result" in text and "no result: its CI job uploaded none" in text
    missing = mlci("sweep", "collect", str(tmp_path / "nowhere"), cwd=root, expect=1)
    assert "nowhere: no such directory" in missing.stderr


def test_a_failed_combination_is_reported_while_the_others_go_on(project: Path) -> None:
    with_grid(project, "sweep:\n  params:\n    train.C: [-1.0, 1.0]\n  rank_by: roc_auc\n")
    result = mlci("sweep", "--jobs", "2", "--json", cwd=project, expect=1)
    data = json.loads(result.stdout)
    good, bad = data["runs"]
    assert (good["params"], good["status"], good["gate"]) == ({"train.C": 1.0}, "ok", "pass")
    assert (bad["params"], bad["status"], bad["metrics"]) == ({"train.C": -1.0}, "failed", {})
    assert bad["error"]["stage"] == "train"
    assert "stage 'train' failed: `python src/train.py` exited with 1" in bad["error"]["message"]
    assert data["best"] == good
    assert "train.C=-1.0: failed at stage train" in result.stderr


def test_plan_is_the_matrix_and_bad_input_is_one_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "sweep", "sweep")
    plan = mlci("sweep", "plan", "--json", cwd=root).stdout
    assert plan.count("\n") == 1  # one line, for $GITHUB_OUTPUT
    assert json.loads(plan)["include"][1] == {
        "id": 2, "overrides": "train.C=0.1 prepare.test_size=0.25",
        "params": {"train.C": 0.1, "prepare.test_size": 0.25}}
    listed = mlci("sweep", "plan", cwd=root).stdout.splitlines()
    assert listed == ["1: train.C=0.1 prepare.test_size=0.2",
                      "2: train.C=0.1 prepare.test_size=0.25",
                      "3: train.C=1.0 prepare.test_size=0.2",
                      "4: train.C=1.0 prepare.test_size=0.25"]
    mlci("sweep", "--jobs", "0", cwd=root, expect=2)
    plain = make_project(tmp_path / "plain", "default")
    result = mlci("sweep", cwd=plain, expect=1)
    assert result.stderr.splitlines() == [
        "mlci: error: mlci.yaml: no sweep: section",
        "hint: add one, e.g. sweep: {params: {train.C: [0.1, 1.0]}, rank_by: roc_auc}"]


def test_an_unknown_parameter_fails_before_anything_runs(project: Path) -> None:
    with_grid(project, "sweep:\n  params:\n    train.gamma: [1, 2]\n  rank_by: roc_auc\n")
    result = mlci("sweep", cwd=project, expect=1)
    assert "mlci: error: params.yaml: train.gamma: no such parameter" in result.stderr
    assert "[1/2]" not in result.stderr


def test_push_without_a_remote_fails_before_anything_runs(project: Path) -> None:
    with_grid(project, GRID)
    run(["git", "config", "-f", ".dvc/config", "--remove-section", "core"], cwd=project)
    result = mlci("sweep", "--push", cwd=project, expect=1)
    assert "mlci: error: no DVC remote is configured" in result.stderr
    assert "[1/2]" not in result.stderr
