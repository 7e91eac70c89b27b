"""End to end on GitHub Actions: the workflows `mlci ci generate` wrote, run by act through
`mlci ci run`, against a bare git origin, a local DVC remote and the fake forge.

The steps of the scenario share one project and one forge and run in file order; each
asserts what a user would check.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from support.commands import Result, git, mlci, mlci_process
from support.e2e import CONTACTS, TOKEN, Scenario, fresh_clone, make_scenario
from support.forge_server import FakeForge

pytestmark = pytest.mark.slow  # runs act / gitlab-ci-local and the real pipeline (~1 min)

REPO = "octo/proj"
MARKER = "<!-- mlci-report -->"
# a row of `mlci repro`'s stage table, as act prints it: "[job]   | train     ran     1.0s"
STAGE_ROW = re.compile(r"\|\s(load|validate|prepare|train|evaluate)\s+(ran|restored from run-cache|"
                       r"pulled from remote|up to date)\s", re.MULTILINE)


@pytest.fixture(scope="module")
def scenario(trained_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return make_scenario(trained_template, tmp_path_factory.mktemp("e2e-github"))


def ci_run(s: Scenario, forge: FakeForge, *args: str, expect: int = 0,
           token: str = TOKEN) -> Result:
    """`mlci ci run ARGS` in the developer's checkout, talking to the fake forge."""
    env = {"GITHUB_API_URL": forge.url, "GITHUB_REPOSITORY": REPO, "GITHUB_TOKEN": token,
           "PIP_NO_INDEX": "1", "MLCI_MAX_RETRY_WAIT": "0"}
    proc = mlci_process("ci", "run", *args, cwd=s.root, expect=expect, env=env)
    assert TOKEN not in proc.stdout + proc.stderr
    return proc


def open_pull(forge: FakeForge, number: int, head_sha: str, head_repo: str = REPO) -> None:
    """The pull request exists on the forge with this head (set or moved)."""
    pull = forge.store.pull("github", REPO, number)
    if pull is None:
        forge.add_pull(REPO, number, head_sha, head_repo=head_repo)
    else:
        with forge.store.lock:
            pull["head_sha"] = head_sha


def pull_request_event(s: Scenario, number: int, branch: str, sha: str,
                       head_repo: str = REPO) -> Path:
    """A pull_request payload as GitHub sends it, for a PR other than the default #1."""
    def repo(name: str) -> dict[str, Any]:
        return {"full_name": name, "name": name.split("/")[1]}

    payload = {"action": "synchronize", "number": number, "repository": repo(REPO),
               "pull_request": {"number": number, "head": {"sha": sha, "ref": branch,
                                                             "repo": repo(head_repo)},
                                "base": {"ref": "main", "repo": repo(REPO)}}}
    path = s.tmp / f"event-pr-{number}.json"
    path.write_text(json.dumps(payload))
    return path


def statuses(forge: FakeForge, sha: str) -> list[dict[str, Any]]:
    with forge.store.lock:
        return [dict(x) for x in forge.store.statuses
                if x["sha"] == sha and x["context"] == "mlci/gate"]


def test_1_push_to_main_trains_and_fills_the_dvc_remote(scenario: Scenario,
                                                         forge: FakeForge) -> None:
    assert scenario.remote_files() == set()
    proc = ci_run(scenario, forge, "push", "--job", "default-branch")
    assert "mlci train: success" in proc.stdout
    assert "pushed" in proc.stdout and "run-cache to the DVC remote" in proc.stdout
    files = scenario.remote_files()
    assert any(f.startswith("runs/") for f in files), files  # the run-cache
    lock = (scenario.root / "dvc.lock").read_text()
    model_md5 = lock.split("path: models/model.pkl", 1)[1].split("md5: ", 1)[1].split()[0]
    assert f"files/md5/{model_md5[:2]}/{model_md5[2:]}" in files


