"""Benchmark: mlci's drift engine against Evidently's DataDriftPreset on the same data, same run.

Run: python bench/bench_monitor.py [--rows 1000000] [--big-rows 10000000]
Needs Evidently in .ci/evidently-venv (scripts/test makes it). Writes a reference and a current
table (ROWS x 30 mixed columns, Parquet; some columns shifted), then times
  mlci:      profile the reference from the file, profile the current file against it,
             compare, render the report (what `mlci monitor --reference FILE` does)
  mlci (stored profile): the same with the reference profile already built (`mlci publish`
             stores it), i.e. what a scheduled `mlci monitor` does
  Evidently: Report([DataDriftPreset()]).run + as_dict on the two tables already in pandas
             (reading them is timed apart and left out of its total)
and prints the ratio (target: Evidently / mlci >= 10), how many columns get the same test and
verdict, the largest relative difference of a statistic, and mlci's peak RSS profiling
BIG_ROWS current rows streamed from disk (target < 1 GB).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVIDENTLY = ROOT / ".ci" / "evidently-venv" / "bin" / "python"
EVIDENTLY_RUN = """
import json, sys, time, warnings
import pandas as pd
from evidently.legacy.metric_preset import DataDriftPreset
from evidently.legacy.pipeline.column_mapping import ColumnMapping
from evidently.legacy.report import Report
start = time.perf_counter()
reference, current = pd.read_parquet(sys.argv[1]), pd.read_parquet(sys.argv[2])
read = time.perf_counter() - start
start = time.perf_counter()
report = Report(metrics=[DataDriftPreset()])
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    report.run(reference_data=reference, current_data=current,
               column_mapping=ColumnMapping(target=None, prediction=None))
    result = report.as_dict()
seconds = time.perf_counter() - start
table = next(m["result"] for m in result["metrics"] if "drift_by_columns" in m["result"])
columns = {n: [r["stattest_name"], float(r["drift_score"]), bool(r["drift_detected"])]
           for n, r in table["drift_by_columns"].items()}
print(json.dumps({"read": read, "seconds": seconds, "columns": columns}))
"""


def write_tables(where: Path, rows: int) -> tuple[Path, Path]:
    """ROWS x 30 columns: 18 floats, 4 integers, 2 few-valued integers, 4 texts, 2 booleans."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    def table(seed: int, shift: float) -> pa.Table:
        rng = np.random.default_rng(seed)
        columns: dict[str, object] = {}
        for i in range(18):
            moved = shift if i % 3 == 0 else 0.0
            kind = (rng.normal(moved, 1, rows), rng.lognormal(moved, 0.5, rows),
                    rng.uniform(moved, 10 + moved, rows))[i % 3]
            columns[f"f{i}"] = kind
        for i in range(4):
            columns[f"n{i}"] = rng.integers(0, 100 + int(40 * shift * (i % 2)), rows)
        for i in range(2):
            columns[f"k{i}"] = rng.integers(0, 4, rows)
        levels = np.array([f"level-{j}" for j in range(40)])
        for i in range(4):
            weights = np.linspace(1, 2 + 3 * shift * (i % 2), 40)
            columns[f"t{i}"] = levels[rng.choice(40, rows, p=weights / weights.sum())]
        for i in range(2):
            columns[f"b{i}"] = rng.random(rows) < 0.3 + 0.1 * shift * i
        return pa.table(columns)

    paths = where / "reference.parquet", where / "current.parquet"
    for path, (seed, shift) in zip(paths, ((1, 0.0), (2, 0.3)), strict=True):
        pq.write_table(table(seed, shift), path, row_group_size=65_536)
    return paths


def child(action: str, *args: str) -> None:
    """Work done in a fresh process (so its time and peak memory are its own)."""
    from mlci.data import tables
    from mlci.monitoring import drift, profile, references, report, serialize
    from mlci.monitoring.monitor import Monitored
    from mlci.monitoring.profile import Spec

    if action == "profile":
        built = profile.build(tables.batches(Path(args[0])), Spec())
        Path(args[1]).write_text(serialize.dumps(built))
        return
    reference = (serialize.loads(Path(args[0]).read_text(), args[0]) if args[0].endswith(".json")
                 else profile.build(tables.batches(Path(args[0])), Spec()))
    current = profile.build(tables.batches(Path(args[1])), profile.current_spec(reference, Spec()))
    result = drift.compare(reference, current, drift.Options())
    columns = {c.name: [c.test.label, c.statistic, c.drifted] for c in result.columns}
    monitored = Monitored("bench", "v0.0.0", "0" * 40, None,
                          references.Reference(reference, "given", args[0]), current, args[1],
                          result)
    text = report.render(monitored)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"columns": columns, "rows": current.rows, "report": len(text),
                      "rss": peak}))


def timed(args: list[str]) -> tuple[float, dict[str, Any]]:
    """Wall time and the JSON a child printed."""
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    out = proc.stdout.strip().splitlines()
    return seconds, json.loads(out[-1]) if out else {}


def agreement(ours: dict[str, Any], theirs: dict[str, Any]) -> tuple[int, int, float]:
    same_test = sum(ours[n][0] == theirs[n][0] for n in theirs)
    same_verdict = sum(ours[n][2] == theirs[n][2] for n in theirs)
    worst = max(abs(ours[n][1] - theirs[n][1]) / max(abs(theirs[n][1]), 1e-12) for n in theirs)
    return same_test, same_verdict, worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=10_000_000)
    options = parser.parse_args()
    if not EVIDENTLY.exists():
        sys.exit(f"{EVIDENTLY} is missing: run scripts/test once (it makes .ci/evidently-venv)")
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    with tempfile.TemporaryDirectory(prefix="mlci-bench-monitor-") as tmp:
        where = Path(tmp)
        ref, cur = write_tables(where, options.rows)
        stored = where / "profile.json"
        build_s, _ = timed([*me, "profile", str(ref), str(stored)])
        mlci_s, ours = timed([*me, "compare", str(ref), str(cur)])
        stored_s, _ = timed([*me, "compare", str(stored), str(cur)])
        _, theirs = timed([str(EVIDENTLY), "-c", EVIDENTLY_RUN, str(ref), str(cur)])
        big = where / "big"
        big.mkdir()
        for i in range(-(-options.big_rows // options.rows)):  # the current file, again and again
            (big / f"part-{i:03d}.parquet").symlink_to(cur)
        big_s, big = timed([*me, "compare", str(stored), str(big)])
    tests, verdicts, worst = agreement(ours["columns"], theirs["columns"])
    n = len(theirs["columns"])
    evidently_run = float(theirs["seconds"])
    print(f"{options.rows:,} rows x {n} columns, reference and current (Parquet)")
    print(f"  mlci, from the reference file:      {mlci_s:7.2f} s  (profile alone {build_s:.2f} s)")
    print(f"  mlci, stored reference profile:     {stored_s:7.2f} s")
    print(f"  Evidently DataDriftPreset:          {evidently_run:7.2f} s  "
          f"(+ {float(theirs['read']):.2f} s reading with pandas, left out)")
    print(f"  ratio Evidently / mlci:             {evidently_run / mlci_s:7.1f}x  (target >= 10)")
    print(f"  ratio Evidently / mlci (stored):    {evidently_run / stored_s:7.1f}x")
    print(f"  same test {tests}/{n}, same verdict {verdicts}/{n}, "
          f"largest relative difference of a statistic {worst:.2e}")
    print(f"{big['rows']:,} current rows streamed: {big_s:.1f} s, peak RSS "
          f"{big['rss'] / 1024:.0f} MiB  (target < 1024)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], *sys.argv[3:])
    else:
        main()
