"""End to end, the monitoring loop on GitHub Actions: the workflows `mlci ci generate` wrote, run
by act through `mlci ci run`, against a bare origin, a local DVC remote and the fake forge.

v0.0.1 of the example classifier is in prod. The scheduled monitor workflow on data like the
training data opens nothing; on shifted data it opens ONE pull request on
mlci/retrain/classifier (dispatching the train workflow there), a second run updates it, the
dispatched train run reports and gates on that pull request, and merging publishes v0.0.2.
The steps share one project and one forge and run in file order.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support.commands import Result, git, mlci_process
from support.e2e import RETRAIN_BRANCH, TOKEN, Scenario, live_data, monitored_scenario
from support.forge_server import FakeForge

pytestmark = pytest.mark.slow

REPO = "octo/proj"
BRANCH = RETRAIN_BRANCH


@pytest.fixture(scope="module")
def scenario(trained_template: Path, tmp_path_factory: pytest.TempPathFactory,
             forge: FakeForge) -> Scenario:
    return monitored_scenario(trained_template, tmp_path_factory.mktemp("e2e-monitor"), forge)


def ci_run(s: Scenario, forge: FakeForge, *args: str, expect: int = 0) -> Result:
    env = {"GITHUB_API_URL": forge.url, "GITHUB_REPOSITORY": REPO, "GITHUB_TOKEN": TOKEN,
           "PIP_NO_INDEX": "1", "MLCI_MAX_RETRY_WAIT": "0"}
    proc = mlci_process("ci", "run", *args, cwd=s.root, expect=expect, env=env)
    assert TOKEN not in proc.stdout + proc.stderr
    return proc


def test_1_data_like_the_training_data_opens_nothing(scenario: Scenario,
                                                      forge: FakeForge) -> None:
    live_data(scenario, 0.0)
    proc = ci_run(scenario, forge, "schedule")
    assert "mlci monitor: success" in proc.stdout
    assert "classifier v0.0.1 (prod): healthy" in proc.stdout  # the job summary
    assert forge.store.pulls == [] and forge.store.dispatches == []
    assert git(scenario.origin, "branch", "--list", BRANCH) == ""


def test_2_shifted_data_opens_one_pull_request_and_dispatches_training(
        scenario: Scenario, forge: FakeForge) -> None:
    live_data(scenario, 1.0)
    proc = ci_run(scenario, forge, "schedule")
    assert "data drift in" in proc.stdout
    [pull] = forge.store.pulls
    head = git(scenario.origin, "rev-parse", f"refs/heads/{BRANCH}").strip()
    assert (pull["number"], pull["head_ref"], pull["head_sha"]) == (1, BRANCH, head)
    assert pull["title"].startswith("mlci retrain classifier: classifier v0.0.1 (prod): data "
                                    "drift in")
    assert "<!-- mlci-monitor -->" in pull["body"] and "### Columns" in pull["body"]
    assert forge.store.dispatches == [{"repo": REPO, "workflow": "mlci-train.yml",
                                       "ref": BRANCH, "inputs": {}}]


def test_3_a_second_run_updates_the_same_pull_request(scenario: Scenario,
                                                      forge: FakeForge) -> None:
    before = git(scenario.origin, "rev-parse", f"refs/heads/{BRANCH}").strip()
    ci_run(scenario, forge, "schedule")
    [pull] = forge.store.pulls
    assert pull["number"] == 1 and pull["head_sha"] != before
    assert [(r.method, r.path) for r in forge.writes()].count(("POST", f"/repos/{REPO}/pulls")) \
        == 1
    assert len(forge.store.dispatches) == 2


def test_4_the_dispatched_train_run_reports_and_gates_on_the_pull_request(
        scenario: Scenario, forge: FakeForge) -> None:
    git(scenario.root, "fetch", "-q", "origin", f"{BRANCH}:{BRANCH}")
    git(scenario.root, "checkout", "-q", BRANCH)
    head = git(scenario.root, "rev-parse", "HEAD").strip()
    proc = ci_run(scenario, forge, "workflow_dispatch", "--job", "dispatched")
    assert "mlci train: success" in proc.stdout
    [report] = forge.comments(REPO, 1)
    assert report["body"].startswith("<!-- mlci-report -->") and head[:7] in report["body"]
    with forge.store.lock:
        states = [s["state"] for s in forge.store.statuses if s["sha"] == head]
    assert states == ["success"]


def test_5_merging_publishes_v2(scenario: Scenario, forge: FakeForge) -> None:
    root = scenario.root
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "-m", "Merge pull request #1", BRANCH)
    git(root, "push", "-q", "origin", "main")
    # the publish job restores the retrained outputs from the DVC remote the retrain filled
    proc = ci_run(scenario, forge, "push", "--job", "publish")
    assert "mlci publish: success" in proc.stdout
    assert "classifier@v0.0.2" in scenario.origin_tags()
    card = git(scenario.origin, "tag", "-l", "--format=%(contents)", "classifier@v0.0.2")
    assert "monitoring profile: `" in card and "train.seed | 7" in card
