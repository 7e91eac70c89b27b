"""Benchmark: `mlci serve` / `mlci predict` against `mlflow models serve` / `mlflow models
predict`, same machine, same run, same model (the example's published classifier).

Run: python bench/bench_serve.py [--seconds 10] [--connections 16] [--batch-rows 1000000]
                                 [--repeat 3] [--rss-rows 10000000] [--skip-rss]
MLflow lives in a bench-only venv, made on first use under ~/.cache/mlci-bench/mlflow-venv
(`pip install mlflow scikit-learn==<ours> pandas`; needs the package index once). The load
generator is `wrk` (Debian package) when installed, else an asyncio httpx loop; both send
1-row MLflow `dataframe_split` requests over 16 connections.
Prints throughput and p99 latency of each server and the ratios (targets: throughput >= 2x
MLflow's, p99 <= 0.5x), batch scoring wall times of a 1M-row CSV (target >= 3x faster) and
the peak RSS of `mlci predict` on 10M rows (target < 500 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MLFLOW_VENV = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mlci-bench" \
    / "mlflow-venv"
MLCI = [sys.executable, "-m", "mlci"]
ENV = {**os.environ, "DVC_NO_ANALYTICS": "1", "NO_COLOR": "1"}
# MLflow starts `uvicorn` by name: its own venv's bin comes first on its PATH
MLFLOW_ENV = {**ENV, "PATH": os.pathsep.join([str(MLFLOW_VENV / "bin"),
                                              os.environ.get("PATH", "")])}


def _env(args: list[str]) -> dict[str, str]:
    return MLFLOW_ENV if str(MLFLOW_VENV) in str(args[0]) else ENV


def run(args: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=_env(args),
                          check=False, **kwargs)  # type: ignore[call-overload]
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}")
    return proc  # type: ignore[no-any-return]


def project(where: Path) -> Path:
    """The example project, trained, published and promoted to prod (v0.0.1)."""
    root = where / "proj"
    run([*MLCI, "init", str(root), "--remote", str(where / "remote")], cwd=where)
    run([*MLCI, "repro"], cwd=root)
    run(["git", "add", "-A"], cwd=root)
    run(["git", "-c", "user.name=bench", "-c", "user.email=b@x", "commit", "-qm", "init"],
        cwd=root)
    run([*MLCI, "publish", "classifier", "--stage", "staging", "--no-push"], cwd=root)
    run([*MLCI, "promote", "classifier", "v0.0.1", "prod", "--no-push"], cwd=root)
    return root


def mlflow_python() -> Path:
    python = MLFLOW_VENV / "bin" / "python"
    if not python.exists():
        import sklearn

        print(f"making {MLFLOW_VENV} (MLflow, scikit-learn {sklearn.__version__})", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(MLFLOW_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "mlflow",
                        f"scikit-learn=={sklearn.__version__}", "pandas"], check=True)
    return python


def mlflow_model(root: Path, where: Path) -> Path:
    """The same verified model file, saved as an MLflow model (the sklearn flavour)."""
    bundle = where / "bundle"
    run([*MLCI, "models", "get", "classifier#prod", "--bundle", "-o", str(bundle)], cwd=root)
    target = where / "mlflow-model"
    script = ("import pickle, sys, mlflow.sklearn; model = pickle.load(open(sys.argv[1], 'rb'));"
              " mlflow.sklearn.save_model(model, sys.argv[2])")
    run([str(mlflow_python()), "-c", script, str(bundle / "model.pkl"), str(target)], cwd=where)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(args: list[str], cwd: Path, port: int, ready: str) -> subprocess.Popen[bytes]:
    import httpx

    process = subprocess.Popen(args, cwd=cwd, env=_env(args), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{ready}", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    sys.exit(f"{' '.join(args)} never became ready")


def one_row(root: Path) -> bytes:
    lines = (root / "data" / "prepared" / "test.csv").read_text().splitlines()
    header, first = lines[0].split(","), lines[1].split(",")
    columns = [c for c in header if c != "target"]
    row = [float(v) for c, v in zip(header, first, strict=True) if c != "target"]
    return json.dumps({"dataframe_split": {"columns": columns, "data": [row]}}).encode()


def load_wrk(url: str, body: bytes, seconds: int, connections: int,
             where: Path) -> tuple[float, float]:
    """(requests/s, p99 seconds) from wrk; non-2xx answers abort the benchmark."""
    script = where / "post.lua"
    script.write_text("wrk.method = 'POST'\nwrk.headers['Content-Type'] = 'application/json'\n"
                      f"wrk.body = {json.dumps(body.decode())}\n")
    out = run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
               str(script), url], cwd=where).stdout
    if "Non-2xx" in out:
        sys.exit(f"errors under load:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return rate, float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


def load_httpx(url: str, body: bytes, seconds: int, connections: int) -> tuple[float, float]:
    import asyncio

    import httpx

    async def main() -> tuple[float, float]:
        latencies: list[float] = []
        stop = time.perf_counter() + seconds
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=connections)) as client:
            async def worker() -> None:
                while time.perf_counter() < stop:
                    start = time.perf_counter()
                    answer = await client.post(url, content=body,
                                               headers={"content-type": "application/json"})
                    answer.raise_for_status()
                    latencies.append(time.perf_counter() - start)
            await asyncio.gather(*(worker() for _ in range(connections)))
        latencies.sort()
        return len(latencies) / seconds, latencies[int(len(latencies) * 0.99)]
    return asyncio.run(main())


def measure(url: str, body: bytes, seconds: int, connections: int,
            where: Path) -> tuple[float, float]:
    if shutil.which("wrk"):
        return load_wrk(url, body, seconds, connections, where)
    return load_httpx(url, body, seconds, connections)


def serve_bench(root: Path, model: Path, args: argparse.Namespace,
                where: Path) -> dict[str, tuple[float, float]]:
    body = one_row(root)
    servers = {
        "mlci": ([*MLCI, "serve", "classifier#prod", "--port"], "/v2/health/ready"),
        "mlflow": ([str(MLFLOW_VENV / "bin" / "mlflow"), "models", "serve", "-m", str(model),
                    "--env-manager", "local", "--workers", "1", "--port"], "/ping"),
    }
    results = {}
    for name, (command, ready) in servers.items():
        port = free_port()
        process = start([*command, str(port)], root, port, ready)
        url = f"http://127.0.0.1:{port}/invocations"
        try:
            measure(url, body, 2, args.connections, where)  # warm-up
            results[name] = measure(url, body, args.seconds, args.connections, where)
        finally:
            process.terminate()
            process.wait(timeout=60)
    return results


def big_csv(root: Path, rows: int, path: Path) -> Path:
    """`rows` rows like the test split (resampled, jittered), written with pyarrow."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(root / "data" / "prepared" / "test.csv").drop(["target"])
    base = np.column_stack([table.column(i).to_numpy() for i in range(table.num_columns)])
    rng = np.random.default_rng(0)
    with pacsv.CSVWriter(path, table.schema) as writer:
        for start in range(0, rows, 500_000):
            n = min(500_000, rows - start)
            picked = base[rng.integers(0, len(base), n)] * rng.normal(1.0, 0.01, (n, 1))
            writer.write(pa.table({name: picked[:, i] for i, name in
                                   enumerate(table.column_names)}))
    return path


