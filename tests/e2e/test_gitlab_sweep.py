"""End to end: the sweep jobs of the `.gitlab-ci.yml` `mlci ci generate` wrote, as a
`parallel: matrix` under gitlab-ci-local through `mlci ci run --forge gitlab`. A merge request
labelled "sweep" gets one leaderboard note (nothing pushed); a pipeline started by hand on main
pushes every combination's run-cache to the DVC remote, so a fresh clone restores one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.commands import dvc, git, mlci
from support.e2e import (
    GITLAB_PROJECT,
    SWEEP_GRID,
    SWEEP_MARKER,
    Scenario,
    check_leaderboard,
    fresh_clone,
    gitlab_run,
    make_scenario,
    open_merge_request,
    tune_branch,
)
from support.forge_server import FakeForge

pytestmark = pytest.mark.slow  # gitlab-ci-local runs a matrix of the real pipeline



@pytest.fixture(scope="module")
def scenario(trained_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The trained project with a 2-combination grid, its outputs in the local DVC remote."""
    s = make_scenario(trained_template, tmp_path_factory.mktemp("e2e-gitlab-sweep"))
    (s.root / "mlci.yaml").write_text((s.root / "mlci.yaml").read_text() + SWEEP_GRID)
    mlci("ci", "generate", cwd=s.root)
    s.push("main", "a parameter sweep")
    dvc(s.root, "push", "-q")
    return s


def test_1_a_labelled_merge_request_gets_one_leaderboard_note(scenario: Scenario,
                                                              forge: FakeForge) -> None:
    sha = tune_branch(scenario)
    open_merge_request(forge, 11, sha)
    before = scenario.remote_files()
    proc = gitlab_run(scenario, forge, "merge_request", CI_MERGE_REQUEST_IID="11",
                      CI_MERGE_REQUEST_LABELS="needs-review,sweep")
    assert "PASS  sweep-leaderboard" in proc.stdout
    assert "PASS  sweep: [train.C=0.3]" in proc.stdout  # one job per combination
    assert "PASS  sweep: [train.C=1.0]" in proc.stdout
    [note] = [n for n in forge.comments(GITLAB_PROJECT, 11, forge="gitlab")
              if n["body"].startswith(SWEEP_MARKER)]
    check_leaderboard(scenario, note["body"])
    assert scenario.remote_files() == before  # a merge request's sweep pushes nothing


def test_2_an_unlabelled_merge_request_runs_no_sweep(scenario: Scenario,
                                                     forge: FakeForge) -> None:
    sha = git(scenario.root, "rev-parse", "HEAD").strip()
    open_merge_request(forge, 12, sha)
    proc = gitlab_run(scenario, forge, "merge_request", CI_MERGE_REQUEST_IID="12",
                  CI_MERGE_REQUEST_LABELS="sweeping-changes")
    assert "sweep" not in proc.stdout.replace("mlci-report:sweep", "")
    assert not [n for n in forge.comments(GITLAB_PROJECT, 12, forge="gitlab")
                if n["body"].startswith(SWEEP_MARKER)]


def test_3_a_sweep_started_by_hand_on_main_fills_the_run_cache(scenario: Scenario,
                                                               forge: FakeForge,
                                                               tmp_path: Path) -> None:
    git(scenario.root, "checkout", "-q", "main")
    runs_before = {f for f in scenario.remote_files() if f.startswith("runs/")}
    proc = gitlab_run(scenario, forge, "web", "--job", "sweep")
    assert "PASS  sweep: [train.C=0.3]" in proc.stdout
    assert "PASS  sweep: [train.C=1.0]" in proc.stdout
    assert {f for f in scenario.remote_files() if f.startswith("runs/")} > runs_before
    clone = fresh_clone(scenario.origin, tmp_path / "clone")
    restored = json.loads(mlci("repro", "--pull", "-S", "train.C=0.3", "--json",
                               cwd=clone).stdout)
    assert {stage["status"] for stage in restored["stages"]} <= {
        "pulled", "restored", "unchanged"}, restored
