"""One pull request per branch: open it, or update the one that is open (`mlci retrain`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlci.errors import ForgeError
from mlci.forge.http import UncertainWrite
from mlci.forge.protocol import Forge, Notify, PullRequest
from mlci.forge.sticky import fit

Action = Literal["opened", "updated"]


@dataclass(frozen=True)
class PullOutcome:
    """The PR (GitHub) or MR (GitLab) now carrying the branch, and what was done to it."""

    number: int
    url: str
    action: Action


def ensure_pull(forge: Forge, branch: str, base: str, title: str, body: str,
                notify: Notify) -> PullOutcome:
    """Update the open PR from `branch` into `base`, or open one: never a second."""
    text = fit(body, forge.comment_limit).text
    found = forge.open_pull(branch, base)
    if found is None:
        found = _create(forge, branch, base, title, text, notify)
        if found is not None:
            return PullOutcome(found.number, found.url, "opened")
        found = forge.open_pull(branch, base)
    if found is None:
        raise ForgeError(f"{forge.name}: the pull request from {branch} was neither "
                         "opened nor found")
    updated = forge.update_pull(found.number, title, text)
    return PullOutcome(updated.number, updated.url or found.url, "updated")


def _create(forge: Forge, branch: str, base: str, title: str, body: str,
            notify: Notify) -> PullRequest | None:
    """Open the PR; None when it exists (someone, or our own lost attempt, made it first)."""
    try:
        return forge.create_pull(branch, base, title, body)
    except UncertainWrite as exc:
        notify(f"{exc.message}; reading the pull requests back")
        return None
