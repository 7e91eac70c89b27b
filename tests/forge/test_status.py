"""Commit statuses (`mlci gate --status`) and idempotent releases, against the fake forge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlci.errors import ForgeError
from mlci.forge.job import detect
from mlci.forge.release import ensure_release
from mlci.forge.status import set_status
from support.commands import commit_all, git, mlci
from support.forge_server import FakeForge, github_env, gitlab_env

TOKEN = "ghs_St4tusT0ken"
REPO = "octo/proj"
HEAD = "9b2e1c0d4a5f60718293a4b5c6d7e8f901234567"


POLICY = "metrics:\n  accuracy: {direction: higher, min: 0.85, max_drop: 0.05}\n"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The trusted checkout a comment job runs in: a repository with mlci.yaml's policy."""
    root = tmp_path / "checkout"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "mlci.yaml").write_text(POLICY)
    return root


def gate_json(root: Path, passed: bool, **values: object) -> Path:
    """An artifact whose rules and verdict claim the opposite of what its values say."""
    head = 0.93 if passed else 0.61
    path = root / "gate.json"
    path.write_text(json.dumps({"passed": not passed, "rules": [], "values": {
        "base": None, "head": {"accuracy": head}, **values}}))
    return path


# with --status the verdict travels in the status: the command succeeds either way
@pytest.mark.parametrize(("passed", "state", "code"), [(True, "success", 0),
                                                       (False, "failure", 0)])
def test_gate_status_from_json_on_the_pr_head_on_github(forge: FakeForge, tmp_path: Path,
                                                        checkout: Path, passed: bool, state: str,
                                                        code: int) -> None:
    env = github_env(forge, tmp_path, head_sha=HEAD, token=TOKEN, GITHUB_RUN_ID="77",
                     GITHUB_SERVER_URL="https://github.invalid")
    proc = mlci("gate", "--status", "--from-json", str(gate_json(checkout, passed)),
                cwd=checkout, env=env, expect=code)
    [status] = forge.store.statuses
    assert (status["sha"], status["state"], status["context"]) == (HEAD, state, "mlci/gate")
    assert status["description"] == ("gate passed: 1 rule (1 not applicable)" if passed else
                                     "gate failed: accuracy 0.61 < min 0.85")
    assert status["target_url"] == f"https://github.invalid/{REPO}/actions/runs/77"
    assert [r.path for r in forge.requests] == [f"/repos/{REPO}/statuses/{HEAD}"]
    assert f"set GitHub commit status mlci/gate = {state} on {HEAD[:12]}" in proc.stdout
    assert TOKEN not in proc.stdout + proc.stderr


def test_gate_status_on_gitlab_uses_ci_commit_sha_and_gitlab_states(forge: FakeForge,
                                                                   checkout: Path) -> None:
    env = gitlab_env(forge, sha=HEAD, token=TOKEN)
    mlci("gate", "--status", "--from-json", str(gate_json(checkout, False)), cwd=checkout,
         env=env)
    [status] = forge.store.statuses
    assert (status["sha"], status["state"], status["context"]) == (HEAD, "failed", "mlci/gate")
    [request] = forge.requests
    assert request.path == f"/api/v4/projects/42/statuses/{HEAD}"
    assert (request.auth_header, request.auth) == ("PRIVATE-TOKEN", TOKEN)


def test_a_merge_request_cannot_loosen_the_gate_it_is_judged_by(forge: FakeForge,
                                                                 checkout: Path) -> None:
    """The GitLab report job runs in the merge request's checkout: with --config-rev the
    status follows the target branch's mlci.yaml, not the thresholds the branch lowered."""
    target = commit_all(checkout, "policy").strip()
    git(checkout, "switch", "-q", "-c", "loosen")
    (checkout / "mlci.yaml").write_text(POLICY.replace("min: 0.85", "min: 0.5"))
    commit_all(checkout, "a small tweak")
    artifact = gate_json(checkout, False)  # accuracy 0.61: passes 0.5, fails 0.85
    env = gitlab_env(forge, sha=HEAD, token=TOKEN)
    mlci("gate", "--status", "--from-json", str(artifact), "--config-rev", target,
         cwd=checkout, env=env)
    mlci("gate", "--status", "--from-json", str(artifact), cwd=checkout, env=env)
    judged_by_target, judged_by_branch = forge.store.statuses
    assert (judged_by_target["state"], judged_by_target["description"]) == (
        "failed", "gate failed: accuracy 0.61 < min 0.85")
    assert judged_by_branch["state"] == "success"  # what the branch alone would have claimed
    missing = mlci("gate", "--from-json", str(artifact), "--config-rev", "no-such-branch",
                   cwd=checkout, expect=1)
    assert "mlci: error: unknown revision 'no-such-branch'" in missing.stderr
    usage = mlci("gate", "--config-rev", target, cwd=checkout, expect=2)
    assert "--config-rev" in usage.stderr and "--from-json" in usage.stderr


