"""A DVC project shaped like the public ones mlci must adopt (issue 15), made with real git,
DVC and GTO: no mlci.yaml, DVC-cached metrics in two files that share a key, dvclive-style
TSV plots in a directory (`x: step`, no `y`), a ROC plot whose `y` maps two files inside a
DVC-cached output directory, a confusion CSV, a `dvc add`-ed input, a `type: dataset`
artifact beside the model, versions registered and assigned by GTO (not mlci), three
commits on main pushed with their outputs and run-cache to a local-directory DVC remote.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from support.commands import commit_all, dvc, git, mlci, run

GTO = Path(sys.executable).parent / "gto"  # GTO comes with DVC
# GTO stamps a tag with the current time, in the zone GIT_COMMITTER_DATE names (+02:00 here)
TAGGED_AT = "2026-01-02T10:00:{:02d}+02:00"

DVC_YAML = """\
stages:
  train:
    cmd: python src/train.py
    deps: [src/train.py, data/data.csv]
    params: [train]
    outs:
      - models/model.pkl
      - dvclive/plots:
          cache: false
    metrics:
      - dvclive/metrics.json
  evaluate:
    cmd: python src/evaluate.py
    deps: [src/evaluate.py, models/model.pkl]
    outs:
      - eval/plots
    metrics:
      - eval/metrics.json
    plots:
      - eval/confusion.csv:
          cache: false
          template: confusion
          x: actual
          y: predicted
plots:
  - roc:
      x: fpr
      y:
        eval/plots/roc_train.json: tpr
        eval/plots/roc_test.json: tpr
  - dvclive/plots/metrics:
      x: step
artifacts:
  clf:
    path: models/model.pkl
    type: model
    desc: the classifier
  data:
    path: data/data.csv
    type: dataset
"""

TRAIN = """\
import json
import pathlib

import yaml

params = yaml.safe_load(pathlib.Path("params.yaml").read_text())["train"]
rows = pathlib.Path("data/data.csv").read_text().split()[1:]
loss, history = 1.0, []
for step in range(params["epochs"]):
    loss = round(loss * (1 - params["lr"]), 6)
    history.append((step, loss, round(1 - loss, 6)))
pathlib.Path("models").mkdir(exist_ok=True)
pathlib.Path("models/model.pkl").write_text(f"lr={params['lr']} rows={len(rows)}")
for part, column, index in (("train", "loss", 1), ("eval", "acc", 2)):
    folder = pathlib.Path("dvclive/plots/metrics", part)
    folder.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"{h[0]}\\t{h[index]}\\n" for h in history)
    (folder / f"{column}.tsv").write_text(f"step\\t{column}\\n" + lines)
pathlib.Path("dvclive/metrics.json").write_text(
    json.dumps({"loss": history[-1][1], "acc": history[-1][2], "step": len(history) - 1}))
"""

EVALUATE = """\
import json
import pathlib

import tabulate

lr = float(pathlib.Path("models/model.pkl").read_text().split()[0][3:])
acc = round(0.7 + lr, 4)
folder = pathlib.Path("eval/plots")
folder.mkdir(parents=True, exist_ok=True)
for name, lift in (("train", 0.1), ("test", 0.0)):
    points = [{"fpr": f / 4, "tpr": round(min(1.0, f / 4 + lift + lr), 4)} for f in range(5)]
    (folder / f"roc_{name}.json").write_text(json.dumps({"roc": points}))
pairs = [(0, 0)] * 8 + [(0, 1)] * 2 + [(1, 0)] * round(10 * (1 - acc)) + [(1, 1)] * 9
lines = "".join(f"{a},{p}\\n" for a, p in pairs)
pathlib.Path("eval/confusion.csv").write_text("actual,predicted\\n" + lines)
metrics = {"acc": acc, "roc_auc": round(0.8 + lr / 2, 4)}
pathlib.Path("eval/metrics.json").write_text(json.dumps(metrics))
print(tabulate.tabulate([list(metrics.values())], headers=list(metrics)))
"""

DVC_CONFIG = "[core]\n    analytics = false\n    remote = storage\n" \
             "['remote \"storage\"']\n    url = {url}\n"
LEARNING_RATES = (0.1, 0.2, 0.15)  # one training per commit on main


@dataclass(frozen=True)
class Adopted:
    """Where the project is: its checkout, bare origin and DVC remote; main's commits."""

    root: Path
    origin: Path
    remote: Path
    commits: tuple[str, ...]


def build(where: Path) -> Adopted:
    """The project, trained and committed three times, versions registered with GTO."""
    root, remote, origin = where / "proj", where / "dvc-remote", where / "origin.git"
    root.mkdir()
    remote.mkdir()
    git(root, "init", "-q", "-b", "main")
    dvc(root, "init", "-q")
    (root / ".dvc" / "config").write_text(DVC_CONFIG.format(url=remote))
    for rel, text in (("src/train.py", TRAIN), ("src/evaluate.py", EVALUATE),
                      ("dvc.yaml", DVC_YAML), ("requirements.txt", "numpy>=1.20\n"),
                      ("data/data.csv", "x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    dvc(root, "add", "-q", "data/data.csv")
    commits = []
    for lr in LEARNING_RATES:
        (root / "params.yaml").write_text(f"train:\n  lr: {lr}\n  epochs: 4\n")
        mlci("repro", "--push", cwd=root)
        commits.append(commit_all(root, f"train with lr={lr}"))
        if len(commits) == 1:
            _gto(root, 1, "register", "clf", commits[0], "--version", "v0.1.0")
            _gto(root, 2, "assign", "clf", "--version", "v0.1.0", "--stage", "prod")
        elif len(commits) == 2:
            _gto(root, 3, "register", "clf", commits[1], "--version", "v0.2.0")
    run(["git", "init", "-q", "--bare", str(origin)], cwd=where)
    git(root, "remote", "add", "origin", str(origin))
    git(root, "push", "-q", "--tags", "origin", "main")
    git(root, "fetch", "-q", "origin")
    return Adopted(root, origin, remote, tuple(commits))


def _gto(root: Path, second: int, *args: str) -> None:
    run([str(GTO), *args], cwd=root,
        env={**os.environ, "GIT_COMMITTER_DATE": TAGGED_AT.format(second)})


def copy(adopted: Adopted, where: Path) -> Path:
    """A copy of the checkout (its DVC cache included) to change; remote and origin shared."""
    root = where / "proj"
    shutil.copytree(adopted.root, root, symlinks=True)
    return root


def clone(adopted: Adopted, where: Path, name: str = "clone") -> Path:
    """A fresh clone of origin: no DVC cache, no outputs; the remote in .dvc/config."""
    target = where / name
    run(["git", "clone", "-q", str(adopted.origin), str(target)], cwd=where)
    return target


def point_remote(root: Path, url: str, **options: str) -> None:
    """Point the default remote at `url` for this clone only (.dvc/config.local)."""
    extra = "".join(f"    {k} = {v}\n" for k, v in options.items())
    (root / ".dvc" / "config.local").write_text(
        f"['remote \"storage\"']\n    url = {url}\n{extra}")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


NO_AWS = {"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent",
          "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}  # no credentials, no metadata service
