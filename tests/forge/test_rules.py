"""The forge package's pure parts: retry rules, Link headers, markers, cutting, event payloads."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from mlci.errors import ForgeError
from mlci.forge.github import next_link
from mlci.forge.job import Token, WebhookEvent, detect, parse_event
from mlci.forge.protocol import Comment
from mlci.forge.retry import decide
from mlci.forge.status import one_line
from mlci.forge.sticky import fit, marked, marker, newest, stamp, strangers, utf16_units
from mlci.shared.markdown import REPORT_MARKER
from mlci.shared.sha import is_sha

NOW = 1_700_000_000.0


@pytest.mark.parametrize(("status", "headers", "message", "attempt", "wait", "primary"), [
    (500, {}, "", 1, 1.0, False),
    (502, {}, "", 3, 4.0, False),
    (503, {"retry-after": "7"}, "", 1, 7.0, False),
    (429, {"retry-after": "3"}, "", 1, 3.0, False),
    (403, {"retry-after": "5"}, "You have exceeded a secondary rate limit", 1, 5.0, False),
    (403, {"retry-after": "5"}, "secondary rate limit", 4, 8.0, False),  # then back off
    (403, {}, "You have exceeded a secondary rate limit.", 1, 60.0, False),
    (429, {}, "", 1, 60.0, False),
    (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 30)}, "", 1,
     31.0, True),
    (429, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) - 5)}, "", 1,
     0.0, True),
])
def test_retry_waits_per_githubs_rules(status: int, headers: dict[str, str], message: str,
                                       attempt: int, wait: float, primary: bool) -> None:
    decision = decide(status, headers, message, attempt, NOW)
    assert decision is not None
    assert (decision.wait, decision.primary_limit) == (wait, primary)


@pytest.mark.parametrize(("status", "headers", "message"), [
    (403, {}, "Resource not accessible by integration"),
    (403, {"x-ratelimit-remaining": "12"}, "Forbidden"),
    (401, {}, "Bad credentials"),
    (404, {}, "Not Found"),
    (409, {}, "Conflict"),
    (422, {"retry-after": "1"}, "Validation Failed"),
    (200, {}, ""),
])
def test_other_4xx_are_never_retried(status: int, headers: dict[str, str], message: str) -> None:
    assert decide(status, headers, message, 1, NOW) is None


@pytest.mark.parametrize(("header", "url"), [
    (('<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; '
      'rel="last"'), "https://api.github.com/x?page=2"),
    ('<https://h/x?page=1>; rel="prev", <https://h/x?page=3>; rel="next"', "https://h/x?page=3"),
    ('<https://h/x?page=1>; rel="first", <https://h/x?page=4>; rel="prev"', None),
    ("", None),
])
def test_next_link(header: str, url: str | None) -> None:
    assert next_link(header) == url


@pytest.mark.parametrize(("marker_id", "text"), [
    (None, "<!-- mlci-report -->"),
    ("gpu", "<!-- mlci-report:gpu -->"),
    ("model-a.v2_x", "<!-- mlci-report:model-a.v2_x -->"),
])
def test_marker(marker_id: str | None, text: str) -> None:
    assert marker(marker_id) == text


@pytest.mark.parametrize("bad", ["", "a b", "x-->", "-lead", "a" * 65, "ü"])
def test_marker_rejects_ids_that_could_break_the_comment(bad: str) -> None:
    with pytest.raises(ValueError):
        marker(bad)


def test_newest_marked_comment_wins_and_other_markers_do_not_count() -> None:
    comments = [Comment(1, "<!-- mlci-report -->\nold", "bot"),
                Comment(7, "<!-- mlci-report:gpu -->\nother report", "bot"),
                Comment(5, "<!-- mlci-report -->\nnewer", "bot"),
                Comment(9, "just a human", "alice")]
    assert newest(comments, "<!-- mlci-report -->", "bot") == comments[2]
    assert newest(comments, "<!-- mlci-report:gpu -->", "bot") == comments[1]
    assert newest(comments, "<!-- mlci-report:cpu -->", "bot") is None


def test_only_the_authors_comments_count_and_others_are_strangers() -> None:
    comments = [Comment(1, f"{REPORT_MARKER}\nours", "github-actions[bot]"),
                Comment(2, f"{REPORT_MARKER}\ntheirs", "mallory"),
                Comment(3, "a human", "alice")]
    assert newest(comments, REPORT_MARKER, "GitHub-Actions[bot]") == comments[0]
    assert newest(comments, REPORT_MARKER, "alice") is None
    assert strangers(comments, REPORT_MARKER, "github-actions[bot]") == [comments[1]]


@pytest.mark.parametrize(("body", "mark", "yes"), [
    ("<!-- mlci-report -->\nx", "<!-- mlci-report -->", True),
    ("<!-- mlci-report -->\r\nx", "<!-- mlci-report -->", True),
    ("<!-- mlci-report -->", "<!-- mlci-report -->", True),
    ("<!-- mlci-report:gpu -->\n<!-- mlci-report -->", "<!-- mlci-report -->", False),
    ("quoted:\n<!-- mlci-report -->", "<!-- mlci-report -->", False),
    ("<!-- mlci-report --> and text", "<!-- mlci-report -->", False),
    ("<!-- mlci-report:gpu -->\nx", "<!-- mlci-report:gpu -->", True),
    ("<!-- mlci-report:gpu -->\nx", "<!-- mlci-report:gp -->", False),
])
def test_marked_looks_at_the_first_line_only(body: str, mark: str, yes: bool) -> None:
    assert marked(Comment(1, body, "bot"), mark) is yes


@pytest.mark.parametrize(("body", "mark", "stamped"), [
    ("# r\n", "<!-- mlci-report -->", "<!-- mlci-report -->\n# r\n"),
    ("<!-- mlci-report -->\n# r\n", "<!-- mlci-report -->", "<!-- mlci-report -->\n# r\n"),
    ("<!-- mlci-report -->\n# r\n", "<!-- mlci-report:gpu -->",
     "<!-- mlci-report:gpu -->\n# r\n"),
    ("<!-- mlci-report:a -->\n# r\n", "<!-- mlci-report:b -->", "<!-- mlci-report:b -->\n# r\n"),
    ("<!-- mlci-report -->", "<!-- mlci-report:gpu -->", "<!-- mlci-report:gpu -->\n"),
    ("text\n<!-- mlci-report -->\n", "<!-- mlci-report -->",
     "<!-- mlci-report -->\ntext\n<!-- mlci-report -->\n"),
])
def test_stamp_puts_exactly_one_marker_first(body: str, mark: str, stamped: str) -> None:
    assert stamp(body, mark) == stamped


def test_the_report_and_the_sticky_comment_share_one_marker() -> None:
    assert marker() == REPORT_MARKER and marker("x") == REPORT_MARKER.replace(" -->", ":x -->")


@pytest.mark.parametrize(("text", "full", "yes"), [
    ("abcdef1", False, True), ("ABCDEF1", False, True), ("abcdef", False, False),
    ("g" * 40, False, False), ("a" * 65, False, False), ("main", False, False),
    ("a" * 40, True, True), ("a" * 64, True, True), ("a" * 41, True, False),
    ("abcdef1", True, False), ("", False, False),
])
def test_is_sha(text: str, full: bool, yes: bool) -> None:
    assert is_sha(text, full) is yes


def _sections(n: int, size: int) -> str:
    return "".join(f"## Section {i}\n\n" + ("x" * 79 + "\n") * (size // 80) + "\n"
                   for i in range(n))


def test_fit_leaves_a_small_body_alone() -> None:
    assert fit("# hi\n", 100).text == "# hi\n"
    assert fit("# hi\n", 100).dropped == 0


@pytest.mark.parametrize("limit", [65_536, 20_000, 10_000])
def test_fit_cuts_at_a_heading_under_the_limit_and_says_so(limit: int) -> None:
    text = _sections(40, 4_000)
    fitted = fit(text, limit, " of a GitHub comment")
    assert utf16_units(fitted.text) <= limit
    kept = fitted.text.split("\n\n---\n**Report truncated")[0]
    assert text.startswith(kept)
    cut = text.index("## Section", len(kept))
    assert text[len(kept):cut].strip() == ""  # cut right before a heading
    assert f"did not fit the {limit:,}-character limit of a GitHub comment" in fitted.text
    assert fitted.dropped == len(text) - cut
    assert limit - utf16_units(fitted.text) < 4_100  # at most one section less than fits


def test_fit_cuts_at_a_line_when_one_section_is_over_the_limit() -> None:
    text = _sections(2, 8_000)
    fitted = fit(text, 3_000)
    kept = fitted.text.split("\n\n---\n")[0]
    assert utf16_units(fitted.text) <= 3_000 and text.startswith(kept + "\n")
    assert len(kept) > 2_000


def test_fit_closes_a_code_fence_it_cuts_through() -> None:
    text = "# Report\n\n```\n" + "line of a long log\n" * 5_000 + "```\n"
    fitted = fit(text, 20_000)
    assert utf16_units(fitted.text) <= 20_000
    body = fitted.text.split("\n\n---\n")[0]
    assert body.count("```") == 2


def test_fit_counts_astral_characters_twice_like_utf16() -> None:
    text = "## a\n" + "😀" * 40_000 + "\n## b\n" + "😀" * 40_000
    fitted = fit(text, 65_536)
    assert utf16_units(fitted.text) <= 65_536
    assert fitted.dropped > 0


@pytest.mark.parametrize("limit", [0, -5, 9])
def test_fit_with_no_room_keeps_only_the_notice(limit: int) -> None:
    fitted = fit("## a\nbody\n", limit)
    assert fitted.dropped == len("## a\nbody\n") and fitted.text.startswith("\n\n---\n")


def test_fit_by_bytes_for_the_job_summary() -> None:
    text = "## a\n" + "é" * 600 + "\n\n## b\n" + "é" * 600 + "\n"
    fitted = fit(text, 2_000, measure=lambda t: len(t.encode("utf-8")))
    assert len(fitted.text.encode("utf-8")) <= 2_000
    assert "## b" not in fitted.text


@pytest.mark.parametrize(("payload", "name", "event"), [
    ({"pull_request": {"number": 12, "head": {"sha": "abc", "repo": {"full_name": "f/p"}}}},
     "pull_request", WebhookEvent(12, "abc", "f/p")),
    ({"workflow_run": {"head_sha": "def", "pull_requests": [{"number": 3}],
                       "head_repository": {"full_name": "o/r"}}},
     "workflow_run", WebhookEvent(3, "def", "o/r")),
    ({"workflow_run": {"head_sha": "def", "pull_requests": []}}, "workflow_run",
     WebhookEvent(None, "def", None)),
    ({"issue": {"number": 4, "pull_request": {"url": "u"}}}, "issue_comment", WebhookEvent(4)),
    ({"issue": {"number": 4}}, "issue_comment", WebhookEvent()),
    ({"ref": "refs/heads/main"}, "push", WebhookEvent()),
    ({"pull_request": {"number": "12"}}, "pull_request", WebhookEvent(None, None, None)),
])
def test_parse_event(payload: dict[str, object], name: str, event: WebhookEvent) -> None:
    assert parse_event(payload, name) == event  # type: ignore[arg-type]


def test_detect_github_takes_the_pr_head_from_the_payload_not_github_sha(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text('{"pull_request": {"number": 8, "head": {"sha": "headsha", '
                     '"repo": {"full_name": "fork/proj"}}}}')
    context = detect({"GITHUB_REPOSITORY": "octo/proj", "GITHUB_API_URL": "http://h/api/v3/",
                      "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event),
                      "GITHUB_SHA": "mergesha", "GITHUB_TOKEN": "tok",
                      "MLCI_MAX_RETRY_WAIT": "3"})
    assert (context.forge, context.api_url, context.pr, context.head_sha) == (
        "github", "http://h/api/v3", 8, "headsha")
    assert context.fork and context.max_wait == 3.0


def test_detect_gitlab_prefers_mlci_gitlab_token_over_the_job_token() -> None:
    env = {"CI_API_V4_URL": "http://h/api/v4", "CI_PROJECT_ID": "42",
           "CI_MERGE_REQUEST_IID": "7", "CI_COMMIT_SHA": "c0ffee", "CI_JOB_TOKEN": "job"}
    assert detect(env).token_name == "CI_JOB_TOKEN"
    context = detect({**env, "MLCI_GITLAB_TOKEN": "glpat"})
    assert (context.forge, context.pr, context.head_sha, context.token_name) == (
        "gitlab", 7, "c0ffee", "MLCI_GITLAB_TOKEN")
    merged_results = detect({**env, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": "5eed"})
    assert merged_results.head_sha == "5eed"  # not the merge commit the pipeline runs on


@pytest.mark.parametrize(("env", "words"), [
    ({}, "no CI context"),
    ({"GITHUB_REPOSITORY": "o/r"}, "GITHUB_API_URL is not set"),
    ({"CI_API_V4_URL": "http://h"}, "CI_PROJECT_ID is not set"),
    ({"CI_API_V4_URL": "http://h", "CI_PROJECT_ID": "1", "CI_MERGE_REQUEST_IID": "x"},
     "CI_MERGE_REQUEST_IID"),
])
def test_detect_says_what_is_missing(env: dict[str, str], words: str) -> None:
    with pytest.raises(ForgeError, match=words):
        detect(env)


def test_a_token_never_shows_itself() -> None:
    token = Token("ghs_secret")
    assert "ghs_secret" not in f"{token} {token!r} {[token]}"
    context = detect({"GITHUB_REPOSITORY": "o/r", "GITHUB_API_URL": "http://h",
                      "GITHUB_TOKEN": "ghs_secret"})
    assert "ghs_secret" not in repr(context) and context.token is not None
    assert context.token.reveal() == "ghs_secret"
    with pytest.raises(TypeError):
        pickle.dumps(token)


@pytest.mark.parametrize(("text", "line"), [
    ("gate passed: 3 rules", "gate passed: 3 rules"),
    ("  gate failed:\taccuracy   0.8 < 0.85\nsecond line", "gate failed: accuracy 0.8 < 0.85"),
    ("x" * 200, "x" * 139 + "…"),
    ("", ""),
])
def test_status_description_is_one_short_line(text: str, line: str) -> None:
    assert one_line(text) == line
