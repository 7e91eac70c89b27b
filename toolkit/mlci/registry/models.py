"""Reading the registry: `mlci models list/show/history`, and `resolve` (a reference to a
version) for `mlci models get` and serving. Functions return data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.errors import ConfigError, MlciError
from mlci.project import artifacts, snapshot
from mlci.project.context import Project
from mlci.project.values import lookup, short_names
from mlci.registry import modelcard, modeltags, state
from mlci.registry.state import Model, Version
from mlci.shared import gitrepo


def load(root: Path) -> dict[str, Model]:
    """The registry as the repository's tags describe it (one `git for-each-ref`)."""
    return state.build(gitrepo.annotated_tags(root))


def find(models: dict[str, Model], name: str) -> Model:
    """The registered model `name`, or an error listing the registered ones."""
    if name not in models:
        known = ", ".join(models) or "(none yet)"
        raise MlciError(f"no model named '{name}' in the registry",
                        hint=f"registered models: {known}; publish one with `mlci publish NAME`")
    return models[name]


@dataclass(frozen=True)
class Listing:
    """Registered models, and models declared in dvc.yaml that have no version yet."""

    models: dict[str, Model]
    unpublished: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """`mlci models list --json`: {name: {latest, stages, versions, deprecated}}."""
        unpublished = Model("")
        return {**{name: m.to_json() for name, m in self.models.items()},
                **{name: unpublished.to_json() for name in self.unpublished}}


@dataclass(frozen=True)
class Versions:
    """One model's active versions with their metrics (`mlci models show`)."""

    model: Model
    metrics: dict[str, dict[str, Any]]  # version -> metrics, named as a model card names them

    def to_json(self) -> list[dict[str, Any]]:
        return [{"version": v.version, "commit": v.commit, "date": v.date, "tag": v.tag,
                 "stages": list(v.stages), "metrics": self.metrics[v.version]}
                for v in self.model.versions]


def list_models(root: Path) -> Listing:
    """Every model: registered ones from tags (as `gto show`), declared-but-unpublished ones
    from dvc.yaml's artifacts of `type: model` (a dataset is no model)."""
    models = load(root)
    try:
        declared = artifacts.model_names(root)
    except ConfigError:
        declared = ()
    return Listing(models, tuple(n for n in declared if n not in models))


def versions(project: Project, name: str) -> Versions:
    """Model `name`'s active versions and their metrics."""
    model = find(load(project.root), name)
    return Versions(model, version_metrics(project, model))


def version_metrics(project: Project, model: Model) -> dict[str, dict[str, Any]]:
    """Each active version's metrics: from its model card, else (a version another tool
    registered) from the metrics files at its commit, named as a card names them."""

    found = {v.version: dict(card.metrics) for v, card in
             ((v, modelcard.parse(v.message)) for v in model.versions) if card is not None}
    bare = [v for v in model.versions if v.version not in found]
    commits = list(dict.fromkeys(v.commit for v in bare))
    snaps = project.read_sources([snapshot.source(c) for c in commits],
                                 snapshot.Want(params=False, lenient=True))
    at = {commit: short_names(lookup(snap.flat_metrics()))
          for commit, snap in zip(commits, snaps, strict=True)}
    found.update({v.version: at[v.commit] for v in bare})
    return found


def resolve(model: Model, ref: modeltags.Ref) -> Version:
    """The version a reference means: explicit, the holder of a stage, or the latest."""
    if ref.stage:
        if ref.stage not in model.stages:
            held = ", ".join(model.stages) or "(none)"
            raise MlciError(f"no version of {model.name} is in stage '{ref.stage}'",
                            hint=f"stages with a version: {held}")
        return model.stages[ref.stage]
    if ref.version:
        found = model.find(ref.version)
        if found is None:
            raise MlciError(f"{model.name} has no version {ref.version}",
                            hint=f"versions: {', '.join(v.version for v in model.versions)}")
        return found
    if model.latest is None:
        raise MlciError(f"{model.name} has no active version")
    return model.latest
