"""Benchmark: `mlci models list` against `gto show` on a repository with 1,500 registry tags.

Run: python bench/bench_registry.py [--models N] [--versions N] [--assignments N] [--runs N]
GTO comes from .ci/gto-venv (made by scripts/test; or: python3 -m venv .ci/gto-venv &&
.ci/gto-venv/bin/pip install -r .ci/gto-requirements.txt).
Prints the median wall time of each, the ratio gto/mlci (target >= 20) and whether both
tools report the same latest version and stage holders for every model.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
GTO = REPO_ROOT / ".ci" / "gto-venv" / "bin" / "gto"
EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z; every tag one second after the previous


def _data(text: str) -> str:
    raw = text.encode()
    return f"data {len(raw)}\n{text}\n"


def stream(models: int, versions: int, assignments: int) -> str:
    """A `git fast-import` stream: `versions` commits, then annotated registry tags."""
    names = [f"model{k}" for k in range(models)]
    artifacts = "".join(f"  {n}:\n    path: models/{n}.pkl\n    type: model\n" for n in names)
    out = []
    for j in range(1, versions + 1):
        out.append(f"commit refs/heads/main\nmark :{j}\n"
                   f"committer bench <bench@mlci.invalid> {EPOCH + j} +0000\n"
                   + _data(f"change {j}") + ("" if j == 1 else f"from :{j - 1}\n"))
        out.append("M 644 inline step.txt\n" + _data(str(j)))
        if j == 1:
            out.append("M 644 inline dvc.yaml\n" + _data("artifacts:\n" + artifacts))
    second = versions
    for name in names:
        for j in range(1, versions + 1):
            second += 1
            out.append(_tag(f"{name}@v0.{j}.0", j, second, f"Registering {name} v0.{j}.0"))
        for n in range(1, assignments + 1):
            second += 1
            stage = "staging" if n % 2 else "prod"
            target = min(versions, n)
            out.append(_tag(f"{name}#{stage}#{n}", target, second, f"Assigning {stage}"))
    return "".join(out)


def _tag(name: str, mark: int, second: int, message: str) -> str:
    return (f"tag {name}\nfrom :{mark}\n"
            f"tagger bench <bench@mlci.invalid> {EPOCH + second} +0000\n" + _data(message))


def build(root: Path, models: int, versions: int, assignments: int) -> int:
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, check=True, text=True,
                   input=stream(models, versions, assignments))
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    out = subprocess.run(["git", "tag", "-l"], cwd=root, check=True, capture_output=True,
                         text=True).stdout
    return len(out.split())


def timed(args: list[str], root: Path, runs: int) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(args, cwd=root, capture_output=True, text=True, check=False,
                              env={**os.environ, "NO_COLOR": "1"})
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(args)} failed:\n{proc.stderr}")
        out = proc.stdout
    return statistics.median(times), out


def agree(mlci_out: str, gto_out: str) -> bool:
    ours, theirs = json.loads(mlci_out), json.loads(gto_out)
    return set(ours) == set(theirs) and all(
        ours[n]["latest"] == theirs[n]["version"]
        and ours[n]["stages"] == {s: v for s, v in theirs[n]["stage"].items() if v}
        for n in ours
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=5)
    parser.add_argument("--versions", type=int, default=200)
    parser.add_argument("--assignments", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not GTO.exists():
        sys.exit(f"{GTO} not found: run scripts/test, or python3 -m venv .ci/gto-venv && "
                 ".ci/gto-venv/bin/pip install -r .ci/gto-requirements.txt")
    with tempfile.TemporaryDirectory(prefix="mlci-bench-registry-") as tmp:
        root = Path(tmp) / "repo"
        tags = build(root, args.models, args.versions, args.assignments)
        mlci_time, mlci_out = timed([sys.executable, "-m", "mlci", "models", "list", "--json"],
                                    root, args.runs)
        gto_time, gto_out = timed([str(GTO), "show", "--json"], root, args.runs)
        print(f"registry tags:                 {tags}")
        print(f"mlci models list --json:       {mlci_time:.3f} s (median of {args.runs})")
        print(f"gto show --json:               {gto_time:.3f} s (median of {args.runs})")
        print(f"ratio gto / mlci:              {gto_time / mlci_time:.1f}x (target >= 20x)")
        print(f"same latest and stages:        {'yes' if agree(mlci_out, gto_out) else 'NO'}")


if __name__ == "__main__":
    main()
