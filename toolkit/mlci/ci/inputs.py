"""What the CI templates need, read from the project: mlci.yaml, dvc.yaml, requirements.txt."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlci import __version__, pipeline
from mlci import config as config_module
from mlci.ci.deploy import DeployContext, deploy_context
from mlci.config import SweepConfig
from mlci.errors import ConfigError
from mlci.project.artifacts import model_names
from mlci.shared import names
from mlci.shared.files import load_yaml
from mlci.shared.sha import is_sha
from mlci.templates import path as template_path

REQUIREMENTS = "requirements.txt"
# runner labels actionlint knows without configuration (GitHub-hosted images and defaults)
_HOSTED = re.compile(r"(ubuntu|windows|macos)-[A-Za-z0-9._-]+")
_DEFAULT_LABELS = {"self-hosted", "x64", "arm", "arm64", "linux", "macos", "windows"}
_ACTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")
_VERSION = re.compile(r"v\d+\.\d+\.\d+")


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
    mlci_version: str  # the mlci that generates the files: token-holding jobs install it
    trusted_install: str  # that pinned install, for jobs that must not run the PR's code
    sweep: bool  # mlci.yaml has a sweep: section (mlci-sweep.yml, GitLab's sweep jobs)
    sweep_labels: tuple[str, ...]  # each combination's `-S` overrides (GitLab's static matrix)
    max_parallel: int
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
        models=checked_models(model_names(root)),
        stage=_stage(cfg.publish.stages, cfg.publish.compare_to),
        uses=pins(), mlci_version=__version__, trusted_install=trusted_install(__version__),
        deploy=deploy_context(model_names(root), config_module.deploy_stages(cfg),
                              cfg.deploy.command, cfg.deploy.secrets, cfg.deploy.base_image),
        **_sweep(cfg.sweep),
    )


def _sweep(settings: SweepConfig | None) -> dict[str, Any]:
    from mlci.project.grid import expand

    if settings is None:
        return {"sweep": False, "sweep_labels": (), "max_parallel": 0}
    return {"sweep": True, "sweep_labels": tuple(c.label for c in expand(settings.params)),
            "max_parallel": settings.max_parallel}


def checked_models(found: tuple[str, ...]) -> tuple[str, ...]:
    """The model names of dvc.yaml, each by GTO's grammar, or a dvc.yaml error naming it."""
    for name in found:
        if not names.is_valid_stage(name):  # a root dvc.yaml name has no `dir:` part
            raise ConfigError(f"dvc.yaml: artifacts: {name!r}: not a valid model name",
                              hint=f"model names are {names.NAME_HINT}; rename the artifact")
    return found


def trusted_install(version: str) -> str:
    """mlci at exactly `version` from the package index, whatever the checkout holds: `-I`
    keeps the working directory (a `pip/` package there) and PYTHON* variables out."""
    return f'python -I -m pip install --no-cache-dir "mlci=={version}"'


def install_command(has_requirements: bool) -> str:
    """The project's own requirements when it has them (they pin mlci), else mlci from PyPI
    with its data extra (the pull-request job scans the data)."""
    if has_requirements:
        return f"python -m pip install -r {REQUIREMENTS}"
    return "python -m pip install 'mlci[data]'"


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
        if not _ACTION.fullmatch(str(action)) or not _VERSION.fullmatch(str(pin["version"])):
            raise ConfigError(f"templates/github/pins.yaml: {action}: not OWNER/REPO with a "
                              "vX.Y.Z version")
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
