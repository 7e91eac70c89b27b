"""Benchmark: `mlci data scan` and `mlci data validate` against pyarrow and pandera, same run.

Run: python bench/bench_data.py [--rows N] [--runs N] [--rss-rows N]
Needs the `data` extra (pyarrow, pandas, pandera). Writes a CSV of N rows x 20 columns (numbers,
categories, short texts, ids, dates, an e-mail and a phone column) to a temporary directory.
Prints the median wall time of each and the ratios (targets: scan <= 3x the time pyarrow
takes just to read the file; validate <= 2x pandera's own validation of the same file, read
with pyarrow; both in-process, imports warm), then the peak RSS of a `mlci data validate`
process on a --rss-rows file (target < 500 MB).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def write_table(path: Path, rows: int, seed: int = 0) -> None:
    """A CSV of `rows` x 20 columns; about 0.1% of the numbers fall outside the schema's ranges."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as csv

    rng = np.random.default_rng(seed)
    ids = pa.array(np.arange(rows))
    text = ids.cast(pa.string())
    words = pa.array(["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "elit", "sed"])
    cats = pa.array(["red", "green", "blue", "yellow", "black"])
    cols: dict[str, pa.Array] = {f"num{i}": pa.array(rng.normal(size=rows)) for i in range(6)}
    cols |= {f"int{i}": pa.array(rng.integers(0, 1_000_000, rows)) for i in range(4)}
    cols |= {f"cat{i}": cats.take(pa.array(rng.integers(0, 5, rows))) for i in range(3)}
    cols |= {f"text{i}": pc.binary_join_element_wise(
        words.take(pa.array(rng.integers(0, 8, rows))),
        words.take(pa.array(rng.integers(0, 8, rows))), " ") for i in range(3)}
    domains = pa.array(["example.com", "mail.org"]).take(pa.array(rng.integers(0, 2, rows)))
    cols["email"] = pc.binary_join_element_wise("user", text, "@", domains, "")
    last4 = pc.utf8_lpad(pc.cast(pc.bit_wise_and(ids, 8191), pa.string()), 4, "0")
    cols["phone"] = pc.binary_join_element_wise("+1 415-555-", last4, "")
    cols["id"] = ids
    days = pc.utf8_lpad(pc.cast(pc.add(pc.bit_wise_and(ids, 15), 1), pa.string()), 2, "0")
    cols["date"] = pc.binary_join_element_wise("2024-01-", days, "")
    csv.write_csv(pa.table(cols), path)


def write_schema(path: Path) -> None:
    """The schema the bench validates against, in pandera's YAML (mlci reads it unchanged)."""
    import pandera.pandas as pa

    columns = {f"num{i}": pa.Column("float64", pa.Check.in_range(-3.3, 3.3)) for i in range(6)}
    columns |= {f"int{i}": pa.Column("int64", pa.Check.in_range(0, 999_000)) for i in range(4)}
    columns |= {f"cat{i}": pa.Column("str", pa.Check.isin(["red", "green", "blue", "yellow",
                                                             "black"])) for i in range(3)}
    columns |= {f"text{i}": pa.Column("str") for i in range(3)}
    columns |= {"email": pa.Column("str"), "phone": pa.Column("str"),
                "id": pa.Column("int64", pa.Check.ge(0)), "date": pa.Column("str")}
    path.write_text(pa.DataFrameSchema(columns, coerce=True).to_yaml())


def median_time(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pandera_own(data: Path, schema_path: Path) -> int:
    """pandera alone: the file read with pyarrow into pandas, validated lazily in one go."""
    import pandera.pandas as pa
    import pyarrow.csv as csv

    schema = pa.DataFrameSchema.from_yaml(schema_path.read_text())
    try:
        schema.validate(csv.read_csv(data).to_pandas(), lazy=True)
    except pa.errors.SchemaErrors as exc:
        return len(exc.failure_cases)
    return 0


# A fresh interpreter starts the command and reports its peak RSS: measured from this (big)
# process, the child's peak would include the pages it shared with us before its exec.
LAUNCHER = ("import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:], "
            "stdout=subprocess.DEVNULL); _, status, usage = os.wait4(p.pid, 0); "
            "print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))")


def peak_rss_mb(args: list[str]) -> tuple[float, int]:
    """The peak resident memory of one process and its exit code."""
    out = subprocess.run([sys.executable, "-c", LAUNCHER, *args], capture_output=True,
                         text=True, check=True).stdout.split()
    return int(out[0]) / 1024, int(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rss-rows", type=int, default=5_000_000)
    args = parser.parse_args()
    import pyarrow.csv as csv

    from mlci.data import scan, validation

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data, schema = root / "table.csv", root / "schema.yaml"
        write_table(data, args.rows)
        write_schema(schema)
        print(f"table: {args.rows:,} rows x 20 columns, {data.stat().st_size / 2**20:,.0f} MiB")
        request = scan.ScanRequest(root, (data,))
        flagged = [f"{f.column}:{f.kind}" for f in scan.scan(request).flagged]
        read = median_time(lambda: csv.read_csv(data), args.runs)
        scanned = median_time(lambda: scan.scan(request), args.runs)
        print(f"pyarrow read_csv        {read:8.2f} s")
        print(f"mlci data scan          {scanned:8.2f} s   ratio {scanned / read:.2f} (target <= 3)"
              f"   flagged: {', '.join(flagged) or 'nothing'}")
        check = validation.ValidateRequest(data, schema)
        failures = validation.validate(check).failures
        own = median_time(lambda: pandera_own(data, schema), args.runs)
        ours = median_time(lambda: validation.validate(check), args.runs)
        print(f"pandera (read+validate) {own:8.2f} s")
        print(f"mlci data validate      {ours:8.2f} s   ratio {ours / own:.2f} (target <= 2)"
              f"   failures: {sum(f.failing_rows for f in failures):,} rows in "
              f"{len(failures)} checks")
        if args.rss_rows:
            big = root / "big.csv"
            write_table(big, args.rss_rows, seed=1)
            data.unlink()
            mlci = [sys.executable, "-m", "mlci", "data", "validate", str(big), "--schema",
                    str(schema)]
            peak, code = peak_rss_mb(mlci)
            print(f"mlci data validate on {args.rss_rows:,} rows "
                  f"({big.stat().st_size / 2**20:,.0f} MiB): peak RSS {peak:,.0f} MB "
                  f"(target < 500), exit {code}")


if __name__ == "__main__":
    main()
