"""`mlci comment` under injected faults: retries where safe, never a duplicate comment."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from support.commands import mlci
from support.comments import HEAD, MARK, REPO, TOKEN, post
from support.forge_server import FakeForge, gitlab_env

COMMENTS = rf"^/repos/{REPO}/issues/5/comments$"
SECONDARY = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes "
             "before you try again."}


@pytest.fixture
def pr(forge: FakeForge) -> FakeForge:
    forge.add_pull(REPO, 5, HEAD)
    return forge


def only_comment(forge: FakeForge) -> str:
    comments = forge.comments(REPO, 5)
    assert len(comments) == 1, comments
    return str(comments[0]["body"])


def methods(forge: FakeForge) -> list[str]:
    """The methods of the comment requests (not the one GET /user asking who mlci is)."""
    return [r.method for r in forge.requests if r.path != "/user"]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_on_listing_is_retried(pr: FakeForge, tmp_path: Path, status: int) -> None:
    pr.fault(COMMENTS, method="GET", status=status, times=2)
    proc = post(pr, tmp_path, "r")
    assert only_comment(pr) == f"{MARK}\nr"
    assert methods(pr) == ["GET", "GET", "GET", "POST"]
    assert f"-> {status}: server error {status}; retrying in 0s (wanted 1s" in proc.stderr


@pytest.mark.parametrize("status", [500, 502])
def test_a_5xx_on_create_reads_back_before_posting_again(pr: FakeForge, tmp_path: Path,
                                                         status: int) -> None:
    pr.fault(COMMENTS, method="POST", status=status)
    proc = post(pr, tmp_path, "r")
    assert only_comment(pr) == f"{MARK}\nr"
    assert methods(pr) == ["GET", "POST", "GET", "POST"]
    assert "reading the comments back before trying again" in proc.stderr


def test_connection_dropped_after_the_comment_was_created_makes_no_duplicate(
        pr: FakeForge, tmp_path: Path) -> None:
    pr.fault(COMMENTS, method="POST", drop="after")
    proc = post(pr, tmp_path, "r")
    assert only_comment(pr) == f"{MARK}\nr"
    assert methods(pr) == ["GET", "POST", "GET"]  # read back, found it, done
    assert "may or may not have done it" in proc.stderr
    assert "created comment" in proc.stdout


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_5xx_after_the_comment_was_created_makes_no_duplicate(pr: FakeForge, tmp_path: Path,
                                                               status: int) -> None:
    pr.fault(COMMENTS, method="POST", status=status, handled=True)
    post(pr, tmp_path, "r")
    assert only_comment(pr) == f"{MARK}\nr"
    assert methods(pr) == ["GET", "POST", "GET"]


def test_a_5xx_after_an_update_was_applied_is_retried_in_place(pr: FakeForge,
                                                               tmp_path: Path) -> None:
    post(pr, tmp_path, "v1")
    pr.fault(r"/issues/comments/\d+$", method="PATCH", status=502, handled=True, times=2)
    post(pr, tmp_path, "v2")
    assert only_comment(pr) == f"{MARK}\nv2"
    assert methods(pr)[2:] == ["GET", "PATCH", "PATCH", "PATCH"]


def test_connection_dropped_after_an_update_is_retried_in_place(pr: FakeForge,
                                                                tmp_path: Path) -> None:
    post(pr, tmp_path, "v1")
    pr.fault(r"/issues/comments/\d+$", method="PATCH", drop="after")
    post(pr, tmp_path, "v2")
    assert only_comment(pr) == f"{MARK}\nv2"
    assert methods(pr)[2:] == ["GET", "PATCH", "PATCH"]


def test_connection_dropped_before_the_server_acted_posts_once(pr: FakeForge,
                                                               tmp_path: Path) -> None:
    pr.fault(COMMENTS, method="POST", drop="before")
    post(pr, tmp_path, "r")
    assert only_comment(pr) == f"{MARK}\nr"
    assert methods(pr) == ["GET", "POST", "GET", "POST"]


@pytest.mark.parametrize(("status", "headers", "body", "said"), [
    (403, {"retry-after": "0"}, SECONDARY, "rate limited; the forge sent retry-after"),
    (403, {}, SECONDARY, "secondary rate limit without retry-after; retrying in 0s (wanted 60s"),
    (429, {}, {"message": "Too Many Requests"}, "(wanted 60s"),
    (429, {"retry-after": "2"}, {"message": "Too Many Requests"}, "(wanted 2s"),
    (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"},
     {"message": "API rate limit exceeded"}, "rate limit used up; waiting for its reset"),
])
def test_rate_limits_on_create_wait_and_retry_without_duplicates(
        pr: FakeForge, tmp_path: Path, status: int, headers: dict[str, str],
        body: dict[str, str], said: str) -> None:
    pr.fault(COMMENTS, method="POST", status=status, headers=headers, body=body, times=2)
    proc = post(pr, tmp_path, "r")
    assert only_comment(pr) == f"{MARK}\nr"
    assert methods(pr) == ["GET", "POST", "POST", "POST"]  # rejected requests: safe to resend
    assert said in proc.stderr


def test_a_rate_limit_reset_beyond_the_max_wait_fails_at_once(pr: FakeForge,
                                                              tmp_path: Path) -> None:
    reset = str(int(time.time()) + 3600)
    pr.fault(COMMENTS, method="GET", status=403, times=9, body={"message": "API rate limit "
             "exceeded for installation"}, headers={"x-ratelimit-remaining": "0",
                                                    "x-ratelimit-reset": reset})
    proc = post(pr, tmp_path, "r", expect=1, env={"MLCI_MAX_RETRY_WAIT": "30"})
    assert methods(pr) == ["GET"]
    assert re.search(f"GitHub: GET /repos/{REPO}/issues/5/comments -> 403 Forbidden: API rate "
                     r"limit exceeded for installation \(rate limit resets in 3[56]\d\d s\)",
                     proc.stderr)
    assert pr.comments(REPO, 5) == []


def test_persistent_5xx_gives_up_after_five_attempts(pr: FakeForge, tmp_path: Path) -> None:
    pr.fault(COMMENTS, method="GET", status=502, times=99, body={"message": "Bad gateway"})
    proc = post(pr, tmp_path, "r", expect=1)
    assert methods(pr) == ["GET"] * 5
    assert proc.stderr.splitlines()[-1] == (
        f"mlci: error: GitHub: GET /repos/{REPO}/issues/5/comments -> 502 Bad Gateway: Bad gateway")
    assert "Traceback" not in proc.stderr


def test_persistent_5xx_on_create_never_duplicates(pr: FakeForge, tmp_path: Path) -> None:
    pr.fault(COMMENTS, method="POST", status=500, times=99)
    proc = post(pr, tmp_path, "r", expect=1)
    assert methods(pr).count("POST") == 5 and pr.comments(REPO, 5) == []
    assert "gave up after 5 attempts" in proc.stderr


@pytest.mark.parametrize(("status", "message"), [
    (422, "Validation Failed"), (404, "Not Found"), (400, "Problems parsing JSON"),
])
def test_other_4xx_are_not_retried(pr: FakeForge, tmp_path: Path, status: int,
                                   message: str) -> None:
    pr.fault(COMMENTS, method="POST", status=status, body={"message": message})
    proc = post(pr, tmp_path, "r", expect=1)
    assert methods(pr) == ["GET", "POST"]
    assert f"POST /repos/{REPO}/issues/5/comments -> {status}" in proc.stderr
    assert message in proc.stderr


def test_an_unreachable_forge_is_retried_then_named(tmp_path: Path) -> None:
    with FakeForge() as gone:
        pass  # its port is now closed
    proc = post(gone, tmp_path, "r", expect=1)
    assert "ConnectError" in proc.stderr and f"check that {gone.url} is reachable" in proc.stderr


def test_gitlab_notes_survive_a_drop_after_create_and_a_502(forge: FakeForge,
                                                            tmp_path: Path) -> None:
    forge.add_pull("42", 5, HEAD, forge="gitlab")
    notes = r"^/api/v4/projects/42/merge_requests/5/notes$"
    forge.fault(notes, method="POST", drop="after")
    forge.fault(notes, method="GET", status=502)
    (tmp_path / "r.md").write_text("r")
    proc = mlci("comment", "r.md", cwd=tmp_path, env=gitlab_env(forge, sha=HEAD, token=TOKEN))
    assert [c["body"] for c in forge.comments("42", 5, "gitlab")] == [f"{MARK}\nr"]
    assert TOKEN not in proc.stdout + proc.stderr
