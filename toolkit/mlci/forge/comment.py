"""The `mlci comment` verb: keep exactly one report comment per PR and marker."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mlci.errors import ForgeError
from mlci.forge import connect, fork, sticky
from mlci.forge.http import UncertainWrite
from mlci.forge.job import Context
from mlci.forge.protocol import Comment, Forge, Notify, PullRequest
from mlci.forge.retry import REQUEST_ATTEMPTS, backoff

SUMMARY_LIMIT = 1_048_576  # GitHub's step summary limit, in bytes
SUMMARY_MIN_ROOM = 4_096
Action = Literal["created", "updated", "unchanged", "planned"]


@dataclass(frozen=True)
class CommentRequest:
    """What to post and where; `pr` and `marker_id` override the defaults."""

    body: str
    pr: int | None = None
    expect_sha: str | None = None
    marker_id: str | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class CommentResult:
    """What happened to the comment (`planned`: a dry run, nothing was sent)."""

    forge: str
    pr: int | None
    action: Action
    comment: Comment | None
    size: int
    dropped: int
    limit: int
    notes: tuple[str, ...] = ()
    plan: tuple[str, ...] = ()
    summary: Path | None = None
    unverified: bool = False  # a fork's report: posted under the "unverified" notice


def comment(request: CommentRequest, context: Context, notify: Notify) -> CommentResult:
    """Post or update the sticky comment (or, with dry_run, say how, sending nothing)."""
    mark = sticky.marker(request.marker_id)
    forge = connect(context, notify)
    try:
        if request.dry_run:
            return _plan(forge, context, request, mark, _fitted(forge, request, mark,
                                                                context.fork))
        summary = _append_summary(context.step_summary, request.body)
        if context.token is None:
            raise ForgeError(f"{context.token_name} is not set: cannot post to {forge.name}",
                             hint=_token_hint(context))
        pr, notes = find_pr(forge, context, request.pr)
        pull = check_head(forge, pr, request.expect_sha) if request.expect_sha else None
        unverified = context.fork or (pull is not None and pull.fork)
        fitted = _fitted(forge, request, mark, unverified)
        author = context.comment_author or forge.identity()
        target = CommentTarget(pr, mark, author)
        action, posted = _upsert(forge, target, fitted.text, context.max_wait, notify)
        return CommentResult(forge.name, pr, action, posted, len(fitted.text), fitted.dropped,
                             forge.comment_limit, notes, summary=summary, unverified=unverified)
    finally:
        forge.close()


def _fitted(forge: Forge, request: CommentRequest, mark: str, unverified: bool) -> sticky.Fitted:
    """The body to post: marked, a fork's under the "unverified" notice, cut to the limit."""
    body = sticky.stamp(request.body, mark)
    if unverified:
        body = fork.mark_unverified(body)
    return sticky.fit(body, forge.comment_limit, f" of a {forge.name} comment")


def _token_hint(context: Context) -> str:
    if context.forge == "github":
        return "pass it to the step: `env: GITHUB_TOKEN: ${{ github.token }}`"
    return ("set MLCI_GITLAB_TOKEN to a project access token (Reporter, scope `api`) in a "
            "masked CI/CD variable")


def find_pr(forge: Forge, context: Context, pr: int | None) -> tuple[int, tuple[str, ...]]:
    """The PR to post on: `--pr`, else the event's, else the open PR containing the commit."""
    given = pr if pr is not None else context.pr
    if given is not None:
        return given, ()
    sha = context.head_sha
    if not sha:
        raise ForgeError("no pull request in this CI context and no commit SHA to look one up",
                         hint="pass --pr N")
    candidates = [p for p in forge.pulls_for_commit(sha) if p.open]
    if not candidates:
        raise ForgeError(f"commit {sha[:12]} is in no open pull request on {forge.name}",
                         hint="pass --pr N, or run this on a pull request event")
    if len(candidates) == 1:
        return candidates[0].number, ()
    headed = [p for p in candidates if p.head_sha == sha] or candidates
    chosen = max(headed, key=lambda p: p.number)
    why = "whose head is this commit" if len(headed) == 1 and headed != candidates else \
        "the newest"
    numbers = ", ".join(f"#{p.number}" for p in candidates)
    note = (f"commit {sha[:12]} is in open pull requests {numbers}; using #{chosen.number}, "
            f"{why} (pass --pr to choose)")
    return chosen.number, (note,)


