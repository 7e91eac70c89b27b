"""End to end on GitLab CI: the `.gitlab-ci.yml` `mlci ci generate` wrote, run by gitlab-ci-local
through `mlci ci run --forge gitlab`, against a bare git origin, a local DVC remote and the
fake forge's GitLab API. The steps share one project and one forge and run in file order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.commands import Result, git, mlci
from support.e2e import (
    CONTACTS,
    GITLAB_PROJECT,
    TOKEN,
    Scenario,
    fresh_clone,
    gitlab_run,
    make_scenario,
    open_merge_request,
)
from support.forge_server import FakeForge

pytestmark = pytest.mark.slow  # runs act / gitlab-ci-local and the real pipeline (~1 min)

PROJECT = GITLAB_PROJECT
MARKER = "<!-- mlci-report -->"


@pytest.fixture(scope="module")
def scenario(trained_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return make_scenario(trained_template, tmp_path_factory.mktemp("e2e-gitlab"))


def ci_run(s: Scenario, forge: FakeForge, *args: str, iid: int | None = None,
           expect: int = 0) -> Result:
    """`mlci ci run --forge gitlab ARGS`, for merge request `iid` when given."""
    variables = {} if iid is None else {"CI_MERGE_REQUEST_IID": str(iid)}
    return gitlab_run(s, forge, *args, expect=expect, **variables)


def statuses(forge: FakeForge, sha: str) -> list[dict[str, Any]]:
    with forge.store.lock:
        return [dict(x) for x in forge.store.statuses
                if x["forge"] == "gitlab" and x["sha"] == sha and x["context"] == "mlci/gate"]


def test_1_branch_pipeline_on_main_fills_the_dvc_remote(scenario: Scenario,
                                                        forge: FakeForge) -> None:
    proc = ci_run(scenario, forge, "push")
    assert "PASS  train" in proc.stdout and "gitlab push pipeline: success" in proc.stdout
    assert "run-cache to the DVC remote" in proc.stdout
    assert any(f.startswith("runs/") for f in scenario.remote_files())
    assert "report" not in proc.stdout.split("PASS  train", 1)[1]  # no note job on main
    assert forge.comments(PROJECT, 1, forge="gitlab") == []


def test_2_merge_request_pipeline_posts_one_note_and_a_status(scenario: Scenario,
                                                               forge: FakeForge) -> None:
    sha = scenario.commit_params("better", 0.3, "C=0.3")
    open_merge_request(forge, 7, sha)
    proc = ci_run(scenario, forge, "merge_request", iid=7)
    assert "PASS  train" in proc.stdout and "PASS  report" in proc.stdout
    [note] = forge.comments(PROJECT, 7, forge="gitlab")
    assert note["body"].startswith(MARKER) and sha[:7] in note["body"]
    assert "| Metric | Base" in note["body"]
    assert [s["state"] for s in statuses(forge, sha)] == ["success"]
    writes = [r for r in forge.writes() if r.path.startswith("/api/v4/")]
    assert writes and all(r.auth_header == "PRIVATE-TOKEN" and r.auth == TOKEN for r in writes)


def test_3_a_second_push_updates_the_same_note(scenario: Scenario, forge: FakeForge) -> None:
    [before] = forge.comments(PROJECT, 7, forge="gitlab")
    sha = scenario.commit_params("better", 0.1, "C=0.1")
    open_merge_request(forge, 7, sha)
    ci_run(scenario, forge, "merge_request", iid=7)
    [after] = forge.comments(PROJECT, 7, forge="gitlab")
    assert after["id"] == before["id"] and sha[:7] in after["body"]


def test_4_a_failing_gate_fails_the_status(scenario: Scenario, forge: FakeForge) -> None:
    sha = scenario.commit_params("worse", 0.001, "C=0.001")
    open_merge_request(forge, 8, sha)
    proc = ci_run(scenario, forge, "merge_request", iid=8, expect=1)
    assert "FAIL  train" in proc.stdout
    [note] = forge.comments(PROJECT, 8, forge="gitlab")
    assert "gate failed" in note["body"]
    [status] = statuses(forge, sha)
    assert status["state"] == "failed"
    publish = ci_run(scenario, forge, "push", "--job", "publish", expect=1)
    assert "FAIL  publish" in publish.stdout
    assert scenario.origin_tags() == []


def test_5_merge_and_the_manual_publish_job(scenario: Scenario, forge: FakeForge,
                                            tmp_path: Path) -> None:
    root = scenario.root
    # main's outputs back in the workspace
    scenario.merge_to_main("better", "Merge branch 'better'")
    ci_run(scenario, forge, "push")
    proc = ci_run(scenario, forge, "push", "--job", "publish")
    assert "PASS  publish" in proc.stdout
    assert scenario.origin_tags() == ["classifier#staging#1", "classifier@v0.0.1"]
    with forge.store.lock:
        [release] = [dict(r) for r in forge.store.releases if r["forge"] == "gitlab"]
    assert release["tag_name"] == "classifier@v0.0.1"
    git(root, "fetch", "-q", "--tags", "origin")
    mlci("promote", "classifier", "v0.0.1", "prod", "--push", cwd=root)
    clone = fresh_clone(scenario.origin, tmp_path / "clone")
    mlci("models", "get", "classifier#prod", "-o", str(tmp_path / "prod.pkl"), cwd=clone)
    assert (tmp_path / "prod.pkl").read_bytes() == (root / "models" / "model.pkl").read_bytes()


def test_6_the_merge_requests_code_never_sees_the_token(scenario: Scenario,
                                                         forge: FakeForge) -> None:
    """The MR's own code runs in the train job and reads every variable it can see; the token
    is scoped to the report job's environment, which installs the pinned mlci and posts."""
    sha, leak = scenario.snooping_branch("curious", "a merge request whose code looks around")
    open_merge_request(forge, 9, sha)
    proc = ci_run(scenario, forge, "merge_request", iid=9)
    seen = json.loads(leak.read_text())
    assert seen["CI_PIPELINE_SOURCE"] == "merge_request_event"  # it did run inside the job
    assert "MLCI_GITLAB_TOKEN" not in seen and TOKEN not in json.dumps(seen)
    assert 'pip install --no-cache-dir "mlci==' in proc.stdout  # the report job's own mlci
    assert "Requirement already satisfied: mlci==" in proc.stdout
    [note] = forge.comments(PROJECT, 9, forge="gitlab")
    assert note["body"].startswith(MARKER) and sha[:7] in note["body"]
    assert [r.auth for r in forge.writes() if r.path.endswith("/9/notes")] == [TOKEN]


