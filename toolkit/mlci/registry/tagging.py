"""Writing registry tags safely: which remote, a fresh view of it, the gate, an atomic push.

Shared by `publish` and `promote`. A tag that was not pushed is deleted again, so a failed
command leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlci.errors import MlciError
from mlci.metrics.gate import gate
from mlci.registry import models, modeltags
from mlci.registry.modeltags import ModelTag
from mlci.registry.state import Model
from mlci.shared import gitrepo

if TYPE_CHECKING:
    from mlci.metrics.rules import GateResult
    from mlci.project.context import Project

TAG_ATTEMPTS = 5  # how often a publish or promotion retries when others take its tag names


def choose_remote(root: Path, push: bool | None, name: str | None) -> str | None:
    """The git remote tags go to: None for --no-push; by default origin or the only one."""
    if push is False:
        return None
    remote = gitrepo.default_remote(root, name)
    if remote is None and push:
        raise MlciError("--push: this repository has no git remote",
                        hint="add one (`git remote add origin URL`) or use --no-push")
    return remote


def refreshed_state(root: Path, remote: str | None) -> dict[str, Model]:
    """The registry after fetching the remote's tags (so the next version is really next)."""
    if remote is not None:
        gitrepo.fetch_tags(root, remote)
    return models.load(root)


def gate_against(project: Project, model: Model | None, stage: str | None,
                 head: str) -> GateResult:
    """Challenger at `head` against the champion holding `stage` (absolute rules if none)."""
    champion = model.stages.get(stage) if model is not None and stage else None
    return gate(project, champion.commit if champion else None, head)


def assign_message(name: str, stage: str | None, version: str) -> str:
    """The message of a stage tag, worded like GTO's."""
    return f"Assigning stage {stage} to artifact {name} version {version}\n"


def tag_and_push(root: Path, remote: str | None, commit: str, tags: list[ModelTag],
                 messages: list[str]) -> set[str]:
    """Create the tags and push them atomically; the tag names the remote already had, if the
    push lost a race (the local tags are then deleted). Any other failure raises."""
    names = [modeltags.format_tag(t) for t in tags]
    created: list[str] = []
    ok = False
    try:
        for tag_name, message in zip(names, messages, strict=True):
            gitrepo.create_tag(root, tag_name, commit, message)
            created.append(tag_name)
        if remote is None:
            ok = True
            return set()
        failure = gitrepo.push_tags(root, remote, names)
        if failure is None:
            ok = True
            return set()
        taken = gitrepo.remote_tags(root, remote, names)
        if not taken:
            raise MlciError(f"`git push` to '{remote}' was rejected; nothing was registered:\n"
                            f"{failure}", hint="check your permission to push tags there")
        return taken
    finally:
        if not ok:
            gitrepo.delete_tags(root, created)