def check_head(forge: Forge, pr: int, expect_sha: str) -> PullRequest:
    """PR `pr`, or a refusal unless its head commit is `expect_sha` (full or abbreviated)."""
    pull = forge.pull(pr)
    head = pull.head_sha
    if not head.lower().startswith(expect_sha.lower()):
        raise ForgeError(
            f"{pr_name(forge.name, pr)} is at {head[:12] or '(unknown)'}, not {expect_sha[:12]}: "
            "refusing to post a report made for another commit",
            hint="the PR got new commits after this report was made; its next run will post",
        )
    return pull


def pr_name(forge: str, pr: int | str) -> str:
    """'pull request #5' on GitHub, 'merge request !5' on GitLab (`forge`: a Forge's name)."""
    return f"merge request !{pr}" if forge == "GitLab" else f"pull request #{pr}"


@dataclass(frozen=True)
class CommentTarget:
    """Which comment is ours: on PR `pr`, marked `mark`, written by `author` (mlci's login)."""

    pr: int
    mark: str
    author: str


def _upsert(forge: Forge, target: CommentTarget, body: str, max_wait: float,
            notify: Notify) -> tuple[Action, Comment]:
    """PATCH our newest marked comment or POST one; after an unsure write, read back first."""
    tried: Action | None = None  # after an unsure write, a comment equal to `body` is its doing
    for attempt in range(1, REQUEST_ATTEMPTS + 1):
        existing = _ours(forge, target, notify if attempt == 1 else _quiet)
        try:
            if existing is None:
                tried = tried or "created"
                return "created", forge.create_comment(target.pr, body)
            if existing.body == body:
                return tried or "unchanged", existing
            tried = tried or "updated"
            return "updated", forge.update_comment(target.pr, existing.id, body)
        except UncertainWrite as exc:
            if attempt == REQUEST_ATTEMPTS:
                raise ForgeError(f"{exc.message} (gave up after {attempt} attempts)") from None
            notify(f"{exc.message}; reading the comments back before trying again")
            time.sleep(min(backoff(attempt), max_wait))
    raise AssertionError("unreachable: the last attempt returns or raises")


def _ours(forge: Forge, target: CommentTarget, notify: Notify) -> Comment | None:
    """Our newest marked comment; one written by anyone else is named and left alone."""
    comments = list(forge.comments(target.pr))
    others = sticky.strangers(comments, target.mark, target.author)
    if others:
        names = ", ".join(sorted({c.author or "(unknown)" for c in others}))
        notify(f"ignoring {len(others)} comment(s) with the marker by {names}: mlci edits only "
               f"its own, by {target.author} (MLCI_COMMENT_AUTHOR overrides who that is)")
    return sticky.newest(comments, target.mark, target.author)


def _quiet(message: str) -> None:
    """Say nothing (the first look already said it)."""


def _plan(forge: Forge, context: Context, request: CommentRequest, mark: str,
          fitted: sticky.Fitted) -> CommentResult:
    pr = request.pr if request.pr is not None else context.pr
    paths = forge.plan(pr if pr is not None else "N", context.head_sha or "SHA")
    steps = [f"{paths['lookup']} (find the open pull request)"] if pr is None else []
    if request.expect_sha:
        steps.append(f"{paths['pull']} (check its head is {request.expect_sha})")
    if not context.comment_author:
        steps.append(f"{paths['identity']} (who mlci posts as)")
    author = context.comment_author or "that user"
    steps.append(f"{paths['list']} (every page, looking for {mark} by {author})")
    steps.append(f"{paths['update']} (the newest such comment) or else {paths['create']}: "
                 f"body {len(fitted.text):,} characters")
    if context.step_summary:
        steps.append(f"append {len(request.body):,} characters to {context.step_summary}")
    return CommentResult(forge.name, pr, "planned", None, len(fitted.text), fitted.dropped,
                         forge.comment_limit, plan=tuple(steps))


def _append_summary(path: Path | None, body: str) -> Path | None:
    """Append the report to GitHub's job summary file (cut under its 1 MiB limit)."""
    if path is None:
        return None
    room = SUMMARY_LIMIT - (path.stat().st_size if path.exists() else 0) - 2
    if room < SUMMARY_MIN_ROOM:  # earlier steps filled it: the comment still carries the report
        return None
    fitted = sticky.fit(body, room, " of a job summary",
                        measure=lambda text: len(text.encode("utf-8")))
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(fitted.text.rstrip("\n") + "\n\n")
    except OSError as exc:
        raise ForgeError(f"GITHUB_STEP_SUMMARY {path}: cannot append ({exc.strerror})") from None
    return path
