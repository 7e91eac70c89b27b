"""`mlci publish` and `mlci promote` against real git, a bare origin and a local DVC remote."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.commands import commit_all, git, mlci, run


def _tags(repo: Path) -> list[str]:
    return git(repo, "tag", "-l").split()


def _origin_tags(repo: Path) -> list[str]:
    out = git(repo, "ls-remote", "--tags", "origin")
    return sorted(line.split("refs/tags/")[1] for line in out.splitlines()
                  if not line.endswith("^{}"))


def _dvc_remote_files(project: Path) -> list[Path]:
    return [p for p in (project.parent / "dvc-remote").rglob("*") if p.is_file()]


def _listing(repo: Path) -> dict[str, Any]:
    return dict(json.loads(mlci("models", "list", "--json", cwd=repo).stdout))


def _new_commit(repo: Path, name: str = "NOTES.md") -> str:
    """A commit that leaves the pipeline as it is (so it is still up to date)."""
    (repo / name).write_text(f"{name}\n")
    return commit_all(repo, f"add {name}")


def test_publish_bump_and_stage(project: Path) -> None:
    first = json.loads(mlci("publish", "classifier", "--stage", "staging", "--bump", "minor",
                            "--json", cwd=project).stdout)
    assert first["version"] == "v0.1.0" and first["registered"] and first["pushed"]
    assert first["tags"] == ["classifier@v0.1.0", "classifier#staging#1"]
    assert first["gate"]["passed"] is True
    assert _origin_tags(project) == ["classifier#staging#1", "classifier@v0.1.0"]
    assert _dvc_remote_files(project), "the artifact must be in the DVC remote"

    _new_commit(project)
    second = mlci("publish", "classifier", cwd=project)
    assert "classifier v0.1.1" in second.stdout
    _new_commit(project, "MORE.md")
    mlci("publish", "classifier", "--bump", "major", "--stage", "staging", cwd=project)

    listing = _listing(project)
    assert listing["classifier"] == {
        "latest": "v1.0.0", "stages": {"staging": "v1.0.0"},
        "versions": ["v1.0.0", "v0.1.1", "v0.1.0"], "deprecated": False,
    }
    history = json.loads(mlci("models", "history", "classifier", "--json", cwd=project).stdout)
    assert [e["tag"] for e in history] == [
        "classifier@v0.1.0", "classifier#staging#1", "classifier@v0.1.1", "classifier@v1.0.0",
        "classifier#staging#2",
    ]
    message = git(project, "tag", "-l", "--format=%(contents)", "classifier@v0.1.0")
    assert message.startswith("Registering artifact classifier version v0.1.0")
    assert git(project, "rev-parse", "classifier@v0.1.0^{commit}") in message  # the card's commit
    assert "| accuracy |" in message and "data/raw.csv" in message and "train.C" in message
    shown = json.loads(mlci("models", "show", "classifier", "--json", cwd=project).stdout)
    assert [v["version"] for v in shown] == ["v1.0.0", "v0.1.1", "v0.1.0"]
    assert 0.9 < shown[-1]["metrics"]["accuracy"] <= 1


def test_ordered_promotion(project: Path) -> None:
    mlci("publish", "classifier", "--version", "v1.0.0", "--stage", "staging", cwd=project)
    _new_commit(project)
    mlci("publish", "classifier", "--version", "v1.1.0", cwd=project)

    refused = mlci("promote", "classifier", "v1.1.0", "prod", cwd=project, expect=1)
    assert "never been in stage 'staging'" in refused.stderr
    _new_commit(project, "MORE.md")
    skipped = mlci("publish", "classifier", "--stage", "prod", cwd=project, expect=1)
    assert "can only enter 'staging' first" in skipped.stderr

    mlci("promote", "classifier", "v1.0.0", "prod", cwd=project)
    mlci("promote", "classifier", "v1.1.0", "staging", cwd=project)
    promoted = json.loads(mlci("promote", "classifier", "v1.1.0", "prod", "--json",
                               cwd=project).stdout)
    assert promoted["tag"] == "classifier#prod#4"
    assert _listing(project)["classifier"]["stages"] == {"prod": "v1.1.0", "staging": "v1.1.0"}
    again = mlci("promote", "classifier", "v1.1.0", "prod", cwd=project, expect=1)
    assert "already in stage 'prod'" in again.stderr
    unknown = mlci("promote", "classifier", "v9.9.9", "prod", cwd=project, expect=1)
    assert "has no version v9.9.9" in unknown.stderr
    assert "classifier#prod#4" in _origin_tags(project)


def test_failing_gate_tags_nothing(project: Path) -> None:
    policy = project / "mlci.yaml"
    policy.write_text(policy.read_text().replace("min: 0.9,", "min: 0.9999,"))
    commit_all(project, "demand the impossible")
    result = mlci("publish", "classifier", "--stage", "staging", cwd=project, expect=1)
    assert "gate failed: accuracy" in result.stderr
    assert "nothing was published" in result.stderr
    assert _tags(project) == [] and _origin_tags(project) == []
    assert _dvc_remote_files(project) == [], "a gated-out model must not reach the DVC remote"


def test_dirty_workspace_is_refused(project: Path) -> None:
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("C: 1.0", "C: 0.5"))
    result = mlci("publish", "classifier", cwd=project, expect=1)
    assert "uncommitted changes: params.yaml" in result.stderr
    assert _tags(project) == []


def test_stale_pipeline_is_refused(project: Path) -> None:
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("C: 1.0", "C: 0.5"))
    stale = commit_all(project, "change a param without reproducing")
    result = mlci("publish", "classifier", cwd=project, expect=1)
    assert "does not match dvc.lock" in result.stderr
    assert "params.yaml:train modified" in result.stderr
    _new_commit(project)
    older = mlci("publish", "classifier", "--rev", stale[:10], cwd=project, expect=1)
    assert "does not match dvc.lock" in older.stderr
    assert _tags(project) == []
    fresh = mlci("publish", "classifier", "--rev", "HEAD~2", "--no-push", cwd=project)
    assert "classifier v0.0.1" in fresh.stdout
    assert _tags(project) == ["classifier@v0.0.1"] and _origin_tags(project) == []


def test_disallowed_branch_is_refused(project: Path) -> None:
    git(project, "checkout", "-q", "-b", "experiment")
    _new_commit(project)
    result = mlci("publish", "classifier", cwd=project, expect=1)
    assert "not on a branch in publish.branches (main)" in result.stderr
    assert _tags(project) == []


def test_unknown_artifact_lists_the_known_ones(project: Path) -> None:
    result = mlci("publish", "regressor", cwd=project, expect=1)
    assert "no artifact named 'regressor'" in result.stderr
    assert "classifier" in result.stderr


def test_rejected_push_leaves_no_tag(project: Path) -> None:
    hook = project.parent / "origin.git" / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'tags are frozen here' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = mlci("publish", "classifier", "--stage", "staging", cwd=project, expect=1)
    assert "rejected" in result.stderr and "tags are frozen here" in result.stderr
    assert _tags(project) == [] and _origin_tags(project) == []


def test_explicit_version_taken_elsewhere_fails_clearly(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(project, other, symlinks=True)
    _new_commit(other)
    mlci("publish", "classifier", "--version", "v2.0.0", cwd=other)
    result = mlci("publish", "classifier", "--version", "v2.0.0", cwd=project, expect=1)
    assert "classifier@v2.0.0 already exists" in result.stderr
    assert git(project, "rev-parse", "classifier@v2.0.0^{commit}") == git(other, "rev-parse",
                                                                          "HEAD")


def _barrier(project: Path, tmp_path: Path) -> None:
    """Make the origin's pre-receive hook hold the first push until a second one arrives, so
    two publishers that both read the remote before either pushed really collide. Later pushes
    pass straight through (a FIFO is the barrier: no sleeping, no polling)."""
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    run(["mkfifo", str(barrier / "fifo")], cwd=tmp_path)
    hook = project.parent / "origin.git" / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\ncat >/dev/null\n"
        f"if mkdir '{barrier}/first' 2>/dev/null; then cat '{barrier}/fifo' >/dev/null\n"
        f"elif mkdir '{barrier}/second' 2>/dev/null; then echo go > '{barrier}/fifo'\nfi\n"
    )
    hook.chmod(0o755)


def _together(*runs: tuple[Path, list[str]]) -> list[dict[str, Any]]:
    """Start `mlci ARGS --json` in each repository at once; all must succeed."""
    procs = [subprocess.Popen([sys.executable, "-m", "mlci", *args, "--json"], cwd=repo,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for repo, args in runs]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    return [json.loads(out) for out, _ in outputs]


def test_racing_publishers_get_distinct_versions(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(project, other, symlinks=True)
    _new_commit(other)
    _barrier(project, tmp_path)
    publish = ["publish", "classifier", "--bump", "minor"]
    results = _together((project, publish), (other, publish))
    assert sorted(r["version"] for r in results) == ["v0.1.0", "v0.2.0"]
    assert sorted(r["attempts"] for r in results) == [1, 2], "one of them must have lost the race"
    assert _origin_tags(project) == ["classifier@v0.1.0", "classifier@v0.2.0"]
    commits = {r["version"]: r["commit"] for r in results}
    for version, commit in commits.items():
        line = git(project, "ls-remote", "origin", f"refs/tags/classifier@{version}^{{}}")
        assert line.split()[0] == commit
    assert len(set(commits.values())) == 2


def test_racing_promotions_get_distinct_counters(project: Path, tmp_path: Path) -> None:
    """Two versions promoted to prod at once both pick `classifier#prod#3`; one retries."""
    mlci("publish", "classifier", "--stage", "staging", cwd=project)
    other = tmp_path / "other"
    shutil.copytree(project, other, symlinks=True)
    _new_commit(other)
    mlci("publish", "classifier", "--stage", "staging", cwd=other)
    git(project, "fetch", "-q", "origin", "refs/tags/*:refs/tags/*")
    _barrier(project, tmp_path)
    results = _together((project, ["promote", "classifier", "v0.0.1", "prod"]),
                        (other, ["promote", "classifier", "v0.0.2", "prod"]))
    tags = {r["tag"]: r["version"] for r in results}
    assert sorted(tags) == ["classifier#prod#3", "classifier#prod#4"]
    assert sorted(r["attempts"] for r in results) == [1, 2]
    git(other, "fetch", "-q", "origin", "refs/tags/*:refs/tags/*")
    assert _listing(other)["classifier"]["stages"]["prod"] == tags["classifier#prod#4"]


@pytest.mark.parametrize("args, message", [
    (["--version", "1.0"], "--version: expected a version like v1.2.3"),
    (["--version", "v1.0.0", "--bump", "minor"], "not both"),
    (["--stage", "pr od"], "invalid stage name"),
])
def test_bad_arguments(project: Path, args: list[str], message: str) -> None:
    result = mlci("publish", "classifier", *args, cwd=project, expect=1)
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_gate_compares_with_the_model_in_prod(project: Path) -> None:
    """A weaker model passes the absolute minimum but drops too far below the prod champion."""
    mlci("publish", "classifier", "--stage", "staging", cwd=project)
    mlci("promote", "classifier", "v0.0.1", "prod", cwd=project)
    mlci("repro", "-S", "train.C=0.05", cwd=project)
    commit_all(project, "a weaker model")
    result = mlci("publish", "classifier", "--json", cwd=project, expect=1)
    verdict = json.loads(result.stdout)
    assert verdict["registered"] is False
    failed = {(r["metric"], r["rule"]) for r in verdict["gate"]["rules"] if r["outcome"] == "fail"}
    assert ("accuracy", "max_drop") in failed
    assert _tags(project) == ["classifier#prod#2", "classifier#staging#1", "classifier@v0.0.1"]
