"""Benchmark: `mlci sweep --jobs 2` against DVC's own queue, same grid, measured in the same run.

Run: python bench/bench_sweep.py [--jobs N]
Two copies of one trained example project (each with its own DVC cache) run the same
8-combination grid (train.C x prepare.test_size):
  mlci: `mlci sweep --jobs N --json`
  DVC:  `dvc exp run --queue -S ...` per combination, `dvc queue start -j N`, then
        `dvc queue status` until nothing is queued or running
Prints both wall times, the ratio (target <= 0.5) and whether every combination's metrics
agree (mlci's leaderboard vs `dvc exp show --json`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
C_VALUES = (0.1, 0.3, 1.0, 3.0)
TEST_SIZES = (0.2, 0.25)
GRID = ("sweep:\n  params:\n    train.C: [0.1, 0.3, 1.0, 3.0]\n"
        "    prepare.test_size: [0.2, 0.25]\n  rank_by: roc_auc\n")
TARGET = 0.5


def sh(args: list[str], cwd: Path) -> str:
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True).stdout


def trained_project(base: Path) -> Path:
    """The example project, trained and committed, with the grid in mlci.yaml."""
    root = base / "proj"
    base.mkdir(parents=True)
    sh([str(BIN / "mlci"), "init", str(root), "--remote", str(base / "remote")], base)
    sh([str(BIN / "mlci"), "repro"], root)
    (root / "mlci.yaml").write_text((root / "mlci.yaml").read_text() + GRID)
    sh(["git", "add", "-A"], root)
    sh(["git", "-c", "user.name=bench", "-c", "user.email=bench@mlci.invalid", "commit", "-qm",
        "trained, with a grid"], root)
    return root


def run_mlci(root: Path, jobs: int) -> tuple[float, dict[tuple[float, float], dict[str, Any]]]:
    start = time.perf_counter()
    out = sh([str(BIN / "mlci"), "sweep", "--jobs", str(jobs), "--json"], root)
    seconds = time.perf_counter() - start
    runs = json.loads(out)["runs"]
    return seconds, {(r["params"]["train.C"], r["params"]["prepare.test_size"]): r["metrics"]
                     for r in runs if r["status"] == "ok"}


def run_dvc(root: Path, jobs: int) -> tuple[float, dict[tuple[float, float], dict[str, Any]]]:
    dvc = str(BIN / "dvc")
    start = time.perf_counter()
    for c in C_VALUES:
        for size in TEST_SIZES:
            sh([dvc, "exp", "run", "--queue", "-S", f"train.C={c}",
                "-S", f"prepare.test_size={size}"], root)
    sh([dvc, "queue", "start", "-j", str(jobs)], root)
    while any(word in sh([dvc, "queue", "status"], root) for word in ("Running", "Queued")):
        time.sleep(0.5)
    seconds = time.perf_counter() - start
    subprocess.run([dvc, "queue", "stop", "--kill"], cwd=root, capture_output=True, check=False)
    return seconds, dvc_results(json.loads(sh([dvc, "exp", "show", "--json"], root)))


def dvc_results(data: Any) -> dict[tuple[float, float], dict[str, Any]]:
    """Metrics per (C, test_size) of every experiment in `dvc exp show --json`."""
    found: dict[tuple[float, float], dict[str, Any]] = {}
    for node in _walk(data):
        payload = node.get("data") if isinstance(node, dict) else None
        if not isinstance(payload, dict) or node.get("rev") == "workspace":
            continue
        params = ((payload.get("params") or {}).get("params.yaml") or {}).get("data") or {}
        metrics = ((payload.get("metrics") or {}).get("metrics.json") or {}).get("data")
        if metrics and node.get("name") and node.get("name") != "main":
            found[(params["train"]["C"], params["prepare"]["test_size"])] = metrics
    return found


def _walk(data: Any) -> list[Any]:
    if isinstance(data, dict):
        return [data, *(item for value in data.values() for item in _walk(value))]
    if isinstance(data, list):
        return [item for value in data for item in _walk(value)]
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="combinations at once")
    jobs = parser.parse_args().jobs
    os.environ["DVC_NO_ANALYTICS"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        ours = trained_project(base / "mlci")
        theirs = base / "dvc" / "proj"
        shutil.copytree(ours, theirs, symlinks=True)
        sh([str(BIN / "dvc"), "remote", "add", "-f", "--local", "-d", "storage",
            str(base / "dvc" / "remote")], theirs)
        mine, our_metrics = run_mlci(ours, jobs)
        dvc, their_metrics = run_dvc(theirs, jobs)
    agree = our_metrics == their_metrics and len(our_metrics) == len(C_VALUES) * len(TEST_SIZES)
    print(f"{'grid':<28}{'mlci s':>9}{'dvc s':>9}{'ratio':>8}{'target':>8}  metrics agree")
    print(f"{'8 combinations, -j ' + str(jobs):<28}{mine:>9.1f}{dvc:>9.1f}{mine / dvc:>8.2f}"
          f"{TARGET:>8.2f}  {'yes' if agree else 'NO'} ({len(our_metrics)} mlci, "
          f"{len(their_metrics)} dvc)")
    if not agree:
        for key in sorted(set(our_metrics) | set(their_metrics)):
            if our_metrics.get(key) != their_metrics.get(key):
                print(f"  {key}: mlci {our_metrics.get(key)} dvc {their_metrics.get(key)}")


if __name__ == "__main__":
    main()
