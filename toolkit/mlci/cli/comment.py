"""`mlci comment`: the sticky report comment on the CI job's pull / merge request."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlci.cli import app
from mlci.errors import MlciError

if TYPE_CHECKING:
    from mlci.forge.comment import CommentResult
    from mlci.forge.status import StatusResult


def notify(message: str) -> None:
    """Tell the user on stderr what mlci is doing (forge retries and choices, sweep progress)."""
    print(f"mlci: {message}", file=sys.stderr)


def read_report(file: str) -> str:
    """The Markdown of FILE (a regular file, never followed through a symlink), or stdin."""
    from mlci.shared.files import NotRegularFile, read_regular

    if file == "-":
        return sys.stdin.read()
    try:
        return read_regular(Path(file))
    except FileNotFoundError:
        raise MlciError(f"{file}: no such file",
                        hint="write it first, e.g. with `mlci report`") from None
    except NotRegularFile as exc:
        raise MlciError(f"{file}: {exc.strerror}, not a regular file: refusing to post it",
                        hint="mlci comment posts regular files only: a link could point at "
                        "secrets (e.g. /proc/self/environ)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MlciError(f"{file}: cannot read it as UTF-8 text ({exc})") from None


def checked_sha(value: str | None, option: str) -> str | None:
    """`value` if it looks like a commit SHA, else a usage error naming `option`."""
    from mlci.shared.sha import is_sha

    if value is not None and not is_sha(value):
        raise typer.BadParameter(f"expected a commit SHA (7-64 hex digits), got {value!r}",
                                 param_hint=f"'{option}'")
    return value


@app.command("comment", short_help="Keep one sticky report comment on the PR / MR.",
             help="Post FILE (Markdown; '-' for stdin) to the CI job's pull / merge request "
             "and keep exactly one such comment per PR and marker, updated in place. Only "
             "comments written by the token's own user count (GET /user; an Actions "
             "GITHUB_TOKEN's is github-actions[bot]; MLCI_COMMENT_AUTHOR=LOGIN overrides, e.g. "
             "for a GitHub App token): a marker in anyone else's comment is ignored.")
def comment_command(
    file: str = typer.Argument(..., metavar="FILE",
                               help="Markdown report to post (a regular file: a symbolic "
                               "link is refused), or '-' to read stdin."),
    pr: int | None = typer.Option(None, "--pr", min=1, metavar="N",
                                  help="Pull / merge request number (default: from the CI "
                                  "event, else the open PR of the commit)."),
    expect_sha: str | None = typer.Option(None, "--expect-sha", metavar="SHA",
                                          help="Refuse to post unless the PR's head commit is "
                                          "SHA (for the fork-safe workflow_run job)."),
    marker: str | None = typer.Option(None, "--marker", metavar="ID",
                                      help="Keep a separate sticky comment for each ID: its "
                                      "hidden first line <!-- mlci-report:ID --> replaces the "
                                      "report's own <!-- mlci-report -->."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the requests it would make "
                                 "(method, path, body size); send nothing."),
) -> None:
    from mlci.forge import job, sticky
    from mlci.forge.comment import CommentRequest, comment

    try:
        sticky.marker(marker)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--marker'") from None
    body = read_report(file)
    if not body.strip():
        # `mlci report > r.md` leaves an empty file when it fails: keep the last good comment
        raise MlciError(f"{file}: the report is empty; nothing to post",
                        hint="check the step that wrote it")
    request = CommentRequest(body, pr, checked_sha(expect_sha, "--expect-sha"), marker,
                             dry_run or job.dry_run(os.environ))
    result = comment(request, job.detect(os.environ), notify)
    for note in result.notes:
        notify(note)
    print(_render(result))


def _render(result: CommentResult) -> str:
    from mlci.forge.comment import pr_name

    lines = [f"would {step}" for step in result.plan]
    if result.comment is not None:
        where = f"{result.forge} {pr_name(result.forge, result.pr or 0)}"
        verb = {"unchanged": "left unchanged (same body)"}.get(result.action, result.action)
        url = f": {result.comment.url}" if result.comment.url else ""
        lines.append(f"{verb} comment {result.comment.id} on {where}{url}")
    if result.unverified:
        lines.append("marked it unverified: the pull request comes from a fork, whose own code "
                     "made the report (its @mentions notify nobody)")
    if result.dropped:
        lines.append(f"the report was cut at a section boundary to {result.size:,} characters "
                     f"({result.dropped:,} dropped; the limit is {result.limit:,})")
    if result.summary is not None:
        lines.append(f"appended the report to the job summary ({result.summary})")
    return "\n".join(lines)


def status_line(done: StatusResult) -> str:
    """What `mlci gate --status` did (or, in a dry run, would have done)."""
    if done.planned:
        return f"would set commit status {done.context} = {done.state} (dry run: no forge URL)"
    return f"set {done.forge} commit status {done.context} = {done.state} on {done.sha[:12]}"