def test_7_a_merge_request_adding_personal_data_fails_with_a_masked_note(
        scenario: Scenario, forge: FakeForge) -> None:
    sha = scenario.add_contacts("contacts", "load: customer contacts")
    open_merge_request(forge, 10, sha)
    proc = ci_run(scenario, forge, "merge_request", iid=10, expect=1)
    assert "FAIL  train" in proc.stdout and "PASS  report" in proc.stdout
    [note] = forge.comments(PROJECT, 10, forge="gitlab")
    assert "**Privacy scan**: ❌ 2 finding(s)" in note["body"]
    [status] = statuses(forge, sha)
    assert status["state"] == "failed" and "data/contacts.csv:email" in status["description"]
    seen = proc.stdout + proc.stderr + note["body"] + status["description"]
    for email, phone in CONTACTS:
        assert email not in seen and phone not in seen


def test_8_a_push_to_main_with_personal_data_pushes_nothing(scenario: Scenario,
                                                             forge: FakeForge) -> None:
    """The same contacts pushed straight to main (no merge request scanned them): the train
    job scans between `mlci repro --pull` and `mlci repro --push`, and fails there."""
    before = scenario.remote_files()
    scenario.merge_to_main("contacts", "Merge branch 'contacts' (no review)")
    proc = ci_run(scenario, forge, "push", expect=1)
    assert "FAIL  train" in proc.stdout and "flagged 2: personal data or secrets" in proc.stdout
    assert scenario.remote_files() == before
    for email, phone in CONTACTS:
        assert email not in proc.stdout + proc.stderr and phone not in proc.stdout
