"""The security rules every generated GitHub workflow follows, checked on the rendered YAML."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlci.ci.generate import rendered
from mlci.project.context import Project
from support.projects import VARIANTS, make_project

PINNED = re.compile(r"[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+")


def workflows(tmp_path: Path) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for variant in VARIANTS:
        files = rendered(Project(make_project(tmp_path / variant, variant)))
        out += [(f"{variant}:{rel}", text, yaml.load(text, Loader=yaml.BaseLoader))
                for rel, text in files.items() if rel.startswith(".github/workflows/")]
    return out


def test_top_level_rules(tmp_path: Path) -> None:
    for name, _text, data in workflows(tmp_path):
        assert data["permissions"] == {}, name
        assert data["concurrency"]["group"].startswith("${{ github.workflow }}"), name
        assert "pull_request_target" not in data["on"], name
        # version tags pushed by mlci publish must not start a workflow again; the deploy
        # workflow starts on stage tags (NAME#STAGE#N) only
        push = data["on"].get("push")
        if name.endswith("mlci-deploy.yml"):
            assert set(push) == {"tags"} and all(re.fullmatch(r"[\w/.=-]+#[\w/-]+#\*", t)
                                                for t in push["tags"]), name
        else:
            assert push is None or set(push) == {"branches"}, name


def test_job_rules(tmp_path: Path) -> None:
    for name, text, data in workflows(tmp_path):
        for job_id, job in data["jobs"].items():
            assert int(job["timeout-minutes"]) <= 60, (name, job_id)
            # none at all only where the job touches nothing of the repository (the rollout)
            assert job["permissions"] or job_id.startswith("rollout-"), (name, job_id)
            for permission in job["permissions"]:
                line = next(x for x in text.splitlines() if x.strip().startswith(f"{permission}:"))
                assert "  # " in line, f"{name}: {job_id}.permissions.{permission}: say why"
            for step in job["steps"]:
                if "uses" in step:
                    assert PINNED.fullmatch(_uses_line(text, step["uses"])), step["uses"]
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] == "false"
                assert "${{" not in step.get("run", "")


def test_secrets_only_where_they_belong(tmp_path: Path) -> None:
    for name, _text, data in workflows(tmp_path):
        for job_id, job in data["jobs"].items():
            if "secrets." in yaml.safe_dump(job):
                allowed = ("production",) if job_id.startswith("rollout-") else (
                    "dvc-remote", "model-release", "mlci-retrain")
                assert job.get("environment") in allowed, (name, job_id)
                # jobs that run on pull requests (forks' included) never see a secret
                assert job_id not in ("pull-request", "combination", "plan", "collect")
            # write tokens: comment, publish, the sweep's collect, the retrain and its dispatched
            # train run
            assert "github.token" not in yaml.safe_dump(job) or job_id in (
                "comment", "publish", "collect", "dispatched") or job_id.startswith(
                ("retrain-", "build-")), (name, job_id)


def test_no_caches_in_the_publish_workflow(tmp_path: Path) -> None:
    for name, text, data in workflows(tmp_path):
        if name.endswith("mlci-publish.yml"):
            assert "cache" not in text.replace("run-cache", "")
            assert data["concurrency"]["cancel-in-progress"] == "false"
            assert data["jobs"]["publish"]["environment"] == "model-release"


def _uses_line(text: str, uses: str) -> str:
    line = next(x for x in text.splitlines() if f"uses: {uses}" in x)
    return line.split("uses: ", 1)[1].strip()


# gpu: two secrets, given to the two steps that use the DVC remote (pull, then push after
# the privacy scan), never to the scan or the report steps
@pytest.mark.parametrize("variant, count", [("default", 0), ("gpu", 4)])
def test_dvc_remote_secrets_pass_through_env(tmp_path: Path, variant: str, count: int) -> None:
    files = rendered(Project(make_project(tmp_path / "proj", variant)))
    train = files[".github/workflows/mlci-train.yml"]
    assert train.count("${{ secrets.") == count
    steps = yaml.safe_load(train)["jobs"]["default-branch"]["steps"]
    holding = [s["run"] for s in steps if "${{ secrets." in str(s.get("env"))]
    assert holding == (["mlci repro --pull", "mlci repro --push"] if count else [])
    assert "AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}" in train or count == 0


def test_only_the_retrain_job_may_write_contents_and_pull_requests(tmp_path: Path) -> None:
    files = rendered(Project(make_project(tmp_path / "proj", "monitor")))
    monitor = yaml.load(files[".github/workflows/mlci-monitor.yml"], Loader=yaml.BaseLoader)
    assert set(monitor["on"]) == {"schedule", "workflow_dispatch", "repository_dispatch"}
    assert monitor["on"]["schedule"] == [{"cron": "30 4 * * 1-5"}]
    assert monitor["on"]["repository_dispatch"] == {"types": ["mlci-monitor"]}
    jobs = monitor["jobs"]
    assert jobs["monitor-classifier"]["permissions"] == {"contents": "read"}
    assert jobs["retrain-classifier"]["permissions"] == {
        "contents": "write", "pull-requests": "write", "actions": "write"}
    assert jobs["retrain-classifier"]["needs"] == "monitor-classifier"
    train = yaml.load(files[".github/workflows/mlci-train.yml"], Loader=yaml.BaseLoader)
    assert "workflow_dispatch" in train["on"]
    assert train["jobs"]["dispatched"]["permissions"]["contents"] == "read"


def test_deploy_jobs(tmp_path: Path) -> None:
    """packages: write only where the image is pushed; the rollout waits in `production`."""
    for name, _text, data in workflows(tmp_path):
        for job_id, job in data["jobs"].items():
            if job["permissions"] and "packages" in job["permissions"]:
                assert job_id.startswith("build-"), (name, job_id)
            if job_id.startswith("rollout-"):
                assert job["environment"] == "production" and job["permissions"] == {}
                assert job["needs"] == job_id.replace("rollout-", "build-", 1)
        if name.endswith("mlci-deploy.yml"):
            assert data["concurrency"]["cancel-in-progress"] == "false"


def test_the_sweep_workflow_is_a_matrix_of_repro_runs(tmp_path: Path) -> None:
    assert ".github/workflows/mlci-sweep.yml" not in rendered(Project(make_project(tmp_path / "d",
                                                                           "default")))
    files = rendered(Project(make_project(tmp_path / "s", "sweep")))
    data = yaml.load(files[".github/workflows/mlci-sweep.yml"], Loader=yaml.BaseLoader)
    assert set(data["on"]) == {"workflow_dispatch", "pull_request"}
    assert "contains(github.event.pull_request.labels.*.name, 'sweep')" in (
        data["jobs"]["plan"]["if"])
    for job_id, push in (("combination", False), ("combination-push", True)):
        job = data["jobs"][job_id]
        assert job["strategy"] == {"matrix": "${{ fromJSON(needs.plan.outputs.matrix) }}",
                                   "max-parallel": "2", "fail-fast": "false"}
        assert job["runs-on"] == "ubuntu-latest"
        [step] = [s for s in job["steps"] if "mlci repro" in s.get("run", "")]
        assert step["env"]["OVERRIDES"] == "${{ matrix.overrides }}"
        assert ("--pull --push --json" if push else "--pull --json") in step["run"]
        assert ("AWS_SECRET_ACCESS_KEY" in step["env"]) is push
    assert data["jobs"]["combination-push"]["environment"] == "dvc-remote"
    collect = data["jobs"]["collect"]
    assert collect["needs"] == ["plan", "combination", "combination-push"]
    assert collect["if"] == "${{ !cancelled() && needs.plan.result == 'success' }}"
    assert any(s.get("run", "").startswith("mlci comment ") and "--marker sweep" in s["run"]
               for s in collect["steps"])
    gitlab = yaml.safe_load(files[".gitlab-ci.yml"])
    assert gitlab["sweep"]["parallel"]["matrix"] == [{"MLCI_SWEEP": [
        "train.C=0.1 prepare.test_size=0.2", "train.C=0.1 prepare.test_size=0.25",
        "train.C=1.0 prepare.test_size=0.2", "train.C=1.0 prepare.test_size=0.25"]}]
    assert gitlab["sweep-leaderboard"]["needs"] == ["sweep"]
