"""End to end, the monitoring loop on GitLab CI: the scheduled `monitor-classifier` job of the
`.gitlab-ci.yml` `mlci ci generate` wrote, run by gitlab-ci-local through `mlci ci run --forge
gitlab`, against a bare origin, a local DVC remote and the fake forge's GitLab API.

v0.0.1 of the example classifier is in prod. On data like the training data the scheduled
pipeline opens nothing; on shifted data the job pushes mlci/retrain/classifier with the token
and opens ONE merge request; a second run updates it. The steps run in file order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.commands import Result, git
from support.e2e import (
    GITLAB_PROJECT,
    RETRAIN_BRANCH,
    Scenario,
    gitlab_run,
    live_data,
    monitored_scenario,
)
from support.forge_server import FakeForge

pytestmark = pytest.mark.slow

BRANCH = RETRAIN_BRANCH


@pytest.fixture(scope="module")
def scenario(trained_template: Path, tmp_path_factory: pytest.TempPathFactory,
             forge: FakeForge) -> Scenario:
    return monitored_scenario(trained_template, tmp_path_factory.mktemp("e2e-gitlab-monitor"),
                              forge)


def scheduled(s: Scenario, forge: FakeForge) -> Result:
    """The scheduled pipeline; the git server is the bare origin (`$CI_SERVER_URL/$PATH.git`)."""
    assert s.origin.name == "origin.git"
    return gitlab_run(s, forge, "schedule", CI_SERVER_URL=s.origin.parent.as_uri(),
                      CI_PROJECT_PATH="origin")


def monitored(s: Scenario) -> dict[str, object]:
    """The monitor job's result (its artifact `mlci-monitor/result.json`)."""
    artifact = s.root / ".gitlab-ci-local" / "artifacts" / "monitor-classifier"
    found: dict[str, object] = json.loads((artifact / "mlci-monitor" / "result.json").read_text())
    return found


def merge_requests(forge: FakeForge) -> list[dict[str, object]]:
    with forge.store.lock:
        return [dict(p) for p in forge.store.pulls if p["forge"] == "gitlab"]


def test_1_data_like_the_training_data_opens_nothing(scenario: Scenario,
                                                      forge: FakeForge) -> None:
    live_data(scenario, 0.0)
    proc = scheduled(scenario, forge)
    assert "PASS  monitor-classifier" in proc.stdout and "PASS  train" not in proc.stdout
    result = monitored(scenario)
    assert (result["version"], result["dataset_drift"]) == ("v0.0.1", False)
    assert merge_requests(forge) == []
    assert git(scenario.origin, "branch", "--list", BRANCH) == ""


def test_2_shifted_data_opens_one_merge_request(scenario: Scenario, forge: FakeForge) -> None:
    live_data(scenario, 1.0)
    proc = scheduled(scenario, forge)
    assert "PASS  monitor-classifier" in proc.stdout and monitored(scenario)["dataset_drift"]
    [mr] = merge_requests(forge)
    head = git(scenario.origin, "rev-parse", f"refs/heads/{BRANCH}").strip()
    assert (mr["repo"], mr["head_ref"], mr["base"], mr["head_sha"]) == (
        GITLAB_PROJECT, BRANCH, "main", head)
    assert str(mr["title"]).startswith("mlci retrain classifier: classifier v0.0.1 (prod): "
                                       "data drift in")
    assert "the push starts the branch's pipeline" in proc.stdout
    changed = git(scenario.origin, "show", "--name-only", "--format=", head).split()
    assert {"params.yaml", "dvc.lock"} <= set(changed)


def test_3_a_second_run_updates_the_same_merge_request(scenario: Scenario,
                                                       forge: FakeForge) -> None:
    before = git(scenario.origin, "rev-parse", f"refs/heads/{BRANCH}").strip()
    git(scenario.root, "checkout", "-q", "main")
    (scenario.root / "NOTES.md").write_text("Main moved on.\n")
    scenario.push("main", "notes")  # the retrain restarts from the new main: a new commit
    scheduled(scenario, forge)
    [mr] = merge_requests(forge)
    assert mr["head_sha"] != before
    creates = [r for r in forge.writes() if r.method == "POST"
               and r.path.endswith(f"/projects/{GITLAB_PROJECT}/merge_requests")]
    assert len(creates) == 1
