"""`mlci publish --release`: a GitHub/GitLab release with the model card, against the fake forge."""

from __future__ import annotations

import json
from pathlib import Path

from support.commands import git, mlci
from support.forge_server import FakeForge, github_env, gitlab_env

TOKEN = "ghs_release_token_not_to_be_printed"


def test_release_in_ci_by_default_and_idempotent(project: Path, forge: FakeForge,
                                                 tmp_path: Path) -> None:
    env = github_env(forge, tmp_path, event="push", token=TOKEN, CI="true")
    first = mlci("publish", "classifier", "--stage", "staging", cwd=project, env=env)
    [release] = forge.store.releases
    commit = git(project, "rev-parse", "HEAD")
    assert (release["tag_name"], release["name"], release["target"]) == (
        "classifier@v0.0.1", "classifier v0.0.1", commit)
    assert "| accuracy |" in release["body"] and commit in release["body"]
    assert "release: " in first.stdout
    assert all(r.auth == f"Bearer {TOKEN}" for r in forge.requests)

    again = json.loads(mlci("publish", "classifier", "--json", cwd=project, env=env).stdout)
    assert again["already"] is True and again["version"] == "v0.0.1"
    assert again["release"] == first.stdout.split("release: ")[1].strip()
    assert len(forge.store.releases) == 1, "a re-run must not make a second release"
    for output in (first.stdout, first.stderr, json.dumps(again)):
        assert TOKEN not in output


def test_release_on_gitlab(project: Path, forge: FakeForge) -> None:
    env = gitlab_env(forge, iid=None, token=TOKEN, CI="true")
    mlci("publish", "classifier", "--release", cwd=project, env=env)
    [release] = forge.store.releases
    assert release["tag_name"] == "classifier@v0.0.1" and release["forge"] == "gitlab"


def test_no_release_outside_ci_and_with_no_release(project: Path, forge: FakeForge,
                                                   tmp_path: Path) -> None:
    mlci("publish", "classifier", cwd=project)  # no CI variables: no release, no error
    env = github_env(forge, tmp_path, event="push", token=TOKEN, CI="true")
    (project / "A.md").write_text("a")
    git(project, "add", "A.md")
    git(project, "commit", "-q", "-m", "a")
    mlci("publish", "classifier", "--no-release", cwd=project, env=env)
    assert forge.requests == []


def test_release_without_forge_context_fails_before_tagging(project: Path) -> None:
    result = mlci("publish", "classifier", "--release", cwd=project, expect=1)
    assert "no CI context" in result.stderr
    assert git(project, "tag", "-l") == ""
