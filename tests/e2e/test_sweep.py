"""End to end: the sweep workflow `mlci ci generate` wrote, as a matrix under act through
`mlci ci run`. A pull request labelled "sweep" gets one leaderboard comment; a sweep started by
hand pushes every combination's outputs and run-cache to an S3 remote (moto) with the secrets
named in ci.dvc_remote_secrets, so a fresh clone restores a combination without training."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.commands import commit_all, dvc, git, mlci, mlci_process
from support.e2e import (
    SWEEP_GRID,
    TOKEN,
    Scenario,
    check_leaderboard,
    fresh_clone,
    make_scenario,
    tune_branch,
)
from support.forge_server import FakeForge
from support.s3 import CREDENTIALS, S3, s3_server

pytestmark = pytest.mark.slow  # act runs a matrix of the real pipeline

REPO = "octo/proj"


@pytest.fixture(scope="module")
def scenario(trained_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The trained project with a 2-combination grid and its workflows, its outputs in the
    (local) DVC remote so the matrix jobs pull what they do not change."""
    s = make_scenario(trained_template, tmp_path_factory.mktemp("e2e-sweep"))
    (s.root / "mlci.yaml").write_text((s.root / "mlci.yaml").read_text() + SWEEP_GRID)
    # the test's interpreter has mlci and the pipeline's dependencies: each job's install step
    # (four per sweep) then costs pip's start-up only
    (s.root / "requirements.txt").write_text("# installed in the test environment\n")
    mlci("ci", "generate", cwd=s.root)
    s.push("main", "a parameter sweep")
    dvc(s.root, "push", "-q")
    return s


def ci_run(s: Scenario, forge: FakeForge, *args: str,
           env: dict[str, str] | None = None) -> str:
    """`mlci ci run ARGS` in the developer's checkout; its stdout."""
    base = {"GITHUB_API_URL": forge.url, "GITHUB_REPOSITORY": REPO, "GITHUB_TOKEN": TOKEN,
            "PIP_NO_INDEX": "1", "MLCI_MAX_RETRY_WAIT": "0"}
    proc = mlci_process("ci", "run", *args, cwd=s.root, env={**base, **(env or {})})
    # the runners' output (every step's) shows neither the token nor the remote's secrets
    assert TOKEN not in proc.stdout + proc.stderr
    assert CREDENTIALS["AWS_SECRET_ACCESS_KEY"] not in proc.stdout + proc.stderr
    return proc.stdout


def labelled_event(s: Scenario, sha: str) -> Path:
    repo = {"full_name": REPO, "name": "proj"}
    payload = {"action": "labeled", "number": 7, "label": {"name": "sweep"}, "repository": repo,
               "pull_request": {"number": 7, "labels": [{"name": "sweep"}],
                                "head": {"sha": sha, "ref": "tune", "repo": repo},
                                "base": {"ref": "main", "repo": repo}}}
    path = s.tmp / "labelled.json"
    path.write_text(json.dumps(payload))
    return path


def test_1_a_labelled_pull_request_gets_one_leaderboard_comment(scenario: Scenario,
                                                               forge: FakeForge) -> None:
    sha = tune_branch(scenario)
    forge.add_pull(REPO, 7, sha)
    out = ci_run(scenario, forge, "pull_request", "--job", "collect", "--event-file",
                 str(labelled_event(scenario, sha)))
    assert "mlci sweep: success" in out
    [posted] = forge.comments(REPO, 7)
    body = posted["body"]
    check_leaderboard(scenario, body)
    chart = body.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert "\nxychart-beta\n" in chart and "\n    bar [" in chart
    assert all(r.auth == f"Bearer {TOKEN}" for r in forge.writes())


def test_2_a_sweep_by_hand_pushes_to_s3_with_the_remote_secrets(scenario: Scenario,
                                                                forge: FakeForge,
                                                                tmp_path: Path) -> None:
    root = scenario.root
    git(root, "checkout", "-q", "main")
    with s3_server() as s3:
        s3_remote(scenario, s3)
        before = run_cache(s3)
        out = ci_run(scenario, forge, "workflow_dispatch", "--job", "collect", env=CREDENTIALS)
        assert "mlci sweep: success" in out
        assert run_cache(s3) > before  # train.C=0.3's runs, pushed by its matrix job
        clone = fresh_clone(scenario.origin, tmp_path / "clone")
        restored = json.loads(mlci("repro", "--pull", "-S", "train.C=0.3", "--json", cwd=clone,
                                   env=CREDENTIALS).stdout)
    assert {stage["status"] for stage in restored["stages"]} <= {
        "pulled", "restored", "unchanged"}, restored


def run_cache(s3: S3) -> set[str]:
    return {key for key in s3.keys("sweep") if key.startswith("runs/")}


def s3_remote(s: Scenario, s3: S3) -> None:
    """Point the project at S3 with the secrets CI needs, commit, and push HEAD's outputs."""
    mlci("init", str(s.root), "--remote", s3.url("sweep"), "--remote-endpoint", s3.endpoint,
         cwd=s.tmp)
    config = s.root / "mlci.yaml"
    config.write_text(config.read_text().replace(
        "dvc_remote_secrets: []", "dvc_remote_secrets: [AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY]"))
    mlci("ci", "generate", cwd=s.root)
    commit_all(s.root, "the team's S3 remote")
    git(s.root, "push", "-q", "origin", "main")
    mlci("repro", "--push", cwd=s.root, env=CREDENTIALS)
