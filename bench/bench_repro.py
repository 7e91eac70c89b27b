"""Benchmark: mlci's start-up and no-op reproduction against DVC, measured in the same run.

Run: python bench/bench_repro.py [--runs N]
Prints median wall times and the ratios the foundation issue targets:
  mlci --help / dvc --help               (target <= 1.0)
  no-op mlci repro / no-op dvc repro     (target <= 1.15)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def median_seconds(args: list[str], cwd: Path, runs: int) -> float:
    """Median wall time of `args` over `runs` runs, after one warm-up run."""
    times = []
    for attempt in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(args, cwd=cwd, check=True, capture_output=True)
        if attempt:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def trained_project(base: Path) -> Path:
    root = base / "proj"
    subprocess.run([str(BIN / "mlci"), "init", str(root)], cwd=base, check=True,
                   capture_output=True)
    subprocess.run([str(BIN / "mlci"), "repro"], cwd=root, check=True, capture_output=True)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command")
    runs = parser.parse_args().runs
    os.environ["DVC_NO_ANALYTICS"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = trained_project(base)
        pairs = [
            ("--help", [str(BIN / "mlci"), "--help"], [str(BIN / "dvc"), "--help"], 1.0),
            ("no-op repro", [str(BIN / "mlci"), "repro"], [str(BIN / "dvc"), "repro"], 1.15),
        ]
        print(f"{'command':<14}{'mlci s':>9}{'dvc s':>9}{'ratio':>8}{'target':>8}")
        for label, ours, theirs, target in pairs:
            mine, dvc = median_seconds(ours, root, runs), median_seconds(theirs, root, runs)
            print(f"{label:<14}{mine:>9.3f}{dvc:>9.3f}{mine / dvc:>8.2f}{target:>8.2f}")


if __name__ == "__main__":
    main()