def test_gitlab_job_token_cannot_set_statuses_and_says_what_to_do(forge: FakeForge,
                                                                 checkout: Path) -> None:
    env = gitlab_env(forge, sha=HEAD, token=TOKEN, token_var="CI_JOB_TOKEN")
    proc = mlci("gate", "--status", "--from-json", str(gate_json(checkout, True)),
                cwd=checkout, env=env, expect=1)
    assert "GitLab: POST /projects/42/statuses/" in proc.stderr and "-> 403" in proc.stderr
    assert "set MLCI_GITLAB_TOKEN" in proc.stderr and TOKEN not in proc.stderr
    assert forge.requests[0].auth_header == "JOB-TOKEN"


def test_head_option_names_the_commit(forge: FakeForge, tmp_path: Path, checkout: Path) -> None:
    other = "1" * 40  # a full SHA is taken as given: the PR's commit is not in this checkout
    env = github_env(forge, tmp_path, head_sha=HEAD, token=TOKEN)
    mlci("gate", "--status", "--head", other.upper(), "--from-json",
         str(gate_json(checkout, True)), cwd=checkout, env=env)
    assert [s["sha"] for s in forge.store.statuses] == [other]


def test_an_artifact_claiming_a_pass_is_judged_by_the_checkouts_policy(
        forge: FakeForge, tmp_path: Path, checkout: Path) -> None:
    artifact = checkout / "gate.json"  # what a fork's run can write: no rules, "passed"
    artifact.write_text(json.dumps({"passed": True, "description": "gate passed: 0 rules",
                                    "rules": [], "values": {"base": {"accuracy": 0.95},
                                                           "head": {"accuracy": 0.86}}}))
    env = github_env(forge, tmp_path, head_sha=HEAD, token=TOKEN)
    proc = mlci("gate", "--status", "--from-json", str(artifact), cwd=checkout, env=env)
    [status] = forge.store.statuses
    assert status["state"] == "failure"
    assert status["description"] == (
        "gate failed: accuracy dropped 0.09 from 0.95 to 0.86 (> max_drop 0.05)")
    assert "max_drop" in proc.stdout


def test_a_policy_metric_missing_from_the_artifact_fails_the_gate(
        forge: FakeForge, tmp_path: Path, checkout: Path) -> None:
    artifact = checkout / "gate.json"
    artifact.write_text(json.dumps({"passed": True, "rules": [],
                                    "values": {"base": None, "head": {"loss": 0.1}}}))
    env = github_env(forge, tmp_path, head_sha=HEAD, token=TOKEN)
    mlci("gate", "--status", "--from-json", str(artifact), cwd=checkout, env=env)
    [status] = forge.store.statuses
    assert (status["state"], status["description"]) == (
        "failure", "gate failed: accuracy missing at head (+1 more)")
    # without --status the verdict is the exit code
    mlci("gate", "--from-json", str(artifact), cwd=checkout, env=env, expect=1)


def test_gate_json_carries_the_values_that_from_json_judges(
        forge: FakeForge, tmp_path: Path, checkout: Path) -> None:
    (checkout / "dvc.yaml").write_text("metrics: [scores.json]\n")
    (checkout / "scores.json").write_text('{"accuracy": 0.9, "loss": 0.2}')
    written = mlci("gate", "--json", cwd=checkout).stdout
    assert json.loads(written)["values"] == {
        "base": None, "head": {"accuracy": 0.9, "loss": 0.2, "scores.json:accuracy": 0.9,
                               "scores.json:loss": 0.2}}
    (checkout / "gate.json").write_text(written)
    (checkout / "mlci.yaml").write_text("metrics:\n  loss: {max: 0.1}\n")  # a stricter policy
    proc = mlci("gate", "--from-json", "gate.json", cwd=checkout, expect=1)
    assert proc.stdout.splitlines()[-1] == "gate failed: loss 0.2 > max 0.1"


