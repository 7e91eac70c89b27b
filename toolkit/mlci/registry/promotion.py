"""`mlci promote`: assign a stage to an existing version, in publish.stages order, past the gate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlci.errors import MlciError
from mlci.project.context import Project
from mlci.registry import models, modeltags, state, tagging

if TYPE_CHECKING:
    from mlci.metrics.rules import GateResult


@dataclass(frozen=True)
class PromoteRequest:
    """What `mlci promote` was asked to do."""

    project: Project
    name: str
    version: str
    stage: str
    push: bool | None = None
    remote: str | None = None


@dataclass(frozen=True)
class Promoted:
    """The outcome; `tag` is empty when the gate failed."""

    name: str
    version: str
    stage: str
    gate: GateResult
    tag: str = ""
    remote: str | None = None
    attempts: int = 0

    def to_json(self) -> dict[str, Any]:
        """`mlci promote --json`."""
        return {"name": self.name, "version": self.version, "stage": self.stage,
                "tag": self.tag, "remote": self.remote, "attempts": self.attempts,
                "gate": self.gate.to_json()}


def promote(request: PromoteRequest) -> Promoted:
    """Assign `stage` to an existing version, along publish.stages and past the gate."""
    root, name, stage = request.project.root, request.name, request.stage
    if not modeltags.is_valid_stage(stage):
        raise MlciError(f"invalid stage name {stage!r}")
    cfg = request.project.config
    remote = tagging.choose_remote(root, request.push, request.remote)
    model = models.find(tagging.refreshed_state(root, remote), name)
    version = models.resolve(model, modeltags.Ref(name, version=request.version))
    if model.stages.get(stage) == version:
        raise MlciError(f"{name}@{version.version} is already in stage '{stage}'")
    problem = state.stage_error(cfg.publish.stages, stage, version)
    if problem:
        raise MlciError(problem, hint=f"promote it through the stages in order: "
                        f"{' -> '.join(cfg.publish.stages)}")
    verdict = tagging.gate_against(request.project, model, stage, version.commit)
    if not verdict.passed:
        return Promoted(name, version.version, stage, verdict)
    for attempt in range(1, tagging.TAG_ATTEMPTS + 1):
        tag = state.assignment(name, stage, model)
        message = tagging.assign_message(name, stage, version.version)
        if not tagging.tag_and_push(root, remote, version.commit, [tag], [message]):
            return Promoted(name, version.version, stage, verdict, modeltags.format_tag(tag),
                            remote, attempt)
        model = models.find(tagging.refreshed_state(root, remote), name)
    raise MlciError(f"gave up after {tagging.TAG_ATTEMPTS} attempts: other promotions kept taking "
                    "the next counter", hint="run the promotion again")
