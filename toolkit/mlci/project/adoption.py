"""`mlci init` on an existing DVC project: mlci.yaml from what is there, and what CI will miss.

The metrics found get a direction guessed from their names and no thresholds (the team sets
those); the models are dvc.yaml's artifacts of type model. Warnings say, before CI fails,
what requirements.txt does not install and what the DVC remote needs that CI lacks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlci import config
from mlci.pipeline import backends, remotes
from mlci.project import artifacts, requirements, snapshot
from mlci.project.values import is_number, lookup, short_names
from mlci.shared import gitrepo, yaml12

# a name with one of these words is better lower (loss, errors, distances, perplexity ...)
_LOWER_WORDS = ("loss", "error", "rmse", "mse", "mae", "mape", "logloss", "perplexity", "nll",
                "wer", "cer", "brier", "fpr", "fnr", "hamming", "deviance", "latency",
                "err", "ppl", "far", "frr", "miss", "cost", "distance", "divergence", "regret")


def guess_direction(name: str) -> config.Direction:
    """"lower" for losses, errors and their kin, else "higher" (pure)."""
    key = name.rpartition(":")[2].lower()
    words = [w for w in re.split(r"[^a-z0-9]+", key) if w]
    if any(w in _LOWER_WORDS or w.endswith(("loss", "error")) for w in words):
        return "lower"
    return "higher"


@dataclass(frozen=True)
class Survey:
    """What an existing project holds, as mlci.yaml needs it, and what CI would miss."""

    metrics: dict[str, config.Direction]  # names as mlci.yaml keys them
    models: tuple[str, ...]
    default_branch: str
    secrets: tuple[str, ...]  # what the committed default DVC remote usually needs
    warnings: tuple[str, ...]
    missing_here: tuple[str, ...]  # imported by the stages, not importable in this Python


def survey(root: Path) -> Survey:
    """Read the project at `root` (its workspace, DVC's cache and remote for cached metrics)."""
    snap = snapshot.read(root, [None], snapshot.Want(params=False, lenient=True))[0]
    values = short_names(lookup(snap.flat_metrics()))
    found = {name: guess_direction(name) for name, value in values.items() if is_number(value)}
    notes = [f"{path} {snap.where} is {why}: its metrics are not in mlci.yaml"
             for path, why in snap.missing_metrics().items()]
    needs = ci_needs(root)
    return Survey(found, artifacts.model_names(root), _branch(root), needs.secrets,
                  (*notes, *needs.notes), needs.missing_here)


@dataclass(frozen=True)
class CiNeeds:
    """What CI needs to run the stages, and what requirements.txt or mlci.yaml leave out."""

    secrets: tuple[str, ...]  # what the committed default DVC remote usually needs
    notes: tuple[str, ...]
    missing_here: tuple[str, ...]  # imported by the stages, not importable in this Python


def ci_needs(root: Path, warn_no_remote: bool = True) -> CiNeeds:
    """The stages' imports against requirements.txt, the committed default DVC remote's
    plugin, and its usual secrets against mlci.yaml's ci.dvc_remote_secrets (when it exists)."""
    imported = requirements.stage_imports(root, snapshot.layout(root).commands)
    remote = remotes.shared_remote_info(root)
    needs = backends.needs(remote.url) if remote else None
    notes = install_warnings(root, imported, needs)
    if remote is not None and needs is not None:
        named = config.load(root).ci.dvc_remote_secrets if config.exists(root) else needs.secrets
        notes += remote_warnings(remote, named)
    elif warn_no_remote:
        notes += remote_warnings(None, ())
    return CiNeeds(needs.secrets if needs else (), tuple(notes),
                   tuple(i.distribution for i in requirements.missing_here(imported)))


def _branch(root: Path) -> str:
    return gitrepo.default_branch(root) or "main"


def install_warnings(root: Path, imported: list[requirements.Imported],
                     needs: backends.RemoteNeeds | None) -> list[str]:
    """What CI's `pip install -r requirements.txt` leaves out: mlci, the stages' imports,
    the DVC plugin of the remote."""
    found = requirements.installs(root)
    notes = []
    if not found.exists:
        absent = ", ".join(dict.fromkeys(i.distribution for i in imported)) or "nothing else"
        notes.append(f"no {requirements.REQUIREMENTS}: CI installs mlci only (`pip install "
                     f"mlci`), not what the stages import ({absent}); add one that pins mlci "
                     "and the pipeline's packages")
    elif not found.has("mlci"):
        notes.append(f"{requirements.REQUIREMENTS} does not install mlci, and CI runs mlci "
                     "after `pip install -r requirements.txt`: add `mlci`")
    absent_imports = [i for i in imported if not found.has(i.distribution)]
    if found.exists and absent_imports:
        names = ", ".join(f"{i.distribution} ({i.script})" for i in absent_imports)
        notes.append(f"{requirements.REQUIREMENTS} does not install what the stages import: "
                     f"{names}")
    if needs and needs.plugin and not found.has(needs.plugin):
        notes.append(f"CI does not install {needs.plugin}, which DVC needs for the default "
                     f"remote ({needs.scheme}://): add {needs.install} to "
                     f"{requirements.REQUIREMENTS}")
    return notes


def remote_warnings(remote: backends.RemoteInfo | None,
                    named: Sequence[str]) -> list[str]:
    """What CI lacks to use the default remote of .dvc/config: the remote, or its secrets."""
    if remote is None:
        return ["no default DVC remote in .dvc/config: CI can neither pull nor push outputs "
                "and the run-cache (add one: `dvc remote add -d NAME URL`, then "
                "`mlci ci generate`)"]
    needs = backends.needs(remote.url)
    unnamed = [s for s in needs.secrets if s not in named]
    if not unnamed:
        return []
    return [f"the default DVC remote '{remote.name}' ({remote.url}) needs credentials that "
            f"mlci.yaml's ci.dvc_remote_secrets does not name: {', '.join(unnamed)} (add "
            "them there and as CI secrets; pull requests run without secrets)"]


def policy_text(found: Survey, forges: Sequence[str]) -> str:
    """mlci.yaml for an adopted project (pure): metrics without thresholds, CI settings."""
    lines = ["# mlci settings, written by `mlci init` from this project. Every key is optional.",
             f"default_branch: {yaml12.scalar(found.default_branch)}"]
    if found.metrics:
        lines.append("metrics:  # every metric found; directions guessed from the names: check "
                     "them, then add min, max, max_drop or max_rise to gate one")
        lines += [f"  {yaml12.scalar(name)}: {{direction: {direction}}}"
                  for name, direction in found.metrics.items()]
    else:
        lines.append("metrics: {}  # none found: run the pipeline, then `mlci init --force`")
    models = ", ".join(found.models) or "none: give an artifact `type: model` in dvc.yaml"
    lines += [f"publish:  # models (dvc.yaml artifacts of type model): {models}",
              f"  branches: [{yaml12.scalar(found.default_branch)}]",
              "  compare_to: prod", "ci:",
              f"  forges: [{', '.join(forges)}]  # the CI files `mlci ci generate` writes",
              '  python: "3.11"', "  runs_on: ubuntu-latest",
              f"  dvc_remote_secrets: [{', '.join(found.secrets)}]"
              + ("  # the DVC remote's credentials: define them as CI secrets"
                 if found.secrets else "")]
    return "\n".join(lines) + "\n"


