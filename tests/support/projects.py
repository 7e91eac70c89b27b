"""Project builders: a copy of the trained example with its own remotes; CI variants."""

from __future__ import annotations

import shutil
from pathlib import Path

from mlci.templates import path as template_path
from support.commands import commit_all, dvc, git, run


def copy_project(template: Path, where: Path) -> Path:
    """`where/proj`: a copy of a trained project with its own empty DVC remote
    (`where/dvc-remote`) and a bare origin (`where/origin.git`) holding main."""
    root = where / "proj"
    shutil.copytree(template, root, symlinks=True)
    remote = where / "dvc-remote"
    remote.mkdir()
    dvc(root, "remote", "add", "-f", "-d", "storage", str(remote))
    commit_all(root, "point the DVC remote at this test's directory")
    origin = where / "origin.git"
    run(["git", "init", "-q", "--bare", str(origin)], cwd=where)
    git(root, "remote", "add", "origin", str(origin))
    git(root, "push", "-q", "origin", "main")
    return root


GPU_CI = """\
ci:
  python: "3.12"
  runs_on: [self-hosted, gpu]
  dvc_remote_secrets: [AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY]
"""
# every value that reaches a generated file at the edge of what its grammar accepts: leading
# digits, YAML words, '/', '.', '_' and '-' (hostile values beyond that are refused:
# tests/ci/test_injection.py)
HOSTILE_CONFIG = """\
default_branch: release/v1.2-rc_3
publish:
  branches: ['release/*']
  compare_to: prod/eu-1_b
  stages: [pre-prod_1/a, prod/eu-1_b]
ci:
  python: "3.13"
  runs_on: [self-hosted, linux, gpu.a100_x-2]
  dvc_remote_secrets: [_X9, AZURE_STORAGE_KEY]
"""
HOSTILE_MODELS = """\
  team/clf-2_b:
    path: models/model.pkl
    type: model
  "0model9":
    path: models/model.pkl
    type: model
  "true":
    path: models/model.pkl
    type: model
"""
# default: the example project as `mlci init` writes it (no shared DVC remote: no --pull)
# gpu: self-hosted GPU runners, an S3 remote in .dvc/config with its secrets, and a
#      requirements.txt to install from
# hostile: HOSTILE_CONFIG and HOSTILE_MODELS, with the gpu variant's remote
SHARED_REMOTE = "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://bucket/mlci\n"
VARIANTS = ("default", "gpu", "hostile")


def make_project(root: Path, variant: str) -> Path:
    """A git repository holding the example's dvc.yaml and mlci.yaml for `variant`."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    shutil.copy(template_path("project", "dvc.yaml"), root / "dvc.yaml")
    config = template_path("project", "mlci.yaml").read_text()
    if variant == "gpu":
        config = config[: config.index("ci:")] + GPU_CI
        (root / "requirements.txt").write_text("mlci\nscikit-learn>=1.3\n")
    if variant == "hostile":
        config = config[: config.index("default_branch:")] + HOSTILE_CONFIG
        with (root / "dvc.yaml").open("a") as dvc_yaml:
            dvc_yaml.write(HOSTILE_MODELS)
    if variant in ("gpu", "hostile"):
        (root / ".dvc").mkdir()
        (root / ".dvc" / "config").write_text(SHARED_REMOTE)
    (root / "mlci.yaml").write_text(config)
    return root
