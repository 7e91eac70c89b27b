"""`mlci repro` on real projects: statuses, run-cache, -S, --pull/--push, failures, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.commands import commit_all, git, mlci_process, run


def repro_json(root: Path, *args: str) -> dict:
    return json.loads(mlci_process("repro", "--json", *args, cwd=root).stdout)


def statuses(summary: dict) -> dict[str, str]:
    return {stage["name"]: stage["status"] for stage in summary["stages"]}


def test_unchanged_pipeline_runs_nothing_and_prints_metrics(project: Path) -> None:
    result = mlci_process("repro", cwd=project)
    assert "Stage 'train' didn't change, skipping" in result.stdout
    lines = result.stdout.splitlines()
    assert any(line.split()[:3] == ["train", "up", "to"] for line in lines)
    accuracy = json.loads((project / "metrics.json").read_text())["accuracy"]
    # metrics vs HEAD (mlci diff's table): path, metric, HEAD, workspace, change, ...
    assert any(line.split()[:5] == ["metrics.json", "accuracy", str(accuracy), str(accuracy), "0"]
               for line in lines)


def test_set_param_retrains_and_returning_restores_from_run_cache(project: Path) -> None:
    changed = repro_json(project, "-S", "train.C=0.05")
    assert statuses(changed) == {"load": "unchanged", "validate": "unchanged",
                                 "prepare": "unchanged", "train": "ran", "evaluate": "ran"}
    assert changed["params"] == [{"param": "params.yaml:train.C", "old": 1.0, "new": 0.05}]
    assert "C: 0.05" in (project / "params.yaml").read_text()
    weaker = changed["metrics"]["metrics.json"]["log_loss"]

    back = repro_json(project, "-S", "train.C=1.0")
    assert statuses(back) == {"load": "unchanged", "validate": "unchanged",
                              "prepare": "unchanged", "train": "restored", "evaluate": "restored"}
    assert back["metrics"]["metrics.json"]["log_loss"] < weaker
    assert all(isinstance(s["seconds"], float) for s in back["stages"])


def test_json_keeps_stage_output_off_stdout(project: Path) -> None:
    result = mlci_process("repro", "--json", "-S", "train.C=0.2", cwd=project)
    summary = json.loads(result.stdout)  # stdout is nothing but the JSON
    assert statuses(summary)["train"] == "ran"
    assert "trained LogisticRegression(C=0.2)" in result.stderr
    assert "Running stage 'train'" in result.stderr


def test_targets_limit_the_pipeline(project: Path) -> None:
    assert list(statuses(repro_json(project, "prepare"))) == ["load", "validate", "prepare"]


def test_dry_run_changes_nothing(project: Path) -> None:
    params_before = (project / "params.yaml").read_text()
    model_before = (project / "models" / "model.pkl").read_bytes()
    summary = repro_json(project, "--dry-run", "-S", "train.C=0.3")
    assert statuses(summary)["train"] == "would_run"
    assert statuses(summary)["prepare"] == "unchanged"
    assert (project / "params.yaml").read_text() == params_before
    assert (project / "models" / "model.pkl").read_bytes() == model_before
    assert git(project, "status", "--porcelain") == ""


def test_push_then_a_fresh_clone_pulls_instead_of_training(project: Path, tmp_path: Path) -> None:
    # train a second parameter combination so the run-cache holds two runs, push both
    assert statuses(repro_json(project, "--push", "-S", "train.C=0.5"))["train"] == "ran"
    git(project, "checkout", "--", "params.yaml")
    pushed = repro_json(project, "--push")
    assert pushed["pushed"] > 0
    assert any((tmp_path / "dvc-remote").rglob("*"))

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), str(clone))
    assert not (clone / "models" / "model.pkl").exists()
    fresh = repro_json(clone, "--pull")
    assert "ran" not in statuses(fresh).values(), fresh
    assert (clone / "models" / "model.pkl").read_bytes() == (
        project / "models" / "model.pkl").read_bytes()

    # a branch that returns to a combination trained before restores it, it does not retrain
    second = tmp_path / "clone2"
    git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), str(second))
    earlier = repro_json(second, "--pull", "-S", "train.C=0.5")
    assert statuses(earlier)["train"] == "restored", earlier
    assert statuses(earlier)["evaluate"] == "restored", earlier


def test_pull_without_a_remote_says_how_to_add_one(project: Path) -> None:
    run(["git", "config", "-f", ".dvc/config", "--remove-section", 'core'], cwd=project)
    result = mlci_process("repro", "--pull", cwd=project, expect=1)
    assert "no DVC remote is configured" in result.stderr
    assert "dvc remote add -d" in result.stderr


def test_failing_stage_names_stage_command_code_and_output(project: Path) -> None:
    (project / "src" / "train.py").write_text(
        "import sys\nprint('loading 426 rows')\nprint('diverged at epoch 3', file=sys.stderr)\n"
        "sys.exit(3)\n"
    )
    result = mlci_process("repro", cwd=project, expect=1)
    assert "mlci: error: stage 'train' failed: `python src/train.py` exited with 3" in result.stderr
    tail = result.stderr.split("last lines of its output ---", 1)[1]
    assert "loading 426 rows" in tail and "diverged at epoch 3" in tail
    assert "hint: fix the stage, then run `mlci repro train`" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_json_reports_a_failure_too(project: Path) -> None:
    (project / "src" / "train.py").write_text("import sys\nsys.exit(4)\n")
    result = mlci_process("repro", "--json", "-S", "train.C=0.2", cwd=project, expect=1)
    failure = json.loads(result.stdout)
    assert failure["params"] == [{"param": "params.yaml:train.C", "old": 1.0, "new": 0.2}]
    assert failure["error"]["message"].startswith(
        "stage 'train' failed: `python src/train.py` exited with 4\n--- last lines")
    assert (failure["error"]["stage"], failure["error"]["hint"]) == (
        "train", "fix the stage, then run `mlci repro train`")
    assert "mlci: error: stage 'train' failed" in result.stderr
    bad = mlci_process("repro", "--json", "-S", "train.gamma=1", cwd=project, expect=1)
    assert json.loads(bad.stdout)["error"]["stage"] is None
    assert "train.gamma: no such parameter" in json.loads(bad.stdout)["error"]["message"]


def test_not_a_git_repository(tmp_path: Path) -> None:
    result = mlci_process("repro", cwd=tmp_path, expect=1)
    assert result.stderr.splitlines() == [
        f"mlci: error: {tmp_path}: not a git repository",
        "hint: run `mlci init` to make an mlci project here",
    ]


def test_git_repository_without_dvc(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    result = mlci_process("repro", cwd=tmp_path, expect=1)
    assert "not a DVC project" in result.stderr
    assert "hint: run `mlci init`" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        ("dvc.yaml", "stages:\n  train:\n    cmd: [unclosed\n", "dvc.yaml"),
        ("dvc.yaml", "stages:\n  train:\n    command: python x.py\n", "dvc.yaml"),
        ("params.yaml", "train:\n  C: [1\n", "params.yaml"),
    ],
)
def test_broken_files_are_named(project: Path, file: str, text: str, expected: str) -> None:
    (project / file).write_text(text)
    result = mlci_process("repro", cwd=project, expect=1)
    first = result.stderr.splitlines()[0]
    assert first.startswith("mlci: error: ") and expected in first, result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_parameter_changes_nothing(project: Path) -> None:
    before = (project / "params.yaml").read_text()
    result = mlci_process("repro", "-S", "train.C=0.1", "-S", "train.gamma=2", cwd=project,
                          expect=1)
    assert "mlci: error: params.yaml: train.gamma: no such parameter" in result.stderr
    assert "known: prepare.test_size, prepare.seed, train.C" in result.stderr
    assert (project / "params.yaml").read_text() == before


def test_malformed_set_param_is_a_usage_error(project: Path) -> None:
    result = mlci_process("repro", "-S", "train.C", cwd=project, expect=2)
    assert "expected KEY=VALUE" in result.stderr


def test_commit_after_repro_is_clean(project: Path) -> None:
    repro_json(project, "-S", "train.C=0.7")
    commit_all(project, "C=0.7")
    assert statuses(repro_json(project))["train"] == "unchanged"
