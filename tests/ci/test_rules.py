"""The security rules every generated GitHub workflow follows, checked on the rendered YAML."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlci.ci.generate import rendered
from support.projects import VARIANTS, make_project

PINNED = re.compile(r"[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+")


def workflows(tmp_path: Path) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for variant in VARIANTS:
        files = rendered(make_project(tmp_path / variant, variant))
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
                    "dvc-remote", "model-release")
                assert job.get("environment") in allowed, (name, job_id)
                assert job_id != "pull-request"
            assert "github.token" not in yaml.safe_dump(job) or job_id in (
                "comment", "publish") or job_id.startswith("build-")


def test_no_caches_in_the_publish_workflow(tmp_path: Path) -> None:
    for name, text, data in workflows(tmp_path):
        if name.endswith("mlci-publish.yml"):
            assert "cache" not in text.replace("run-cache", "")
            assert data["concurrency"]["cancel-in-progress"] == "false"
            assert data["jobs"]["publish"]["environment"] == "model-release"


def _uses_line(text: str, uses: str) -> str:
    line = next(x for x in text.splitlines() if f"uses: {uses}" in x)
    return line.split("uses: ", 1)[1].strip()


@pytest.mark.parametrize("variant, count", [("default", 0), ("gpu", 2)])
def test_dvc_remote_secrets_pass_through_env(tmp_path: Path, variant: str, count: int) -> None:
    files = rendered(make_project(tmp_path / "proj", variant))
    train = files[".github/workflows/mlci-train.yml"]
    assert train.count("${{ secrets.") == count
    assert "AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}" in train or count == 0


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
