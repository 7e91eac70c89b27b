"""Benchmark: `mlci diff` and `mlci report` against DVC on the same 25-commit repository.

Run: python bench/bench_diff.py [--commits N] [--runs N]
Prints the median wall time of each command and the ratios the issue targets:
  mlci diff HEAD~1 HEAD --json / dvc metrics diff HEAD~1 HEAD --json   (target <= 0.4)
  mlci report --trend 20 / dvc metrics show -A                         (target <= 0.3)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
DVC_YAML = """\
stages:
  train:
    cmd: python train.py
    deps: [train.py]
    params: [train]
    outs: [model.bin]
  evaluate:
    cmd: python evaluate.py
    deps: [evaluate.py, model.bin]
    metrics:
      - metrics.json:
          cache: false
      - scores/test.yaml:
          cache: false
"""
MLCI_YAML = """\
metrics:
  accuracy: {direction: higher, min: 0.5, max_drop: 0.05}
  loss: {direction: lower, max: 2.0}
  test.f1: {direction: higher}
"""


def sh(root: Path, *args: str) -> None:
    subprocess.run(args, cwd=root, check=True, capture_output=True)


def build(root: Path, commits: int) -> None:
    """A DVC project whose metrics and params change in every commit (committed directly)."""
    sh(root, "git", "init", "-q", "-b", "main")
    sh(root, "git", "config", "user.email", "bench@mlci.invalid")
    sh(root, "git", "config", "user.name", "bench")
    sh(root, str(BIN / "dvc"), "init", "-q")
    sh(root, str(BIN / "dvc"), "config", "core.analytics", "false")
    (root / "dvc.yaml").write_text(DVC_YAML)
    (root / "mlci.yaml").write_text(MLCI_YAML)
    (root / "scores").mkdir()
    for i in range(commits):
        (root / "params.yaml").write_text(f"train:\n  lr: {0.1 / (i + 1):.5f}\n  epochs: {i + 1}\n")
        metrics = {"accuracy": round(0.6 + i * 0.01, 4), "loss": round(1.5 - i * 0.03, 4),
                   "extra": {"precision": round(0.5 + i * 0.005, 4)}}
        (root / "metrics.json").write_text(json.dumps(metrics, indent=2))
        (root / "scores" / "test.yaml").write_text(f"test:\n  f1: {0.55 + i * 0.01:.4f}\n")
        sh(root, "git", "add", "-A")
        sh(root, "git", "commit", "-q", "-m", f"commit {i}")


def timed(root: Path, args: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of `runs` runs."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(args, cwd=root, capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode not in (0, 1):
            sys.exit(f"{' '.join(args)} failed:\n{proc.stderr.decode()}")
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=25)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ["DVC_NO_ANALYTICS"] = "1"
    tmp = Path(tempfile.mkdtemp(prefix="mlci-bench-"))
    try:
        build(tmp, args.commits)
        mlci, dvc = str(BIN / "mlci"), str(BIN / "dvc")
        same = [json.loads(subprocess.run(cmd, cwd=tmp, capture_output=True, check=True).stdout)
                for cmd in ([mlci, "diff", "HEAD~1", "HEAD", "--json"],
                            [dvc, "metrics", "diff", "HEAD~1", "HEAD", "--json"])]
        plain = {path: {key: {k: v for k, v in change.items() if k in ("old", "new", "diff")}
                        for key, change in changes.items()}
                 for path, changes in same[0]["metrics"].items()}
        assert plain == same[1], "mlci and DVC disagree"
        results = {
            "mlci diff HEAD~1 HEAD --json":
                timed(tmp, [mlci, "diff", "HEAD~1", "HEAD", "--json"], args.runs),
            "dvc metrics diff HEAD~1 HEAD --json":
                timed(tmp, [dvc, "metrics", "diff", "HEAD~1", "HEAD", "--json"], args.runs),
            "mlci report --trend 20": timed(tmp, [mlci, "report", "--trend", "20"], args.runs),
            "dvc metrics show -A": timed(tmp, [dvc, "metrics", "show", "-A"], args.runs),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'command':40s} {'wall':>8s} {'cpu':>8s}   (medians of {args.runs} runs)")
    for name, (wall, cpu) in results.items():
        print(f"{name:40s} {wall:7.3f}s {cpu:7.3f}s")
    (dw, dc), (vw, vc), (rw, rc), (sw, sc) = results.values()
    print(f"\nratio diff:   wall {dw / vw:.2f}, cpu {dc / vc:.2f}  (target <= 0.4)")
    print(f"ratio report: wall {rw / sw:.2f}, cpu {rc / sc:.2f}  (target <= 0.3)")


if __name__ == "__main__":
    main()
