"""`mlci monitor` and `mlci retrain`: the continuous-training loop."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import typer

from mlci.cli import app, options


def _progress() -> Callable[[int], None] | None:
    """Rows read so far, on one stderr line, when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    done = [0]

    def show(rows: int) -> None:
        done[0] += rows
        print(f"\rmlci monitor: {done[0]:,} rows read", end="", file=sys.stderr, flush=True)

    return show


@app.command("monitor", short_help="Drift and live KPIs of a model version on fresh data.",
             help="Compare fresh data with what a model version was trained on: per-column "
             "drift with Evidently's tests, prediction drift, KPIs on labelled rows (the "
             "`performance` rules of mlci.yaml), data quality. Exit 0 healthy, 1 drift or a "
             "KPI breach.")
def monitor_command(
    ref: str | None = typer.Argument(
        None, metavar="[REF]", help="NAME#STAGE, NAME@vX.Y.Z or NAME (default: the monitored "
        "model in publish.compare_to)."),
    current: str | None = typer.Option(
        None, "--current", metavar="PATH", help="Fresh data: a CSV/Parquet/JSONL file or a "
        "directory of them, a URL DVC reads (s3://...), or REV:PATH (default: "
        "monitor.NAME.current)."),
    reference: Path | None = typer.Option(
        None, "--reference", metavar="PATH", help="Compare with this table or profile JSON "
        "instead of the version's training data."),
    as_json: bool = options.JSON,
    output: Path | None = typer.Option(
        None, "--output", metavar="FILE.md", help="Write the Markdown report to this file."),
    sample: int | None = typer.Option(
        None, "--sample", metavar="N", help="Read at most the first N rows of each side (a "
        "profile published with the version is used whole)."),
) -> None:
    from mlci.monitoring import report
    from mlci.monitoring.monitor import MonitorRequest, monitor
    from mlci.shared.files import atomic_write

    progress = _progress()
    result = monitor(MonitorRequest(options.project(), ref, current, reference, sample,
                                    progress))
    if progress is not None:
        print(file=sys.stderr)
    if output is not None:
        atomic_write(output, report.render(result))
    if as_json:
        print(json.dumps(report.to_json(result), indent=2))
    elif output is None:
        print(report.render(result), end="")
    else:
        print(f"{'healthy' if result.healthy else 'unhealthy'}: {report.headline(result)}")
    raise typer.Exit(0 if result.healthy else 1)


@app.command("retrain", short_help="Retrain on fresh data: one branch, one pull request.",
             help="On the branch mlci/retrain/NAME (restarted from the default branch): run "
             "monitor.NAME.retrain.run, reproduce the pipeline, commit what changed, push the "
             "branch and the DVC outputs; with --open-pr open or update its ONE pull request "
             "(GitLab: merge request).")
def retrain_command(
    name: str = typer.Argument(..., help="The model (a key of monitor: in mlci.yaml)."),
    open_pr: bool = typer.Option(False, "--open-pr", help="Open the pull request, or update "
                                 "the one already open (token: MLCI_PR_TOKEN, else "
                                 "GITHUB_TOKEN / MLCI_GITLAB_TOKEN)."),
    report: Path | None = typer.Option(
        None, "--report", metavar="FILE", help="The monitoring report (mlci monitor "
        "--output): the pull request's body."),
) -> None:
    from mlci.cli.comment import notify
    from mlci.monitoring.retrain import RetrainRequest, retrain

    result = retrain(RetrainRequest(options.project(), name, open_pr, report), notify)
    if result.commit is None:
        print(f"retrain {name}: nothing changed, so no commit and no pull request")
        return
    where = f", pushed to {result.remote}" if result.remote else " (no git remote: not pushed)"
    print(f"retrain {name}: committed {result.commit[:7]} on {result.branch}{where}")
    for plan in result.planned:
        print(f"would {plan} (dry run)")
    if result.pull is not None:
        print(f"{result.pull.action} pull request #{result.pull.number}"
              + (f": {result.pull.url}" if result.pull.url else ""))
    if result.trigger:
        print(f"checks: {result.trigger}")
