"""Writing the registry: `mlci publish` and `mlci promote`. Functions return data, never print.

Order of a publish: checks (artifact, branch, fresh pipeline) -> gate -> artifact to the DVC
remote -> annotated tags -> atomic push of the tags. A failure at any step leaves no tag behind.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlci import pipeline
from mlci.errors import MlciError, PipelineError
from mlci.project import artifacts, dvcfiles
from mlci.project.artifacts import Artifact
from mlci.project.context import Project
from mlci.project.values import flatten, lookup, short_names
from mlci.registry import modelcard, models, modeltags, state, tagging
from mlci.registry.modelcard import ModelCard
from mlci.registry.semver import BUMPS, SemVer
from mlci.registry.state import Model, Version
from mlci.serving.loading import describe
from mlci.shared import gitrepo

if TYPE_CHECKING:
    from mlci.metrics.rules import GateResult

@dataclass(frozen=True)
class PublishRequest:
    """What `mlci publish` was asked to do; `push` None means "if a git remote exists"."""

    project: Project
    name: str
    rev: str = "HEAD"
    version: str | None = None
    bump: str | None = None
    stage: str | None = None
    push: bool | None = None
    remote: str | None = None


@dataclass(frozen=True)
class Published:
    """The outcome; `tags` is empty when the gate failed (nothing was registered).

    `already`: the commit was published before (a re-run); its tags were pushed again and
    nothing new was made, so `gate` is None.
    """

    name: str
    commit: str
    gate: GateResult | None
    version: str = ""
    tags: tuple[str, ...] = ()
    remote: str | None = None
    card: str = ""
    attempts: int = 0
    already: bool = False

    @property
    def registered(self) -> bool:
        return bool(self.tags)

    def to_json(self, release_url: str | None = None) -> dict[str, Any]:
        """`mlci publish --json`: a registration (or a re-run that found one), or the gate
        that refused it."""
        if not self.registered:
            return {"registered": False, "gate": self.gate.to_json() if self.gate else None}
        return {
            "registered": True, "already": self.already, "name": self.name,
            "version": self.version, "commit": self.commit, "tags": list(self.tags),
            "remote": self.remote, "pushed": self.remote is not None,
            "attempts": self.attempts, "release": release_url,
            "gate": self.gate.to_json() if self.gate is not None else None,
        }


def publish(request: PublishRequest) -> Published:
    """Gate, push the artifact to the DVC remote, tag the version (and stage), push the tags."""
    project = request.project
    root, cfg = project.root, project.config
    _check_request(request)
    commit = gitrepo.resolve(root, request.rev)
    artifact = artifacts.artifact_at(root, commit, request.name)
    check_branch(root, commit, request.rev, cfg.publish.branches)
    check_fresh(root, commit, request.rev)
    remote = tagging.choose_remote(root, request.push, request.remote)
    current = tagging.refreshed_state(root, remote).get(request.name)
    if current is not None and (existing := current.at_commit(commit)) is not None:
        return _republish(request, current, existing, remote)
    _check_unregistered(current, commit, request.version)
    if request.stage and (problem := state.stage_error(cfg.publish.stages, request.stage)):
        raise MlciError(problem, hint="publish to the first stage, then `mlci promote`")
    verdict = tagging.gate_against(project, current, cfg.publish.compare_to, commit)
    if not verdict.passed:
        return Published(request.name, commit, verdict)
    pipeline.push_artifact(root, commit, artifact.path)
    signature = describe(root, commit, artifact)
    card = replace(_card(project, commit, artifact, verdict, signature),
                   profile=_profile(project, request.name, commit))
    return _register(request, commit, remote, card, verdict)


def _profile(project: Project, name: str, commit: str) -> str:
    """The md5 of the stored monitoring profile, when mlci.yaml monitors model `name`."""
    if name not in project.config.monitor:
        return ""
    from mlci.monitoring.monitor import store_profile  # only when monitored: the monitor extra

    return store_profile(project, name, commit) or ""


def _check_request(request: PublishRequest) -> None:
    if request.version and request.bump:
        raise MlciError("give --version or --bump, not both")
    if request.version:
        try:
            SemVer.parse(request.version)
        except ValueError as exc:
            raise MlciError(f"--version: {exc}") from None
    if request.bump and request.bump not in BUMPS:
        raise MlciError(f"--bump: expected one of {', '.join(BUMPS)}")
    if request.stage and not modeltags.is_valid_stage(request.stage):
        raise MlciError(f"--stage: invalid stage name {request.stage!r}",
                        hint="letters, digits, '-', '_' and '/', starting and ending with a "
                        "letter or digit")
    if not modeltags.is_valid_name(request.name):
        raise MlciError(f"invalid model name {request.name!r} (GTO's naming rules)")


def check_branch(root: Path, commit: str, rev: str, allowed: tuple[str, ...]) -> None:
    """Refuse a commit that no branch matching `publish.branches` contains."""
    branches = gitrepo.branches_containing(root, commit)
    if any(fnmatch.fnmatchcase(b, pattern) for b in branches for pattern in allowed):
        return
    on = ", ".join(sorted(branches)) or "no branch"
    raise MlciError(
        f"{rev} ({commit[:7]}) is on {on}, not on a branch in publish.branches "
        f"({', '.join(allowed) or 'none'})",
        hint="merge it into one of those branches first, or list its branch under "
        "publish.branches in mlci.yaml",
    )


def check_fresh(root: Path, commit: str, rev: str) -> None:
    """Refuse uncommitted changes (for HEAD) and a pipeline whose dvc.lock does not match."""
    if commit == gitrepo.head_sha(root):
        dirty = gitrepo.dirty_paths(root)
        if dirty:
            raise MlciError(
                f"uncommitted changes: {', '.join(dirty[:5])}{' ...' if len(dirty) > 5 else ''}",
                hint="commit them (with dvc.lock after `mlci repro`), then publish",
            )
        stale = pipeline.stale(root)
    else:
        with gitrepo.worktree(root, commit) as tree:
            stale = pipeline.stale(tree, worktree=True)
    if stale:
        raise PipelineError(
            f"the pipeline at {rev} ({commit[:7]}) does not match dvc.lock: "
            + "; ".join(stale[:5]),
            hint="run `mlci repro`, commit dvc.lock, then publish that commit",
        )


def _check_unregistered(model: Model | None, commit: str, version: str | None) -> None:
    if model is None:
        return
    existing = model.at_commit(commit)
    if existing is not None:
        raise _already_registered(commit[:7], model, existing)
    if version and any(e.version == version for e in model.history):
        raise MlciError(f"{model.name}@{version} already exists",
                        hint="choose another --version, or use --bump")


def _already_registered(what: str, model: Model, existing: Version) -> MlciError:
    return MlciError(f"{what} is already registered as {model.name}@{existing.version}",
                     hint=f"assign it a stage with `mlci promote {model.name} "
                     f"{existing.version} STAGE`")


def _republish(request: PublishRequest, model: Model, existing: Version,
               remote: str | None) -> Published:
    """A re-run on a published commit: same version and stage asked, so push its tags again."""
    if (request.version and request.version != existing.version) or (request.stage and \
            request.stage not in existing.held):
        raise _already_registered(f"{request.rev} ({existing.commit[:7]})", model, existing)
    tags = [e.tag for e in model.history if e.commit == existing.commit
            and (e.version == existing.version)]
    if remote is not None:
        failure = gitrepo.push_tags(request.project.root, remote, tags)
        if failure is not None:
            raise MlciError(f"`git push` of {', '.join(tags)} to '{remote}' failed:\n{failure}")
    return Published(model.name, existing.commit, None, existing.version, tuple(tags), remote,
                     existing.message, 0, already=True)


def _card(project: Project, commit: str, artifact: Artifact, verdict: GateResult,
          signature: dict[str, Any] | None) -> ModelCard:
    """The model card (version still blank): metrics, params and dvc.lock hashes at `commit`."""
    snap = project.snapshots([commit])[0]
    params = {key: value for values in snap.params.values()
              for key, value in flatten(values).items()}
    data = {p: out.md5 for p, out in dvcfiles.outs(snap.lock).items() if out.md5}
    values = short_names(lookup(snap.flat_metrics()))
    recorded = artifacts.recorded_hash(project.root, commit, artifact)
    return ModelCard(
        name=artifact.name, version="", commit=commit, path=artifact.path,
        artifact_md5=recorded.md5 or "" if recorded is not None else "",
        description=artifact.desc, metrics=values, params=params, data=data,
        gate=verdict.describe(), signature=signature or {},
    )


def _register(request: PublishRequest, commit: str, remote: str | None,
              card: ModelCard, verdict: GateResult) -> Published:
    """Tag and push; when another publisher took the version or counter, refetch and retry."""
    root, name = request.project.root, request.name
    model = models.load(root).get(name)
    for attempt in range(1, tagging.TAG_ATTEMPTS + 1):
        version = SemVer.parse(request.version) if request.version \
            else state.next_version(model, request.bump)
        tags = [state.registration(name, version)]
        if request.stage:
            tags.append(state.assignment(name, request.stage, model))
        text = modelcard.render(replace(card, version=str(version)))
        stage_message = tagging.assign_message(name, request.stage, str(version))
        messages = [text] + [stage_message] * (len(tags) - 1)
        taken = tagging.tag_and_push(root, remote, commit, tags, messages)
        if not taken:
            names = tuple(modeltags.format_tag(t) for t in tags)
            return Published(name, commit, verdict, str(version), names, remote, text, attempt)
        if request.version and modeltags.format_tag(tags[0]) in taken:
            raise MlciError(f"{name}@{version} was published by someone else first",
                            hint="choose another --version, or publish with --bump")
        model = tagging.refreshed_state(root, remote).get(name)
        _check_unregistered(model, commit, None)
    raise MlciError(f"gave up after {tagging.TAG_ATTEMPTS} attempts: other publishers kept taking "
                    "the next version", hint="run the publish again")


