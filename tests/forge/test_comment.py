"""`mlci comment` on GitHub against the fake forge (tests/support/forge_server.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.commands import mlci
from support.comments import HEAD, MARK, REPO, TOKEN, post
from support.forge_server import FakeForge, github_env


@pytest.fixture
def pr(forge: FakeForge) -> FakeForge:
    forge.add_pull(REPO, 5, HEAD)
    return forge


def test_first_run_creates_second_run_updates_the_same_comment(pr: FakeForge,
                                                               tmp_path: Path) -> None:
    first = post(pr, tmp_path, "# Metrics\n\naccuracy 0.91\n")
    second = post(pr, tmp_path, "# Metrics\n\naccuracy 0.93\n")
    comments = pr.comments(REPO, 5)
    assert len(comments) == 1
    assert comments[0]["body"] == f"{MARK}\n# Metrics\n\naccuracy 0.93\n"
    assert comments[0]["author"] == "github-actions[bot]"
    assert f"created comment {comments[0]['id']} on GitHub pull request #5" in first.stdout
    assert f"updated comment {comments[0]['id']}" in second.stdout
    writes = [(r.method, r.path) for r in pr.writes()]
    assert writes == [("POST", f"/repos/{REPO}/issues/5/comments"),
                      ("PATCH", f"/repos/{REPO}/issues/comments/{comments[0]['id']}")]


def test_requests_carry_githubs_headers_and_the_token_only_in_authorization(
        pr: FakeForge, tmp_path: Path) -> None:
    post(pr, tmp_path, "report")
    for request in pr.requests:
        assert request.auth_header == "Authorization" and request.auth == f"Bearer {TOKEN}"
        assert request.headers["Accept"] == "application/vnd.github+json"
        assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
        assert TOKEN not in request.path + json.dumps(request.query) + json.dumps(request.body)


def test_a_marker_on_page_3_of_a_70_comment_pr_is_found_and_updated(pr: FakeForge,
                                                                   tmp_path: Path) -> None:
    pr.add_comments(REPO, 5, 65)
    post(pr, tmp_path, "old report")
    pr.add_comments(REPO, 5, 4)
    pr.store.seed({"max_per_page": 30})  # GitHub's default page size, whatever we ask for
    ours = [c["id"] for c in pr.comments(REPO, 5) if MARK in c["body"]]
    assert [c["id"] for c in pr.comments(REPO, 5)].index(ours[0]) == 65  # on page 3
    pr.store.requests.clear()
    post(pr, tmp_path, "new report")
    pages = [r.query.get("page", "1") for r in pr.requests if r.path.endswith("/comments")]
    assert pages == ["1", "2", "3"]  # followed Link rel="next" to the end
    comments = pr.comments(REPO, 5)
    assert len(comments) == 70
    assert [(c["id"], c["body"]) for c in comments if MARK in c["body"]] == [
        (ours[0], f"{MARK}\nnew report")]
    assert [r.method for r in pr.writes()] == ["PATCH"]


def test_the_newest_marked_comment_is_the_one_updated(pr: FakeForge, tmp_path: Path) -> None:
    pr.store.seed({"comments": [
        {"id": 11, "forge": "github", "repo": REPO, "number": 5, "body": f"{MARK}\nolder",
         "author": "github-actions[bot]"},
        {"id": 12, "forge": "github", "repo": REPO, "number": 5, "body": "human", "author": "a"},
        {"id": 13, "forge": "github", "repo": REPO, "number": 5, "body": f"{MARK}\nnewer",
         "author": "github-actions[bot]"}]})
    post(pr, tmp_path, "latest")
    assert [(c["id"], c["body"]) for c in pr.comments(REPO, 5)] == [
        (11, f"{MARK}\nolder"), (12, "human"), (13, f"{MARK}\nlatest")]


def test_markers_keep_independent_comments(pr: FakeForge, tmp_path: Path) -> None:
    post(pr, tmp_path, "main report")
    post(pr, tmp_path, "gpu report", "--marker", "gpu")
    post(pr, tmp_path, "gpu report 2", "--marker", "gpu")
    post(pr, tmp_path, "main report 2")
    bodies = sorted(c["body"] for c in pr.comments(REPO, 5))
    assert bodies == [f"{MARK}\nmain report 2", "<!-- mlci-report:gpu -->\ngpu report 2"]


def test_an_unchanged_report_sends_no_write(pr: FakeForge, tmp_path: Path) -> None:
    post(pr, tmp_path, "same")
    proc = post(pr, tmp_path, "same")
    assert "left unchanged" in proc.stdout
    assert [r.method for r in pr.writes()] == ["POST"]


def test_stdin_is_read_for_dash(pr: FakeForge, tmp_path: Path) -> None:
    job = github_env(pr, tmp_path, head_sha=HEAD, token=TOKEN)
    mlci("comment", "-", cwd=tmp_path, env=job, input="# from stdin\n")
    assert pr.comments(REPO, 5)[0]["body"] == f"{MARK}\n# from stdin\n"


def test_oversize_report_is_cut_below_githubs_limit_at_a_section(pr: FakeForge,
                                                                tmp_path: Path) -> None:
    sections = "".join(f"## Stage {i}\n\n" + "| a | b |\n" * 700 + "\n" for i in range(30))
    assert len(sections) > 200_000
    proc = post(pr, tmp_path, "# Report\n\n" + sections)
    body = pr.comments(REPO, 5)[0]["body"]
    assert len(body) <= 65_536
    assert "Report truncated by mlci" in body and "65,536-character limit" in body
    kept = body.split("\n\n---\n**Report truncated")[0]
    assert kept.rstrip().endswith("| a | b |") and "## Stage 8" in kept
    assert "the report was cut at a section boundary" in proc.stdout


def test_expect_sha_refuses_a_mismatch_and_posts_on_a_match(pr: FakeForge,
                                                           tmp_path: Path) -> None:
    proc = post(pr, tmp_path, "r", "--pr", "5", "--expect-sha", "0" * 40, expect=1,
                event="workflow_run")
    assert "pull request #5 is at 3f786850e387, not 000000000000" in proc.stderr
    assert "refusing" in proc.stderr and pr.writes() == []
    assert [r.path for r in pr.requests] == [f"/repos/{REPO}/pulls/5"]
    post(pr, tmp_path, "r", "--pr", "5", "--expect-sha", HEAD, event="workflow_run")
    assert len(pr.comments(REPO, 5)) == 1


def test_dry_run_sends_nothing_and_says_what_it_would_do(pr: FakeForge, tmp_path: Path) -> None:
    proc = post(pr, tmp_path, "x" * 1234, "--dry-run", "--marker", "m1", "--expect-sha", HEAD)
    assert pr.requests == []
    assert proc.stdout.splitlines() == [
        f"would GET /repos/{REPO}/pulls/5 (check its head is {HEAD})",
        "would GET /user (who mlci posts as)",
        (f"would GET /repos/{REPO}/issues/5/comments (every page, looking for "
        "<!-- mlci-report:m1 --> by that user)"),
        (f"would PATCH /repos/{REPO}/issues/comments/ID (the newest such comment) or else "
        f"POST /repos/{REPO}/issues/5/comments: body 1,258 characters"),
    ]


def test_dry_run_needs_no_token_and_names_the_pr_lookup(forge: FakeForge,
                                                       tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text("r")
    env = github_env(forge, tmp_path, pr=None, event="push", GITHUB_SHA=HEAD)
    proc = mlci("comment", "r.md", "--dry-run", cwd=tmp_path, env=env)
    assert proc.stdout.splitlines()[0] == (
        f"would GET /repos/{REPO}/commits/{HEAD}/pulls (find the open pull request)")
    assert f"GET /repos/{REPO}/issues/N/comments" in proc.stdout and forge.requests == []


def test_push_event_finds_the_open_pr_of_the_commit(forge: FakeForge, tmp_path: Path) -> None:
    forge.add_pull(REPO, 3, HEAD, state="closed")
    forge.add_pull(REPO, 9, HEAD)
    post(forge, tmp_path, "r", event="push", pr=None, GITHUB_SHA=HEAD)
    assert forge.comments(REPO, 9) and not forge.comments(REPO, 3)
    assert forge.requests[0].path == f"/repos/{REPO}/commits/{HEAD}/pulls"


def test_several_open_prs_prefer_the_one_headed_by_the_commit(forge: FakeForge,
                                                             tmp_path: Path) -> None:
    forge.add_pull(REPO, 4, HEAD)
    forge.add_pull(REPO, 6, "1" * 40, commits=[HEAD])
    proc = post(forge, tmp_path, "r", event="push", pr=None, GITHUB_SHA=HEAD)
    assert forge.comments(REPO, 4) and not forge.comments(REPO, 6)
    assert "is in open pull requests #4, #6; using #4, whose head is this commit" in proc.stderr


def test_no_open_pr_for_the_commit_says_pass_pr(forge: FakeForge, tmp_path: Path) -> None:
    proc = post(forge, tmp_path, "r", event="push", pr=None, GITHUB_SHA=HEAD, expect=1)
    assert "commit 3f786850e387 is in no open pull request on GitHub" in proc.stderr
    assert "hint: pass --pr N" in proc.stderr


def test_pr_option_overrides_the_event(forge: FakeForge, tmp_path: Path) -> None:
    forge.add_pull(REPO, 5, HEAD)
    forge.add_pull(REPO, 77, HEAD)
    post(forge, tmp_path, "r", "--pr", "77")
    assert forge.comments(REPO, 77) and not forge.comments(REPO, 5)


def test_step_summary_gets_the_report_too(pr: FakeForge, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    proc = post(pr, tmp_path, "## metrics table\n", GITHUB_STEP_SUMMARY=str(summary))
    assert summary.read_text() == "# earlier step\n## metrics table\n\n"
    assert "appended the report to the job summary" in proc.stdout


def test_missing_token_fails_before_any_request(pr: FakeForge, tmp_path: Path) -> None:
    job = github_env(pr, tmp_path, head_sha=HEAD)
    (tmp_path / "r.md").write_text("r")
    proc = mlci("comment", "r.md", cwd=tmp_path, env=job, expect=1)
    assert "mlci: error: GITHUB_TOKEN is not set" in proc.stderr
    assert "env: GITHUB_TOKEN: ${{ github.token }}" in proc.stderr
    assert pr.requests == []


def test_a_missing_file_is_one_line_and_exit_1(pr: FakeForge, tmp_path: Path) -> None:
    job = github_env(pr, tmp_path, head_sha=HEAD, token=TOKEN)
    proc = mlci("comment", "nope.md", cwd=tmp_path, env=job, expect=1)
    assert proc.stderr.startswith("mlci: error: nope.md: no such file")
    assert "Traceback" not in proc.stderr and pr.requests == []


@pytest.mark.parametrize(("args", "words"), [
    (["--marker", "a b"], "marker 'a b'"),
    (["--expect-sha", "main"], "expected a commit SHA"),
    (["--pr", "0"], "--pr"),
])
def test_bad_options_are_usage_errors(forge: FakeForge, tmp_path: Path, args: list[str],
                                      words: str) -> None:
    (tmp_path / "r.md").write_text("r")
    proc = mlci("comment", "r.md", *args, cwd=tmp_path, expect=2,
                env=github_env(forge, tmp_path, token=TOKEN))
    assert words in proc.stderr and forge.requests == []


def test_read_only_token_names_the_permission(pr: FakeForge, tmp_path: Path) -> None:
    pr.store.seed({"tokens": {TOKEN: {"login": "github-actions[bot]", "read_only": True}}})
    proc = post(pr, tmp_path, "r", expect=1)
    assert (f"GitHub: POST /repos/{REPO}/issues/5/comments -> 403 Forbidden: "
            "Resource not accessible by integration") in proc.stderr
    assert "hint: the job needs `permissions: pull-requests: write`" in proc.stderr


def test_fork_pr_token_points_to_the_comment_workflow(pr: FakeForge, tmp_path: Path) -> None:
    pr.store.seed({"tokens": {TOKEN: {"login": "github-actions[bot]", "read_only": True}}})
    proc = post(pr, tmp_path, "r", head_repo="forker/proj", expect=1)
    assert "comes from a fork, so its GITHUB_TOKEN is read-only" in proc.stderr
    assert "workflow_run" in proc.stderr


def test_a_bad_token_is_named_but_never_shown(pr: FakeForge, tmp_path: Path) -> None:
    pr.store.seed({"tokens": {"another-token": {"login": "x"}}})
    proc = post(pr, tmp_path, "r", expect=1)
    assert "-> 401 Unauthorized: Bad credentials" in proc.stderr
    assert "GITHUB_TOKEN is missing, invalid or expired" in proc.stderr


def test_a_token_echoed_by_the_forge_is_masked(pr: FakeForge, tmp_path: Path) -> None:
    pr.fault(r"/issues/5/comments$", method="POST", status=400,
             body={"message": f"Problems parsing token {TOKEN}"})
    proc = post(pr, tmp_path, "r", expect=1)  # `post` asserts the token is not printed
    assert "-> 400 Bad Request: Problems parsing token ***" in proc.stderr


def test_a_next_link_to_another_host_is_not_followed(pr: FakeForge, tmp_path: Path) -> None:
    pr.fault(r"/issues/5/comments$", method="GET", status=200, body=[],
             headers={"Link": '<https://evil.invalid/steal?page=2>; rel="next"'})
    proc = post(pr, tmp_path, "r", expect=1)
    assert "refusing to follow a link to another host (evil.invalid)" in proc.stderr
    assert pr.writes() == []


def test_a_reply_of_the_wrong_shape_is_an_error_not_a_crash(pr: FakeForge,
                                                            tmp_path: Path) -> None:
    pr.fault(r"/issues/5/comments$", method="GET", status=200, body={"oops": True})
    proc = post(pr, tmp_path, "r", expect=1)
    assert f"GitHub: GET /repos/{REPO}/issues/5/comments: expected a JSON list of objects" \
        in proc.stderr


def test_an_unknown_pr_is_named_with_a_hint(pr: FakeForge, tmp_path: Path) -> None:
    proc = post(pr, tmp_path, "r", "--pr", "404", expect=1)
    assert f"GitHub: GET /repos/{REPO}/issues/404/comments -> 404 Not Found: Not Found" \
        in proc.stderr
    assert "hint: check GITHUB_REPOSITORY (octo/proj)" in proc.stderr


def test_an_empty_report_keeps_the_last_good_comment(pr: FakeForge, tmp_path: Path) -> None:
    post(pr, tmp_path, "good")
    proc = post(pr, tmp_path, " \n", expect=1)
    assert "the report is empty; nothing to post" in proc.stderr
    assert only_body(pr) == f"{MARK}\ngood"


def only_body(forge: FakeForge) -> str:
    [comment] = forge.comments(REPO, 5)
    return str(comment["body"])


def test_a_full_job_summary_is_left_alone(pr: FakeForge, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("x" * (1_048_576 - 100))
    post(pr, tmp_path, "## report\n", GITHUB_STEP_SUMMARY=str(summary))
    assert summary.stat().st_size == 1_048_576 - 100
    assert only_body(pr) == f"{MARK}\n## report\n"
