"""Which comment is mlci's: the marker on the first line, written by the token's own user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.commands import mlci
from support.comments import HEAD, MARK, REPO, TOKEN, post
from support.forge_server import FakeForge, gitlab_env

SECONDARY = {"message": "You have exceeded a secondary rate limit."}


@pytest.fixture
def pr(forge: FakeForge) -> FakeForge:
    forge.add_pull(REPO, 5, HEAD)
    return forge


def seed(forge: FakeForge, *comments: tuple[int, str, str], where: str = "github",
         repo: str = REPO) -> None:
    """Comments as (id, author, body) on PR 5."""
    forge.store.seed({"comments": [{"id": i, "forge": where, "repo": repo, "number": 5,
                                    "body": body, "author": author}
                                   for i, author, body in comments]})


def bodies(forge: FakeForge, where: str = "github", repo: str = REPO) -> dict[int, str]:
    return {c["id"]: c["body"] for c in forge.comments(repo, 5, where)}


def created(forge: FakeForge, known: set[int], where: str = "github",
            repo: str = REPO) -> list[dict[str, Any]]:
    return [c for c in forge.comments(repo, 5, where) if c["id"] not in known]


# --- the marker: one per comment, on its first line -------------------------------------------

def test_a_report_posted_under_an_id_marker_never_carries_the_default_one(
        pr: FakeForge, tmp_path: Path) -> None:
    report = f"{MARK}\n## Metrics\n"  # what `mlci report` writes
    post(pr, tmp_path, report + "main\n")
    post(pr, tmp_path, report + "gpu\n", "--marker", "gpu")
    post(pr, tmp_path, report + "main 2\n")
    post(pr, tmp_path, report + "gpu 2\n", "--marker", "gpu")
    assert sorted(bodies(pr).values()) == [f"{MARK}\n## Metrics\nmain 2\n",
                                           "<!-- mlci-report:gpu -->\n## Metrics\ngpu 2\n"]
    assert [r.method for r in pr.writes()] == ["POST", "POST", "PATCH", "PATCH"]


def test_a_marker_below_the_first_line_does_not_make_a_comment_ours(pr: FakeForge,
                                                                   tmp_path: Path) -> None:
    quoted = f"Reposting the report:\n{MARK}\nold numbers"
    seed(pr, (40, "github-actions[bot]", quoted))
    post(pr, tmp_path, "new numbers")
    assert bodies(pr)[40] == quoted
    [ours] = created(pr, {40})
    assert ours["body"] == f"{MARK}\nnew numbers"


# --- the author: only mlci's own comments are edited ------------------------------------------

def test_a_marker_comment_by_another_user_is_ignored(pr: FakeForge, tmp_path: Path) -> None:
    seed(pr, (50, "mallory", f"{MARK}\nplease edit me"))
    proc = post(pr, tmp_path, "report")
    assert bodies(pr)[50] == f"{MARK}\nplease edit me"
    [ours] = created(pr, {50})
    assert (ours["author"], ours["body"]) == ("github-actions[bot]", f"{MARK}\nreport")
    assert [r.method for r in pr.writes()] == ["POST"]
    assert ("ignoring 1 comment(s) with the marker by mallory: mlci edits only its own, by "
            "github-actions[bot]") in proc.stderr
    post(pr, tmp_path, "report 2")  # the next run updates ours, still not theirs
    assert bodies(pr) == {50: f"{MARK}\nplease edit me", ours["id"]: f"{MARK}\nreport 2"}


def test_an_actions_token_cannot_read_user_and_posts_as_github_actions(
        pr: FakeForge, tmp_path: Path) -> None:
    seed(pr, (60, "github-actions[bot]", f"{MARK}\nold"))
    post(pr, tmp_path, "new")
    assert bodies(pr) == {60: f"{MARK}\nnew"}
    assert [(r.method, r.path) for r in pr.requests][:2] == [
        ("GET", "/user"), ("GET", f"/repos/{REPO}/issues/5/comments")]


def test_a_personal_token_updates_its_own_comment_only(pr: FakeForge, tmp_path: Path) -> None:
    pr.store.seed({"tokens": {TOKEN: {"login": "Alice"}}})
    seed(pr, (70, "alice", f"{MARK}\nalice's old report"),
         (71, "github-actions[bot]", f"{MARK}\na report from the Actions token"))
    post(pr, tmp_path, "alice's new report")
    assert bodies(pr) == {70: f"{MARK}\nalice's new report",  # logins compare without case
                          71: f"{MARK}\na report from the Actions token"}


def test_mlci_comment_author_names_the_login_without_asking(pr: FakeForge,
                                                           tmp_path: Path) -> None:
    pr.store.seed({"tokens": {TOKEN: {"login": "my-app[bot]"}}})
    seed(pr, (80, "my-app[bot]", f"{MARK}\nold"), (81, "github-actions[bot]", f"{MARK}\nx"))
    post(pr, tmp_path, "new", env={"MLCI_COMMENT_AUTHOR": "my-app[bot]"})
    assert bodies(pr) == {80: f"{MARK}\nnew", 81: f"{MARK}\nx"}
    assert "/user" not in [r.path for r in pr.requests]


def test_a_rate_limited_user_lookup_is_retried_not_taken_for_the_actions_token(
        pr: FakeForge, tmp_path: Path) -> None:
    pr.store.seed({"tokens": {TOKEN: {"login": "alice"}}})
    seed(pr, (90, "alice", f"{MARK}\nold"))
    pr.fault(r"^/user$", method="GET", status=403, body=SECONDARY, headers={"retry-after": "0"})
    post(pr, tmp_path, "new")
    assert bodies(pr) == {90: f"{MARK}\nnew"}
    assert [r.path for r in pr.requests][:2] == ["/user", "/user"]


def test_an_unexpected_user_reply_is_an_error(pr: FakeForge, tmp_path: Path) -> None:
    pr.store.seed({"tokens": {TOKEN: {"login": "alice"}}})
    pr.fault(r"^/user$", method="GET", status=200, body={"name": "no login here"})
    proc = post(pr, tmp_path, "r", expect=1)
    assert "GitHub: GET /user: expected an object with a 'login' string" in proc.stderr
    assert pr.writes() == []


def test_gitlab_ignores_another_users_marker_note(forge: FakeForge, tmp_path: Path) -> None:
    forge.add_pull("42", 5, HEAD, forge="gitlab")
    forge.store.seed({"tokens": {TOKEN: {"login": "project_42_bot_1a2b"}}})
    seed(forge, (100, "project_42_bot_1a2b", f"{MARK}\nold"), (101, "mallory", f"{MARK}\nmine"),
         where="gitlab", repo="42")
    (tmp_path / "r.md").write_text("new")
    env = gitlab_env(forge, sha=HEAD, token=TOKEN)
    proc = mlci("comment", "r.md", cwd=tmp_path, env=env)
    assert bodies(forge, "gitlab", "42") == {100: f"{MARK}\nnew", 101: f"{MARK}\nmine"}
    assert forge.requests[0].path == "/api/v4/user"
    assert "by mallory" in proc.stderr and TOKEN not in proc.stdout + proc.stderr
