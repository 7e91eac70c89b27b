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
deploy:
  stages: [staging, prod]
  command: kubectl set image deployment/classifier server="$MLCI_IMAGE" --kubeconfig "$KUBECONFIG_PATH"
  secrets: [KUBECONFIG_PATH]
"""
# default: the example project as `mlci init` writes it (no shared DVC remote: no --pull)
# gpu: self-hosted GPU runners, an S3 remote in .dvc/config with its secrets, a
#      requirements.txt to install from, deployments of two stages with a rollout command
SHARED_REMOTE = "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://bucket/mlci\n"
VARIANTS = ("default", "gpu")


def make_project(root: Path, variant: str) -> Path:
    """A git repository holding the example's dvc.yaml and mlci.yaml for `variant`."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    shutil.copy(template_path("project", "dvc.yaml"), root / "dvc.yaml")
    config = template_path("project", "mlci.yaml").read_text()
    if variant == "gpu":
        config = config[: config.index("ci:")] + GPU_CI
        (root / "requirements.txt").write_text("mlci\nscikit-learn>=1.3\n")
        (root / ".dvc").mkdir()
        (root / ".dvc" / "config").write_text(SHARED_REMOTE)
    (root / "mlci.yaml").write_text(config)
    return root
