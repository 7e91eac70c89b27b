"""What the CI templates need, read from the project: mlci.yaml, dvc.yaml, requirements.txt."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlci import config as config_module
from mlci import pipeline
from mlci.ci.deploy import DeployContext, deploy_context
from mlci.errors import ConfigError
from mlci.project.artifacts import model_names
from mlci.shared.files import load_yaml
from mlci.shared.sha import is_sha
from mlci.templates import path as template_path

REQUIREMENTS = "requirements.txt"
# runner labels actionlint knows without configuration (GitHub-hosted images and defaults)
_HOSTED = re.compile(r"(ubuntu|windows|macos)-[A-Za-z0-9._-]+")
_DEFAULT_LABELS = {"self-hosted", "x64", "arm", "arm64", "linux", "macos", "windows"}


@dataclass(frozen=True)
class CiContext:
    """Everything a CI template may use; rendering fails on anything else."""

    python: str
    runs_on: tuple[str, ...]
    custom_labels: tuple[str, ...]  # self-hosted labels actionlint must be told about
    gitlab_tags: tuple[str, ...]  # GitLab runner tags: the same custom labels
    secrets: tuple[str, ...]
    default_branch: str
    install: str
    dvc_remote: bool  # a default remote in the committed .dvc/config: CI can pull and push
    pull: str  # " --pull" with a remote, else "" (mlci repro refuses --pull without one)
    push: str  # " --push" likewise
    models: tuple[str, ...]
    stage: str | None
    uses: dict[str, str]
    deploy: DeployContext  # mlci-deploy.yml, the GitLab deploy jobs and deploy/Dockerfile

    def as_dict(self) -> dict[str, Any]:
        """The template variables."""
        return asdict(self)


def load(root: Path) -> CiContext:
    """Read the project at `root` into the variables the CI templates render."""
    cfg = config_module.load(root)
    labels = cfg.ci.runs_on  # label and secret names are validated by config.load
    remote = pipeline.shared_remote(root) is not None
    custom = tuple(label for label in labels if not is_hosted(label))
    return CiContext(
        python=cfg.ci.python, runs_on=labels, custom_labels=custom,
        gitlab_tags=custom,
        secrets=cfg.ci.dvc_remote_secrets, default_branch=cfg.default_branch,
        install=install_command((root / REQUIREMENTS).is_file()),
        dvc_remote=remote, pull=" --pull" if remote else "", push=" --push" if remote else "",
        models=model_names(root), stage=_stage(cfg.publish.stages, cfg.publish.compare_to),
        uses=pins(),
        deploy=deploy_context(model_names(root), config_module.deploy_stages(cfg),
                              cfg.deploy.command, cfg.deploy.secrets, cfg.deploy.base_image),
    )


def install_command(has_requirements: bool) -> str:
    """The project's own requirements when it has them (they pin mlci), else mlci from PyPI."""
    if has_requirements:
        return f"python -m pip install -r {REQUIREMENTS}"
    return "python -m pip install mlci"


def is_hosted(label: str) -> bool:
    """True for GitHub-hosted runner images and the labels every self-hosted runner has."""
    return label in _DEFAULT_LABELS or bool(_HOSTED.fullmatch(label))


@dataclass(frozen=True)
class Pin:
    """An action's pinned commit and the release tag it is."""

    sha: str
    version: str


def pin_table() -> dict[str, Pin]:
    """{action: Pin} from templates/github/pins.yaml, every SHA checked."""
    data = load_yaml(template_path("github", "pins.yaml"), "templates/github/pins.yaml")
    table = {}
    for action, pin in data.items():
        if not is_sha(str(pin["sha"]), full=True):
            raise ConfigError(f"templates/github/pins.yaml: {action}.sha: not a 40-hex commit")
        table[str(action)] = Pin(str(pin["sha"]), str(pin["version"]))
    return table


def pins() -> dict[str, str]:
    """{action: "OWNER/REPO@SHA # VERSION"}: what `uses:` lines say."""
    return {action: f"{action}@{pin.sha} # {pin.version}" for action, pin in pin_table().items()}


def _stage(stages: tuple[str, ...], compare_to: str | None) -> str | None:
    """A new version enters the first stage of the promotion path, else `compare_to`."""
    return stages[0] if stages else compare_to
