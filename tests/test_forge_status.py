"""Commit statuses (`mlci gate --status`) and idempotent releases, against the fake forge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git, mlci
from forge_server import FakeForge, github_env, gitlab_env

from mlci.errors import ForgeError
from mlci.forge.context import detect
from mlci.forge.release import ensure_release
from mlci.forge.status import set_status

TOKEN = "ghs_St4tusT0ken"
REPO = "octo/proj"
HEAD = "9b2e1c0d4a5f60718293a4b5c6d7e8f901234567"


def gate_json(tmp_path: Path, passed: bool) -> Path:
    rule = {"metric": "accuracy", "rule": "min", "threshold": 0.85, "base": None,
            "head": 0.93 if passed else 0.61, "outcome": "pass" if passed else "fail",
            "reason": "0.93 >= 0.85" if passed else "0.61 < min 0.85"}
    path = tmp_path / "gate.json"
    # "passed" is ignored on purpose: the rules decide, whatever an artifact claims
    path.write_text(json.dumps({"passed": not passed, "rules": [rule]}))
    return path


@pytest.mark.parametrize(("passed", "state", "code"), [(True, "success", 0),
                                                       (False, "failure", 1)])
def test_gate_status_from_json_on_the_pr_head_on_github(forge: FakeForge, tmp_path: Path,
                                                        passed: bool, state: str,
                                                        code: int) -> None:
    env = github_env(forge, tmp_path, head_sha=HEAD, token=TOKEN, GITHUB_RUN_ID="77",
                     GITHUB_SERVER_URL="https://github.invalid")
    proc = mlci("gate", "--status", "--from-json", str(gate_json(tmp_path, passed)),
                cwd=tmp_path, env=env, expect=code)
    [status] = forge.store.statuses
    assert (status["sha"], status["state"], status["context"]) == (HEAD, state, "mlci/gate")
    assert status["description"].startswith("gate passed" if passed else "gate failed: accuracy")
    assert status["target_url"] == f"https://github.invalid/{REPO}/actions/runs/77"
    assert [r.path for r in forge.requests] == [f"/repos/{REPO}/statuses/{HEAD}"]
    assert f"set GitHub commit status mlci/gate = {state} on {HEAD[:12]}" in proc.stdout
    assert TOKEN not in proc.stdout + proc.stderr


def test_gate_status_on_gitlab_uses_ci_commit_sha_and_gitlab_states(forge: FakeForge,
                                                                   tmp_path: Path) -> None:
    env = gitlab_env(forge, sha=HEAD, token=TOKEN)
    mlci("gate", "--status", "--from-json", str(gate_json(tmp_path, False)), cwd=tmp_path,
         env=env, expect=1)
    [status] = forge.store.statuses
    assert (status["sha"], status["state"], status["context"]) == (HEAD, "failed", "mlci/gate")
    [request] = forge.requests
    assert request.path == f"/api/v4/projects/42/statuses/{HEAD}"
    assert (request.auth_header, request.auth) == ("PRIVATE-TOKEN", TOKEN)


def test_gitlab_job_token_cannot_set_statuses_and_says_what_to_do(forge: FakeForge,
                                                                 tmp_path: Path) -> None:
    env = gitlab_env(forge, sha=HEAD, token=TOKEN, token_var="CI_JOB_TOKEN")
    proc = mlci("gate", "--status", "--from-json", str(gate_json(tmp_path, True)),
                cwd=tmp_path, env=env, expect=1)
    assert "GitLab: POST /projects/42/statuses/" in proc.stderr and "-> 403" in proc.stderr
    assert "set MLCI_GITLAB_TOKEN" in proc.stderr and TOKEN not in proc.stderr
    assert forge.requests[0].auth_header == "JOB-TOKEN"


def test_head_option_names_the_commit(forge: FakeForge, tmp_path: Path) -> None:
    other = "1" * 40
    env = github_env(forge, tmp_path, head_sha=HEAD, token=TOKEN)
    mlci("gate", "--status", "--head", other, "--from-json", str(gate_json(tmp_path, True)),
         cwd=tmp_path, env=env)
    assert [s["sha"] for s in forge.store.statuses] == [other]


@pytest.mark.parametrize(("content", "words"), [
    ("not json", "not a gate result"),
    ('{"rules": [{"metric": "a", "bogus": 1}]}', "not a gate result"),
    ('["a"]', "not a gate result"),
])
def test_a_bad_gate_artifact_is_refused(forge: FakeForge, tmp_path: Path, content: str,
                                        words: str) -> None:
    path = tmp_path / "gate.json"
    path.write_text(content)
    proc = mlci("gate", "--status", "--from-json", str(path), cwd=tmp_path, expect=1,
                env=github_env(forge, tmp_path, head_sha=HEAD, token=TOKEN))
    assert f"mlci: error: {path}: {words}" in proc.stderr and forge.requests == []


def test_gate_status_in_a_real_project(project: Path, forge: FakeForge, tmp_path: Path) -> None:
    sha = git(project, "rev-parse", "HEAD")
    env = github_env(forge, tmp_path, head_sha=HEAD, token=TOKEN)
    proc = mlci("gate", "--status", "--head", "HEAD", cwd=project, env=env, expect=None)
    assert proc.returncode in (0, 1), proc.stderr
    [status] = forge.store.statuses
    assert status["sha"] == sha  # --head REV is resolved to the commit
    assert status["state"] == ("success" if proc.returncode == 0 else "failure")


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
                                    "tag_name": "m@v2.0.0", "name": "n", "body": "", "target": HEAD}]})
    forge.fault(r"/releases/tags/", method="GET", status=404, body={"message": "Not Found"})
    release = ensure_release(detect(github_env(forge, tmp_path, token=TOKEN)), "m@v2.0.0", "n",
                             "", HEAD, print)
    assert not release.created and len(forge.store.releases) == 1
    assert [r.method for r in forge.requests] == ["GET", "POST", "GET"]
