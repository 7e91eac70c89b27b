"""`mlci serve` and `mlci predict`: the version a reference names, verified, real-time or batch."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlci.cli import app, options

if TYPE_CHECKING:
    from mlci.project.context import Project

REF_HELP = ("NAME#STAGE, NAME@vX.Y.Z or NAME (latest); default: the first model of dvc.yaml "
            "in publish.compare_to.")


def _project_or_none(bundle: Path | None) -> Project | None:
    return None if bundle is not None else options.project()


@app.command("serve", short_help="Serve a model version over HTTP (OIP v2, MLflow, Prometheus).",
             help="Serve the model version REF names, verified against the registry: Open "
             "Inference Protocol v2 (/v2/...), MLflow's /invocations, /metrics. SIGTERM "
             "finishes requests in flight, flushes the log and exits 0.")
def serve_command(
    ref: str | None = typer.Argument(None, metavar="[REF]", help=REF_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
    follow: float | None = typer.Option(
        None, "--follow", metavar="SECONDS", min=1.0, help="Poll the git remote every SECONDS; "
        "when the stage moves, verify and load the new version, then swap it in."),
    log_predictions: Path | None = typer.Option(
        None, "--log-predictions", metavar="DIR", help="Append every scored row to rotating "
        "files in DIR (privacy.exclude dropped, privacy.hash hashed)."),
    log_format: str = typer.Option("jsonl", "--log-format", metavar="jsonl|parquet",
                                   help="File format of --log-predictions."),
    max_body_mb: float = typer.Option(16.0, "--max-body-mb", min=0.001,
                                      help="Larger request bodies get 413."),
    bundle: Path | None = typer.Option(
        None, "--bundle", metavar="DIR", help="Serve a bundle written by `mlci models get "
        "--bundle` (no git repository needed: the deploy image)."),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request."),
) -> None:
    from mlci.serving.server import ServeRequest, serve

    if log_format not in ("jsonl", "parquet"):
        raise typer.BadParameter("expected jsonl or parquet", param_hint="'--log-format'")
    if bundle is not None and ref is not None:
        raise typer.BadParameter("give REF or --bundle, not both", param_hint="'--bundle'")
    _logging()
    request = ServeRequest(_project_or_none(bundle), ref, bundle, host, port, workers, follow,
                           log_predictions, log_format, max_body_mb, access_log)  # type: ignore[arg-type]
    raise typer.Exit(serve(request, lambda line: print(f"mlci serve: {line}",
                                                            file=sys.stderr, flush=True)))


def _logging() -> None:
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("mlci serve: %(levelname)s: %(message)s"))
    logger = logging.getLogger("mlci.serve")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


@app.command("predict", short_help="Score a table file with a model version, in chunks.",
             help="Score INPUT (CSV, Parquet, JSONL, or a directory of them) with the model "
             "version REF names, verified against the registry, in chunks of bounded memory. "
             "Output rows keep input order: --keep columns, prediction, proba_<class>.")
def predict_command(
    arguments: list[str] = typer.Argument(..., metavar="[REF] INPUT",
                                          help=f"REF ({REF_HELP}) and the input table."),
    output: Path | None = typer.Option(None, "-o", "--output", metavar="PATH",
                                       help="Output file (default: INPUT.predictions.csv)."),
    chunk_size: int = typer.Option(100_000, "--chunk-size", min=1, help="Rows per chunk."),
    fmt: str | None = typer.Option(None, "--format", metavar="csv|parquet|jsonl",
                                   help="Output format (default: by the output's suffix)."),
    keep: list[str] | None = typer.Option(None, "--keep", metavar="COLUMN", help="Copy this "
                                          "input column to the output (ids); repeatable."),
    bundle: Path | None = typer.Option(None, "--bundle", metavar="DIR",
                                       help="Score with a bundle (`mlci models get --bundle`)."),
    as_json: bool = options.JSON,
) -> None:
    from mlci.serving.batch import PredictRequest, predict

    if len(arguments) > 2 or (bundle is not None and len(arguments) > 1):
        raise typer.BadParameter("expected [REF] INPUT (no REF with --bundle)")
    ref, source = (arguments[0], arguments[1]) if len(arguments) == 2 else (None, arguments[0])
    request = PredictRequest(Path(source), _project_or_none(bundle), ref, bundle, output, fmt,
                             chunk_size, tuple(keep or ()))
    tty = sys.stderr.isatty()
    result = predict(request, _progress() if tty else None)
    if tty:
        print(file=sys.stderr)
    info = result.info
    options.emit(result, as_json, lambda: f"scored {result.rows} rows with {info.name} "
                 f"{info.version} ({info.commit[:7]}, md5 {info.md5} verified) -> "
                 f"{result.output} in {result.seconds:.1f}s")


def _progress() -> Callable[[int], None]:
    started = time.perf_counter()

    def show(rows: int) -> None:
        rate = rows / max(time.perf_counter() - started, 1e-9)
        print(f"\rscored {rows:,} rows ({rate:,.0f} rows/s)", end="", file=sys.stderr,
              flush=True)
    return show
