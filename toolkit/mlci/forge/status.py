"""Commit statuses: `mlci gate --status` sets `mlci/gate` on the PR's head commit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mlci.errors import ForgeError
from mlci.forge import connect, fork
from mlci.forge.job import Context, detect, dry_run
from mlci.forge.protocol import Notify, State

GATE_CONTEXT = "mlci/gate"
DESCRIPTION_LIMIT = 140  # GitHub rejects longer status descriptions


@dataclass(frozen=True)
class StatusResult:
    """The status that was set (or, with `planned`, would have been: a dry run sends nothing)."""

    forge: str
    sha: str
    state: State
    context: str
    description: str
    planned: bool = False


def set_gate_status(passed: bool, description: str, sha: str | None, env: Mapping[str, str],
                    notify: Notify) -> StatusResult:
    """Set `mlci/gate` from the gate's verdict on `sha` (None: the CI context's head commit)."""
    state: State = "success" if passed else "failure"
    if dry_run(env):
        return StatusResult("", sha or "", state, GATE_CONTEXT, one_line(description),
                            planned=True)
    context = detect(env)
    if context.fork:  # the values are the fork's own: its status must not pass for verified
        description = fork.status_description(description)
    return set_status(context, head_sha(context, sha), state, description, notify)


def one_line(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """The first line of `text`, shortened to `limit` characters with an ellipsis (pure)."""
    lines = text.strip().splitlines()
    line = " ".join(lines[0].split()) if lines else ""
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def head_sha(context: Context, override: str | None = None) -> str:
    """The commit to mark: `override`, else the PR head from the event, else the CI commit."""
    sha = override or context.head_sha
    if not sha:
        raise ForgeError("no commit to set the status on: the CI context names none",
                         hint="pass --head SHA")
    return sha


def set_status(context: Context, sha: str, state: State, description: str,
               notify: Notify, name: str = GATE_CONTEXT) -> StatusResult:
    """Set commit status `name` on `sha` (GitHub statuses / GitLab pipeline statuses)."""
    if context.token is None:
        raise ForgeError(f"{context.token_name} is not set: cannot set a commit status",
                         hint="GitHub: `env: GITHUB_TOKEN: ${{ github.token }}` and "
                         "`permissions: statuses: write`; GitLab: MLCI_GITLAB_TOKEN")
    text = one_line(description)
    forge = connect(context, notify)
    try:
        forge.set_status(sha, state, name, text, context.run_url)
    finally:
        forge.close()
    return StatusResult(forge.name, sha, state, name, text)