@pytest.mark.parametrize(("content", "words"), [
    ("not json", "not a gate result"),
    ('{"passed": true, "rules": []}', 'expected an object with "values"'),
    ('{"values": {"head": [1]}}', 'expected an object with "values"'),
    ('{"values": {"head": {}, "base": 3}}', '"values.base" must be an object or null'),
    ('["a"]', "not a gate result"),
])
def test_a_bad_gate_artifact_is_refused(forge: FakeForge, tmp_path: Path, checkout: Path,
                                        content: str, words: str) -> None:
    path = checkout / "gate.json"
    path.write_text(content)
    proc = mlci("gate", "--status", "--from-json", str(path), cwd=checkout, expect=1,
                env=github_env(forge, tmp_path, head_sha=HEAD, token=TOKEN))
    assert proc.stderr.startswith(f"mlci: error: {path}: not a gate result")
    assert words in proc.stderr and forge.requests == []


def test_gate_status_in_a_real_project(project: Path, forge: FakeForge, tmp_path: Path) -> None:
    sha = git(project, "rev-parse", "HEAD")
    env = github_env(forge, tmp_path, head_sha=HEAD, token=TOKEN)
    mlci("gate", "--status", "--head", "HEAD", cwd=project, env=env)  # the example passes
    [status] = forge.store.statuses
    assert status["sha"] == sha  # --head REV is resolved to the commit
    assert status["state"] == "success"


def test_set_status_cuts_the_description_to_one_line(forge: FakeForge, tmp_path: Path) -> None:
    context = detect(github_env(forge, tmp_path, token=TOKEN))
    set_status(context, HEAD, "pending", "x" * 300 + "\nsecond line", print)
    assert forge.store.statuses[0]["description"] == "x" * 139 + "…"


def test_set_status_without_a_token_says_so(forge: FakeForge, tmp_path: Path) -> None:
    with pytest.raises(ForgeError, match="GITHUB_TOKEN is not set"):
        set_status(detect(github_env(forge, tmp_path)), HEAD, "success", "ok", print)
    assert forge.requests == []


@pytest.mark.parametrize("which", ["github", "gitlab"])
def test_release_is_created_once_and_found_after(forge: FakeForge, tmp_path: Path,
                                                 which: str) -> None:
    env = (github_env(forge, tmp_path, token=TOKEN) if which == "github"
           else gitlab_env(forge, sha=HEAD, token=TOKEN))
    context = detect(env)
    first = ensure_release(context, "classifier@v1.2.0", "classifier v1.2.0", "card", HEAD, print)
    again = ensure_release(context, "classifier@v1.2.0", "other", "other", HEAD, print)
    assert first.created and not again.created and first.url == again.url
    [release] = forge.store.releases
    assert (release["tag_name"], release["name"], release["body"], release["target"]) == (
        "classifier@v1.2.0", "classifier v1.2.0", "card", HEAD)
    assert [r.method for r in forge.requests] == ["GET", "POST", "GET"]
    assert forge.requests[0].path.endswith("/classifier%40v1.2.0")  # the tag, percent-encoded


@pytest.mark.parametrize("which", ["github", "gitlab"])
def test_release_survives_a_dropped_connection_after_create(forge: FakeForge, tmp_path: Path,
                                                            which: str) -> None:
    env = (github_env(forge, tmp_path, token=TOKEN) if which == "github"
           else gitlab_env(forge, sha=HEAD, token=TOKEN))
    forge.fault(r"/releases$", method="POST", drop="after")
    heard: list[str] = []
    release = ensure_release(detect(env), "m@v1.0.0", "m v1.0.0", "", HEAD, heard.append)
    assert release.tag == "m@v1.0.0" and len(forge.store.releases) == 1
    assert [r.method for r in forge.requests] == ["GET", "POST", "GET"]
    assert "reading the release back" in heard[0] and TOKEN not in " ".join(heard)


def test_release_lost_to_a_race_is_found_not_duplicated(forge: FakeForge,
                                                        tmp_path: Path) -> None:
    forge.store.seed({"releases": [{"id": 1, "forge": "github", "repo": REPO,
                                    "tag_name": "m@v2.0.0", "name": "n", "body": "",
                                    "target": HEAD}]})
    forge.fault(r"/releases/tags/", method="GET", status=404, body={"message": "Not Found"})
    release = ensure_release(detect(github_env(forge, tmp_path, token=TOKEN)), "m@v2.0.0", "n",
                             "", HEAD, print)
    assert not release.created and len(forge.store.releases) == 1
    assert [r.method for r in forge.requests] == ["GET", "POST", "GET"]