def predict_bench(root: Path, model: Path, rows: int, where: Path,
                  repeat: int) -> dict[str, float]:
    """Best wall time of `repeat` runs each, the two tools alternating (a shared machine's
    load moves between runs; the best run is the least disturbed one)."""
    source = big_csv(root, rows, where / "big.csv")
    commands = {
        "mlci": [*MLCI, "predict", "classifier#prod", str(source), "-o", str(where / "out.csv")],
        "mlflow": [str(MLFLOW_VENV / "bin" / "mlflow"), "models", "predict", "-m", str(model),
                   "-i", str(source), "-o", str(where / "out.json"), "-t", "csv",
                   "--env-manager", "local"],
    }
    timings: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            start = time.perf_counter()
            run(command, cwd=root)
            timings[name].append(time.perf_counter() - start)
    source.unlink()
    return {name: min(times) for name, times in timings.items()}


def peak_rss(root: Path, rows: int, where: Path) -> float:
    """Peak RSS (MB) of `mlci predict` on `rows` rows, measured by a wrapper process."""
    source = big_csv(root, rows, where / "huge.csv")
    wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = run([sys.executable, "-c", wrapper, *MLCI, "predict", "classifier#prod", str(source),
               "-o", str(where / "huge-out.parquet")], cwd=root).stdout
    source.unlink()
    return int(out.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--batch-rows", type=int, default=1_000_000)
    parser.add_argument("--rss-rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="batch runs per tool (best)")
    parser.add_argument("--skip-rss", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlci-bench-serve-") as tmp:
        where = Path(tmp)
        root = project(where)
        model = mlflow_model(root, where)
        served = serve_bench(root, model, args, where)
        (mlci_rate, mlci_p99), (mlflow_rate, mlflow_p99) = served["mlci"], served["mlflow"]
        print(f"serve, 1-row requests, {args.connections} connections, {args.seconds}s each:")
        print(f"  mlci    {mlci_rate:8.0f} req/s   p99 {mlci_p99 * 1000:7.2f} ms")
        print(f"  mlflow  {mlflow_rate:8.0f} req/s   p99 {mlflow_p99 * 1000:7.2f} ms")
        print(f"  throughput ratio mlci/mlflow {mlci_rate / mlflow_rate:.2f}x (target >= 2), "
              f"p99 ratio {mlci_p99 / mlflow_p99:.2f}x (target <= 0.5)")
        timings = predict_bench(root, model, args.batch_rows, where, args.repeat)
        print(f"predict, {args.batch_rows:,}-row CSV, best of {args.repeat}: mlci "
              f"{timings['mlci']:.1f}s, mlflow "
              f"{timings['mlflow']:.1f}s: {timings['mlflow'] / timings['mlci']:.1f}x faster "
              "(target >= 3)")
        if not args.skip_rss:
            rss = peak_rss(root, args.rss_rows, where)
            print(f"mlci predict, {args.rss_rows:,} rows: peak RSS {rss:.0f} MB (target < 500)")


if __name__ == "__main__":
    main()