def test_2_pull_request_gets_one_report_comment_and_a_gate_status(
        scenario: Scenario, forge: FakeForge) -> None:
    sha = scenario.commit_params("better", 0.3, "C=0.3: a little more regularisation")
    open_pull(forge, 1, sha)
    train = ci_run(scenario, forge, "pull_request")
    assert "mlci train: success" in train.stdout
    comment = ci_run(scenario, forge, "workflow_run")
    assert "mlci comment: success" in comment.stdout
    [posted] = forge.comments(REPO, 1)
    assert posted["body"].startswith(MARKER) and posted["body"].count(MARKER) == 1
    assert "| Metric | Base" in posted["body"] and "log\\_loss" in posted["body"]
    assert sha[:7] in posted["body"]
    [status] = statuses(forge, sha)
    assert status["state"] == "success"
    assert all(r.auth == f"Bearer {TOKEN}" for r in forge.writes())
    (scenario.tmp / "step2-comment.md").write_text(posted["body"])


def test_3_a_second_push_updates_the_same_comment(scenario: Scenario, forge: FakeForge) -> None:
    [before] = forge.comments(REPO, 1)
    sha = scenario.commit_params("better", 0.1, "C=0.1")
    open_pull(forge, 1, sha)
    ci_run(scenario, forge, "pull_request")
    ci_run(scenario, forge, "workflow_run")
    [after] = forge.comments(REPO, 1)
    assert after["id"] == before["id"]
    assert after["body"] != before["body"] and sha[:7] in after["body"]
    assert [s["state"] for s in statuses(forge, sha)] == ["success"]


def test_4_an_unchanged_pipeline_retrains_nothing(scenario: Scenario, forge: FakeForge) -> None:
    git(scenario.root, "checkout", "-q", "main")
    (scenario.root / "NOTES.md").write_text("Notes that no stage depends on.\n")
    scenario.push("main", "docs only")
    proc = ci_run(scenario, forge, "push", "--job", "default-branch")
    table = dict(STAGE_ROW.findall(proc.stdout))
    # nothing ran: outputs came from the DVC remote (dvc.lock matches) or its run-cache
    assert set(table) == {"load", "validate", "prepare", "train", "evaluate"}, proc.stdout
    assert set(table.values()) <= {"pulled from remote", "restored from run-cache",
                                   "up to date"}, table


def test_5_a_failing_gate_fails_the_status_and_publish_refuses(
        scenario: Scenario, forge: FakeForge) -> None:
    sha = scenario.commit_params("worse", 0.001, "C=0.001: far too much regularisation")
    open_pull(forge, 2, sha)
    event = pull_request_event(scenario, 2, "worse", sha)
    train = ci_run(scenario, forge, "pull_request", "--event-file", str(event), expect=1)
    assert "mlci train: failure" in train.stdout
    # the comment workflow posts the report and a failure status; the workflow itself succeeds
    comment = ci_run(scenario, forge, "workflow_run")
    assert "set GitHub commit status mlci/gate = failure" in comment.stdout
    [status] = statuses(forge, sha)
    assert status["state"] == "failure" and "failed" in status["description"]
    [report] = forge.comments(REPO, 2)
    assert "gate failed" in report["body"] and "log\\_loss" in report["body"]
    assert "❌" in report["body"]
    publish = ci_run(scenario, forge, "workflow_dispatch", "--job", "publish", expect=1)
    assert "mlci publish: failure" in publish.stdout
    assert scenario.origin_tags() == []


def test_6_merge_publishes_a_version_and_a_release(scenario: Scenario, forge: FakeForge,
                                                   tmp_path: Path) -> None:
    root = scenario.root
    # main's outputs back in the workspace
    scenario.merge_to_main("better", "Merge pull request #1 from better")
    proc = ci_run(scenario, forge, "push")
    # train first (it fills the DVC remote and run-cache), then publish
    assert proc.stdout.index("mlci train: success") < proc.stdout.index("mlci publish: success")
    assert scenario.origin_tags() == ["classifier#staging#1", "classifier@v0.0.1"]
    with forge.store.lock:
        [release] = [dict(r) for r in forge.store.releases]
    assert release["tag_name"] == "classifier@v0.0.1"
    assert git(root, "rev-parse", "HEAD") in release["body"]
    git(root, "fetch", "-q", "--tags", "origin")
    mlci("promote", "classifier", "v0.0.1", "prod", "--push", cwd=root)
    clone = fresh_clone(scenario.origin, tmp_path / "clone")
    mlci("models", "get", "classifier#prod", "-o", str(tmp_path / "prod.pkl"), cwd=clone)
    assert (tmp_path / "prod.pkl").read_bytes() == (root / "models" / "model.pkl").read_bytes()


