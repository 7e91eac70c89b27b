"""What the deploy workflow needs (pure): one build (and rollout) per model and deploy stage.

Names reach the generated files validated (GTO's grammar, `re.fullmatch` in config and
dvc.yaml checks); here they become job ids, tag filters, GitLab rule regexes, image paths and
image tags, each in the alphabet its place allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlci.registry.modeltags import name_to_tag
from mlci.serving.image import image_path, stage_tag

_JOB = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class DeployTarget:
    """A model and a stage whose moves ship an image."""

    ref: str  # NAME#STAGE, what `mlci deploy context` fetches
    job: str  # a job id: letters, digits, '-' and '_'
    tag_glob: str  # GitHub's `on.push.tags` filter for the stage's tags
    tag_regex: str  # the same for GitLab rules (RE2, inside /.../)
    image: str  # the image's path under the registry's project path
    stage_tag: str  # the image tag naming the stage


@dataclass(frozen=True)
class DeployContext:
    """The deploy workflow's variables: targets, the rollout command and its secrets."""

    targets: tuple[DeployTarget, ...]
    command: str | None
    secrets: tuple[str, ...]
    base_image: str
    tag_rule: str  # GitLab: one regex for every target's stage tags


def deploy_context(models: tuple[str, ...], stages: tuple[str, ...], command: str | None,
                   secrets: tuple[str, ...], base_image: str) -> DeployContext:
    """One target per model and deploy stage, in that order, with unique job ids (pure)."""
    targets: list[DeployTarget] = []
    for model in models:
        for stage in stages:
            job = _unique(_JOB.sub("-", f"{model}-{stage}").strip("-"), targets)
            prefix = f"{name_to_tag(model)}#{stage}"
            targets.append(DeployTarget(f"{model}#{stage}", job, f"{prefix}#*",
                                        _regex(prefix), image_path(model), stage_tag(stage)))
    rule = "|".join(t.tag_regex for t in targets)
    return DeployContext(tuple(targets), command, secrets, base_image,
                         f"/^({rule})#[0-9]+$/" if targets else "")


def _regex(text: str) -> str:
    """`text` literally, in a /.../ regex: names hold letters, digits and - _ / . = # only."""
    return text.replace(".", "\\.").replace("/", "\\/")


def _unique(job: str, taken: list[DeployTarget]) -> str:
    names = {t.job for t in taken}
    candidate, n = job, 2
    while candidate in names:
        candidate, n = f"{job}-{n}", n + 1
    return candidate
