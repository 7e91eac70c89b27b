"""`mlci sweep`, `mlci sweep plan` and `mlci sweep collect`: mlci.yaml's parameter grid."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlci.cli import app, options

if TYPE_CHECKING:
    from mlci.project.context import Project

sweep_app = typer.Typer(
    name="sweep", no_args_is_help=False, pretty_exceptions_show_locals=False,
    short_help="Run mlci.yaml's parameter grid; rank the combinations.",
    help="Run mlci.yaml's parameter grid (sweep:): every combination in its own work tree "
    "sharing the DVC cache, N at a time, then a leaderboard. In CI: `plan` gives the matrix, "
    "`collect` merges what the matrix jobs uploaded.",
)
app.add_typer(sweep_app, name="sweep")


@sweep_app.callback(invoke_without_command=True)
def run(
    ctx: typer.Context,
    jobs: int = typer.Option(
        None, "--jobs", "-j", min=1, metavar="N", help="Combinations at once (default: the "
        "number of CPUs, at most the number of combinations)."),
    as_json: bool = options.JSON,
    push: bool = typer.Option(False, "--push", help="Afterwards push every run's outputs and "
                              "the run-cache to the DVC remote."),
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from mlci.cli.comment import notify
    from mlci.sweep.display import text
    from mlci.sweep.runs import SweepRequest, sweep

    project = options.project()
    board = sweep(SweepRequest(project, jobs or os.cpu_count() or 1, push), notify)
    options.emit(board, as_json, lambda: text(board, _policy_order(project)))
    if board.failed:
        raise typer.Exit(1)


@sweep_app.command("plan", short_help="The grid's combinations (the CI matrix with --json).",
                   help="Print the grid's combinations; with --json, as the GitHub Actions "
                   'matrix on one line, for $GITHUB_OUTPUT: {"include": [{"id", "overrides", '
                   '"params"}, ...]}.')
def plan_command(
    as_json: bool = options.JSON,
) -> None:
    from mlci.project import grid
    from mlci.sweep.plan import load_plan

    found = load_plan(options.project())
    if as_json:
        print(json.dumps(grid.matrix(found.combinations), separators=(",", ":")))
        return
    for combination in found.combinations:
        print(f"{combination.id}: {combination.label}")


@sweep_app.command("collect",
                   short_help="Merge CI matrix results into the Markdown leaderboard.",
                   help="Merge the results the CI matrix jobs uploaded under DIR (each: "
                   "overrides.txt + repro.json) into the leaderboard: Markdown with a Mermaid "
                   "chart of the rank metric per combination.")
def collect_command(
    directory: Path = typer.Argument(..., metavar="DIR", help="Where the jobs' artifacts are."),
    output: str = options.OUTPUT,
    as_json: bool = options.JSON,
) -> None:
    from mlci.sweep.display import markdown_report
    from mlci.sweep.uploads import collect

    project = options.project()
    board = collect(project, directory)
    text = (json.dumps(board.to_json(), indent=2) + "\n" if as_json
            else markdown_report(board, _policy_order(project)))
    options.write(text, output, f": {len(board.runs)} combinations, {len(board.failed)} failed")


def _policy_order(project: Project) -> tuple[str, ...]:
    return tuple(project.config.metrics)