def test_7_a_fork_pull_request_is_reported_and_never_sees_a_token(
        scenario: Scenario, forge: FakeForge) -> None:
    # the fork's code runs in the train job: it tries to read every variable it can see
    sha, leak = scenario.snooping_branch("fork-change", "a contribution from a fork")
    open_pull(forge, 3, sha, head_repo="mallory/proj")
    event = pull_request_event(scenario, 3, "fork-change", sha, head_repo="mallory/proj")
    ci_run(scenario, forge, "pull_request", "--event-file", str(event))
    seen = json.loads(leak.read_text())
    assert seen["GITHUB_EVENT_NAME"] == "pull_request"  # it did run inside the job
    assert TOKEN not in json.dumps(seen)
    assert not {"GITHUB_TOKEN", "GH_TOKEN", "MLCI_GITLAB_TOKEN"} & set(seen)
    ci_run(scenario, forge, "workflow_run")
    [report] = forge.comments(REPO, 3)
    assert report["body"].startswith(MARKER) and sha[:7] in report["body"]
    # the fork's own code made these numbers: the comment and the status say so
    assert report["body"].startswith(f"{MARKER}\n\n> ⚠️ **Unverified: this pull request comes "
                                     "from a fork.**")
    [status] = statuses(forge, sha)
    assert status["state"] == "success"
    assert status["description"].startswith("unverified (fork): gate passed")
    assert os.environ.get("GITHUB_TOKEN") is None


def test_8_without_a_forge_url_forge_calls_are_a_dry_run(scenario: Scenario,
                                                         forge: FakeForge) -> None:
    seen = len(forge.requests)
    env = {"GITHUB_REPOSITORY": REPO, "PIP_NO_INDEX": "1"}  # no GITHUB_API_URL, no token
    proc = mlci_process("ci", "run", "workflow_run", cwd=scenario.root, env=env)
    assert "forge calls (comment, status, release) are skipped (dry run)" in proc.stderr
    assert "would GET /repos/octo/proj/pulls/3" in proc.stdout
    assert "would set commit status mlci/gate = success (dry run" in proc.stdout
    assert len(forge.requests) == seen
    push = mlci_process("ci", "run", "push", cwd=scenario.root, env=env)
    assert "mlci-publish.yml: not run in a dry run" in push.stderr
    assert "mlci publish:" not in push.stdout



def test_9_a_pull_request_adding_personal_data_fails_with_a_masked_report(
        scenario: Scenario, forge: FakeForge) -> None:
    sha = scenario.add_contacts("contacts", "load: customer contacts for a new feature")
    open_pull(forge, 4, sha)
    event = pull_request_event(scenario, 4, "contacts", sha)
    train = ci_run(scenario, forge, "pull_request", "--event-file", str(event), expect=1)
    assert "mlci train: failure" in train.stdout
    assert "c***@e***.org" in train.stdout  # the scan's own log line, masked
    comment = ci_run(scenario, forge, "workflow_run")
    [status] = statuses(forge, sha)
    assert status["state"] == "failure"
    assert "data/contacts.csv:email" in status["description"]
    [report] = forge.comments(REPO, 4)
    body = report["body"]
    assert "**Privacy scan**: ❌ 2 finding(s)" in body
    masked = "c\\*\\*\\*@&#8203;e\\*\\*\\*.org"  # c***@e***.org, escaped in the table
    assert f"| data/contacts.csv | email | email | 40 | 100% | {masked} |" in body
    assert "| data/contacts.csv | phone | phone | 40 | 100% | +\\* \\*\\*\\*-" in body
    seen = train.stdout + train.stderr + comment.stdout + body + status["description"]
    for email, phone in CONTACTS:
        assert email not in seen and phone not in seen
