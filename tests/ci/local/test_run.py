"""`mlci ci run` without running a workflow: payloads, repository names, tool checks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from mlci.ci import events
from mlci.ci.events import Checkout, RunRecord
from mlci.ci.local.gitlabci import publishes, shell_pipeline
from support.commands import mlci

CHECKOUT = Checkout("octo/proj", "feature", "a" * 40, "main", "b" * 40, pr=4)


@pytest.mark.parametrize(("url", "expected"), [
    ("https://github.com/octo/proj.git", "octo/proj"),
    ("https://github.com/octo/proj", "octo/proj"),
    ("git@github.com:octo/proj.git", "octo/proj"),
    ("ssh://git@ghe.example.com/team/model-repo.git", "team/model-repo"),
    ("/tmp/origin.git", "local/x"),
    ("../origin", "local/x"),
    ("", "local/x"),
])
def test_repository_from_remote_url(url: str, expected: str) -> None:
    assert events.repository(url, "local/x") == expected


@pytest.mark.parametrize(("event", "path", "expected"), [
    ("push", ("ref",), "refs/heads/feature"),
    ("push", ("after",), "a" * 40),
    ("pull_request", ("number",), 4),
    ("pull_request", ("pull_request", "head", "sha"), "a" * 40),
    ("pull_request", ("pull_request", "head", "repo", "full_name"), "octo/proj"),
    ("pull_request", ("pull_request", "base", "ref"), "main"),
    ("workflow_dispatch", ("ref",), "refs/heads/feature"),
])
def test_default_payloads(event: str, path: tuple[str, ...], expected: object) -> None:
    value: object = events.payload(event, CHECKOUT)
    for key in path:
        value = value[key]  # type: ignore[index]
    assert value == expected


@pytest.mark.parametrize(("head_repo", "pulls"), [
    ("octo/proj", [{"number": 4, "head": {"sha": "c" * 40, "ref": "feature"}}]),
    ("mallory/proj", []),  # GitHub lists no pull requests for a fork's run
])
def test_workflow_run_payload_follows_the_recorded_run(head_repo: str,
                                                       pulls: list[object]) -> None:
    run = RunRecord(7, "mlci train", "pull_request", "failure", "c" * 40, "feature", head_repo, 4)
    data = events.workflow_run(run, "octo/proj", "main")["workflow_run"]
    assert (data["id"], data["conclusion"], data["head_sha"]) == (7, "failure", "c" * 40)
    assert data["head_repository"]["full_name"] == head_repo
    assert data["pull_requests"] == pulls


@pytest.mark.parametrize(("head_repo", "fork"), [
    ("octo/proj", False), ("mallory/proj", True), (None, False)])
def test_is_fork(head_repo: str | None, fork: bool) -> None:
    head = {"repo": {"full_name": head_repo}} if head_repo else {}
    assert events.is_fork({"pull_request": {"head": head}}, "octo/proj") is fork
    assert events.is_fork({"ref": "refs/heads/main"}, "octo/proj") is False


def test_shell_pipeline_drops_every_image() -> None:
    pipeline = {"default": {"image": "python:3.11", "timeout": "1h"},
                "train": {"image": "custom:1", "script": ["mlci repro"]},
                "stages": ["train"]}
    text = shell_pipeline(pipeline)
    assert "image" not in text and "mlci repro" in text and "timeout: 1h" in text


@pytest.mark.parametrize(("job", "expected"), [
    ("publish", True), ("train", False), ("missing", False)])
def test_publishes(job: str, expected: bool) -> None:
    pipeline = {"train": {"script": ["mlci repro"]},
                "publish": {"script": ["mlci repro", "mlci publish classifier --bump patch"]}}
    assert publishes(pipeline, job) is expected


def test_missing_gitlab_ci_local_says_how_to_install_it(project: Path) -> None:
    path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"])
    proc = mlci("ci", "run", "merge_request", "--forge", "gitlab", cwd=project, expect=1,
                env={"PATH": path})
    assert "`gitlab-ci-local` is not installed" in proc.stderr
    assert "npm install --global gitlab-ci-local@4.56.0" in proc.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("release",), "unknown GitHub event 'release'"),
    (("pull_request", "--job", "nope"),
     "no mlci-generated workflow in .github/workflows/ runs job 'nope' on pull_request"),
    (("tag", "--forge", "gitlab"), "unknown GitLab pipeline event 'tag'"),
])
def test_bad_requests_fail_clearly(project: Path, args: tuple[str, ...], message: str) -> None:
    proc = mlci("ci", "run", *args, cwd=project, expect=1)
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_runner_environment_hides_tokens_and_remote_secrets(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlci.ci.local import runner
    from mlci.project.context import Project

    (tmp_path / "mlci.yaml").write_text("ci:\n  dvc_remote_secrets: [AWS_SECRET_ACCESS_KEY]\n")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t")
    monkeypatch.setenv("GITHUB_TOKEN", "t0k3n")
    monkeypatch.setenv("MLCI_GITLAB_TOKEN", "gl-t0k3n")
    env = runner.job_env(Project(tmp_path), {"EXTRA": "1"})
    assert "s3cr3t" not in env.values() and "t0k3n" not in env.values()
    assert "gl-t0k3n" not in env.values() and env["EXTRA"] == "1"


def test_a_corrupt_run_record_is_a_clear_error(tmp_path: Path) -> None:
    from mlci.ci.local import runner
    from mlci.errors import MlciError

    (tmp_path / "runs.json").write_text("[{\"id\": 1, \"unexpected\": true}]")
    with pytest.raises(MlciError, match="unreadable record of local runs"):
        runner.records(tmp_path)
