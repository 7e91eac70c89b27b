"""Talking to GitHub and GitLab: the only package doing HTTP.

`connect(context)` gives a `Forge` (github.Github or gitlab.Gitlab); the verbs built on it
(`comment.comment`, `status.set_status`, `release.ensure_release`) do not care which.
"""

from __future__ import annotations

from mlci.forge.github import Github
from mlci.forge.gitlab import Gitlab
from mlci.forge.job import Context
from mlci.forge.protocol import Forge, Notify


def _quiet(message: str) -> None:
    """Default `notify`: say nothing."""


def connect(context: Context, notify: Notify = _quiet) -> Forge:
    """The client for the forge of `context`; `notify` hears about retries."""
    if context.forge == "github":
        return Github(context, notify)
    return Gitlab(context, notify)
