"""`mlci sweep`, `mlci sweep plan` and `mlci sweep collect`: mlci.yaml's parameter grid."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlci.cli import app

if TYPE_CHECKING:
    from mlci.sweep.leaderboard import Leaderboard

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
    as_json: bool = typer.Option(False, "--json", help="Print {runs, best} as JSON."),
    push: bool = typer.Option(False, "--push", help="Afterwards push every run's outputs and "
                              "the run-cache to the DVC remote."),
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from mlci.cli.comment import notify
    from mlci.shared import gitrepo
    from mlci.sweep.runs import SweepRequest, sweep

    root = gitrepo.find_root(Path.cwd())
    board = sweep(SweepRequest(root, jobs or os.cpu_count() or 1, push), notify)
    _print(board, root, as_json)
    if board.failed:
        raise typer.Exit(1)


@sweep_app.command(short_help="The grid's combinations (the CI matrix with --json).",
                   help="Print the grid's combinations; with --json, as the GitHub Actions "
                   "matrix (one line, for $GITHUB_OUTPUT).")
def plan(
    as_json: bool = typer.Option(False, "--json", help="Print the matrix as one line of JSON: "
                                 '{"include": [{"id", "overrides", "params"}, ...]}.'),
) -> None:
    from mlci.project import grid
    from mlci.shared import gitrepo
    from mlci.sweep.plan import load

    found = load(gitrepo.find_root(Path.cwd()))
    if as_json:
        print(json.dumps(grid.matrix(found.combinations), separators=(",", ":")))
        return
    for combination in found.combinations:
        print(f"{combination.id}: {combination.label}")


@sweep_app.command(short_help="Merge CI matrix results into the Markdown leaderboard.",
                   help="Merge the results the CI matrix jobs uploaded under DIR (each: "
                   "overrides.txt + repro.json) into the leaderboard: Markdown with a Mermaid "
                   "chart of the rank metric per combination.")
def collect(
    directory: Path = typer.Argument(..., metavar="DIR", help="Where the jobs' artifacts are."),
    output: str = typer.Option("-", "--output", "-o", metavar="FILE",
                               help="Write the leaderboard here ('-': stdout)."),
    as_json: bool = typer.Option(False, "--json", help="Print {runs, best} as JSON instead."),
) -> None:
    from mlci.shared import gitrepo
    from mlci.shared.files import atomic_write
    from mlci.sweep.collect import collect as run_collect
    from mlci.sweep.render import markdown_report

    root = gitrepo.find_root(Path.cwd())
    board = run_collect(root, directory)
    text = (json.dumps(board.to_json(), indent=2) + "\n" if as_json
            else markdown_report(board, _policy_order(root)))
    if output == "-":
        sys.stdout.write(text)
    else:
        atomic_write(Path(output), text)
        print(f"wrote {output}: {len(board.runs)} combinations, {len(board.failed)} failed",
              file=sys.stderr)


def _policy_order(root: Path) -> tuple[str, ...]:
    from mlci import config

    return tuple(config.load(root).metrics)


def _print(board: Leaderboard, root: Path, as_json: bool) -> None:
    from mlci.sweep.render import text

    if as_json:
        print(json.dumps(board.to_json(), indent=2))
    else:
        print(text(board, _policy_order(root)))
