"""Project builders: a copy of the trained example with its own remotes; CI variants."""

from __future__ import annotations

import shutil
from pathlib import Path

from mlci.templates import template_path
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
  command: kubectl set image deployment/classifier server="$MLCI_IMAGE" --kubeconfig "$KUBE"
  secrets: [KUBE]
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
monitor:
  team/clf-2_b: {reference: data/prepared/train.csv, schedule: "0 0 * * 0"}
  "true": {reference: data/prepared/train.csv}
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
# a grid whose keys and values sit at the edges of their grammars (file prefix, list index,
# YAML words, signs, exponents, '/', '+', '.', '_', '-') and a metric name that is not one
HOSTILE_SWEEP = """\
metrics:
  "test.f1 (macro) ${{ x }}": {direction: lower}
sweep:
  params:
    conf/p-1.yaml:a_b.c-d.0: [0, -1.5e-07, "true", "0x1F", yes, a/b+c-d_e.f, false]
    train.C: [1]
  rank_by: "test.f1 (macro) ${{ x }}"
  max_parallel: 256
"""
MONITOR = """\
monitor:
  classifier:
    reference: data/prepared/train.csv
    target: target
    schedule: "30 4 * * 1-5"
    performance: {accuracy: {min: 0.9}}
    retrain: {run: "dvc update data/raw.csv.dvc"}
"""
# default: the example project as `mlci init` writes it (no shared DVC remote: no --pull)
# gpu: self-hosted GPU runners, an S3 remote in .dvc/config with its secrets, a
#      requirements.txt to install from, deployments of two stages with a rollout command
# monitor: a monitored model (the scheduled monitor workflow, the retrain's dispatched train
#      run), with an S3 remote and its secrets
# hostile: HOSTILE_CONFIG, HOSTILE_SWEEP and HOSTILE_MODELS, with the gpu variant's remote
SHARED_REMOTE = "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://bucket/mlci\n"
# sweep: GitHub-hosted runners, a parameter grid, an S3 remote in .dvc/config with its secrets
SWEEP = """\
sweep:
  params:
    train.C: [0.1, 1.0]
    prepare.test_size: [0.2, 0.25]
  rank_by: roc_auc
  max_parallel: 2
"""
VARIANTS = ("default", "gpu", "hostile", "sweep", "monitor")


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
        config = config[: config.index("default_branch:")] + HOSTILE_CONFIG + HOSTILE_SWEEP
        with (root / "dvc.yaml").open("a") as dvc_yaml:
            dvc_yaml.write(HOSTILE_MODELS)
    if variant == "monitor":
        config = config.replace("dvc_remote_secrets: []", "dvc_remote_secrets: [AWS_ACCESS_KEY_ID, "
                                "AWS_SECRET_ACCESS_KEY]") + MONITOR
    if variant in ("gpu", "hostile", "monitor"):
        (root / ".dvc").mkdir()
        (root / ".dvc" / "config").write_text(SHARED_REMOTE)
    if variant == "sweep":
        config = config.replace("dvc_remote_secrets: []",
                                "dvc_remote_secrets: [AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY]")
        config += SWEEP
        (root / ".dvc").mkdir()
        (root / ".dvc" / "config").write_text(SHARED_REMOTE)
    (root / "mlci.yaml").write_text(config)
    return root
