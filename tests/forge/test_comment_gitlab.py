"""`mlci comment` on GitLab merge requests: notes, pagination by x-next-page, tokens."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from support.commands import mlci
from support.forge_server import FakeForge, gitlab_env

TOKEN = "glpat-G1tL4bT0kenValue"
HEAD = "5d41402abc4b2a76b9719d911017c592ae1b2c3d"
MARK = "<!-- mlci-report -->"
NOTES = "/api/v4/projects/42/merge_requests/5/notes"


def post(forge: FakeForge, tmp_path: Path, report: str, *args: str, expect: int = 0,
         **context: object) -> subprocess.CompletedProcess[str]:
    """Run `mlci comment` as a GitLab merge request pipeline job; never print the token."""
    (tmp_path / "report.md").write_text(report)
    env = gitlab_env(forge, sha=HEAD, **{"token": TOKEN, **context})  # type: ignore[arg-type]
    proc = mlci("comment", "report.md", *args, cwd=tmp_path, expect=expect, env=env)
    assert TOKEN not in proc.stdout + proc.stderr
    return proc


@pytest.fixture
def mr(forge: FakeForge) -> FakeForge:
    forge.add_pull("42", 5, HEAD, forge="gitlab")
    return forge


def test_first_run_creates_a_note_second_updates_it(mr: FakeForge, tmp_path: Path) -> None:
    first = post(mr, tmp_path, "v1")
    second = post(mr, tmp_path, "v2")
    [note] = mr.comments("42", 5, "gitlab")
    assert note["body"] == f"{MARK}\nv2" and note["author"] == "project_bot"
    assert f"created comment {note['id']} on GitLab merge request !5" in first.stdout
    assert f"updated comment {note['id']}" in second.stdout
    assert [(r.method, r.path) for r in mr.writes()] == [("POST", NOTES),
                                                         ("PUT", f"{NOTES}/{note['id']}")]
    assert {(r.auth_header, r.auth) for r in mr.requests} == {("PRIVATE-TOKEN", TOKEN)}


def test_a_marker_on_page_3_is_found_through_x_next_page(mr: FakeForge, tmp_path: Path) -> None:
    mr.add_comments("42", 5, 45, forge="gitlab")
    post(mr, tmp_path, "old")
    mr.add_comments("42", 5, 24, forge="gitlab")
    mr.store.seed({"max_per_page": 20})  # GitLab's default page size
    mr.store.requests.clear()
    post(mr, tmp_path, "new")
    pages = [r.query["page"] for r in mr.requests if r.path == NOTES and r.method == "GET"]
    assert pages == ["1", "2", "3", "4"]
    notes = mr.comments("42", 5, "gitlab")
    assert len(notes) == 70 and [n["body"] for n in notes if MARK in n["body"]] == [f"{MARK}\nnew"]
    assert [r.method for r in mr.writes()] == ["PUT"]


def test_system_notes_never_count_as_the_report(mr: FakeForge, tmp_path: Path) -> None:
    mr.store.seed({"comments": [{"id": 1, "forge": "gitlab", "repo": "42", "number": 5,
                                 "body": f"{MARK} quoted in a system note", "author": "gitlab",
                                 "system": True}]})
    post(mr, tmp_path, "r")
    assert [r.method for r in mr.writes()] == ["POST"]


def test_job_token_cannot_write_notes_and_the_error_says_why(mr: FakeForge,
                                                            tmp_path: Path) -> None:
    proc = post(mr, tmp_path, "r", token_var="CI_JOB_TOKEN", expect=1)
    assert "GitLab: GET /user -> 401 Unauthorized: 401 Unauthorized" in proc.stderr
    assert "GitLab's CI_JOB_TOKEN cannot write merge request notes" in proc.stderr
    assert "set MLCI_GITLAB_TOKEN" in proc.stderr
    assert mr.requests[0].auth_header == "JOB-TOKEN" and mr.writes() == []


def test_job_token_with_a_known_author_fails_on_the_write(mr: FakeForge,
                                                         tmp_path: Path) -> None:
    proc = post(mr, tmp_path, "r", token_var="CI_JOB_TOKEN", expect=1,
                MLCI_COMMENT_AUTHOR="project_bot")
    assert f"GitLab: POST {NOTES.removeprefix('/api/v4')} -> 403 Forbidden: 403 Forbidden" \
        in proc.stderr
    assert "GitLab's CI_JOB_TOKEN cannot write merge request notes" in proc.stderr
    assert "/user" not in [r.path for r in mr.requests]


def test_no_token_at_all_says_which_variable(mr: FakeForge, tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text("r")
    proc = mlci("comment", "r.md", cwd=tmp_path, env=gitlab_env(mr, sha=HEAD), expect=1)
    assert "mlci: error: MLCI_GITLAB_TOKEN is not set" in proc.stderr and mr.requests == []


def test_a_branch_pipeline_finds_the_open_merge_request(forge: FakeForge,
                                                       tmp_path: Path) -> None:
    forge.add_pull("42", 3, HEAD, forge="gitlab", state="merged")
    forge.add_pull("42", 8, HEAD, forge="gitlab")
    post(forge, tmp_path, "r", iid=None)
    assert forge.comments("42", 8, "gitlab") and not forge.comments("42", 3, "gitlab")
    assert forge.requests[0].path == f"/api/v4/projects/42/repository/commits/{HEAD}/merge_requests"


def test_expect_sha_on_gitlab(mr: FakeForge, tmp_path: Path) -> None:
    proc = post(mr, tmp_path, "r", "--expect-sha", "abcdef1", expect=1)
    assert "merge request !5 is at 5d41402abc4b, not abcdef1: refusing" in proc.stderr
    assert mr.writes() == []
    post(mr, tmp_path, "r", "--expect-sha", HEAD[:10])
    assert len(mr.comments("42", 5, "gitlab")) == 1


def test_gitlab_limit_is_a_million_characters(mr: FakeForge, tmp_path: Path) -> None:
    big = "".join(f"## part {i}\n\n" + "y" * 99_000 + "\n\n" for i in range(12))
    proc = post(mr, tmp_path, big)
    [note] = mr.comments("42", 5, "gitlab")
    assert 900_000 < len(note["body"]) <= 1_000_000
    assert "1,000,000-character limit of a GitLab comment" in note["body"]
    assert "cut at a section boundary" in proc.stdout


def test_a_project_path_id_is_url_encoded(forge: FakeForge, tmp_path: Path) -> None:
    forge.add_pull("group/sub/proj", 5, HEAD, forge="gitlab")
    post(forge, tmp_path, "r", project="group/sub/proj")
    assert all(r.path.startswith("/api/v4/projects/group%2Fsub%2Fproj/")
               for r in forge.requests if r.path != "/api/v4/user")
    assert len(forge.comments("group/sub/proj", 5, "gitlab")) == 1


def test_dry_run_on_gitlab_names_notes_paths_and_sends_nothing(mr: FakeForge,
                                                              tmp_path: Path) -> None:
    proc = post(mr, tmp_path, "r", "--dry-run")
    assert proc.stdout.splitlines() == [
        "would GET /user (who mlci posts as)",
        ("would GET /projects/42/merge_requests/5/notes (every page, looking for "
        "<!-- mlci-report --> by that user)"),
        ("would PUT /projects/42/merge_requests/5/notes/ID (the newest such comment) or else "
        "POST /projects/42/merge_requests/5/notes: body 22 characters"),
    ]
    assert mr.requests == []
