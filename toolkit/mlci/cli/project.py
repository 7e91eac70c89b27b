"""`mlci init` and `mlci repro`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from mlci.cli import app


@app.command(help="Make PATH an mlci project: git, DVC, the example pipeline, a DVC remote.")
def init(
    path: Path = typer.Argument(Path("."), help="Directory to initialise (created if missing)."),
    remote: str = typer.Option(
        None, "--remote", help="DVC remote URL (s3://..., a local path ...); default: a local "
        "directory outside the repo, configured for this machine only.",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
) -> None:
    from mlci.project import InitRequest
    from mlci.project import init as run_init

    result = run_init(InitRequest(path=path, remote=remote, force=force))
    for step in result.steps:
        print(step)
    for label, files in (("created", result.created), ("overwrote", result.overwritten),
                         ("skipped (exists; --force to overwrite)", result.skipped)):
        if files:
            print(f"{label}: {', '.join(files)}")
    print(f"\nnext: cd {result.root} && mlci repro && git add -A && git commit -m 'mlci init'")


@app.command(help="Reproduce the pipeline through DVC, exactly as CI runs it, then show metrics.")
def repro(
    targets: list[str] = typer.Argument(None, help="Stages or dvc.yaml files (default: all)."),
    pull: bool = typer.Option(
        False, "--pull", help="Fetch missing data, outputs and run-cache from the DVC remote first."
    ),
    push: bool = typer.Option(
        False, "--push", help="After success, push outputs and the run-cache to the DVC remote."
    ),
    set_param: list[str] = typer.Option(
        None, "-S", "--set-param", metavar="[FILE:]KEY=VALUE",
        help="Override a parameter for this run (written to params.yaml); repeatable.",
    ),
    force: bool = typer.Option(False, "--force", help="Run every stage even if unchanged."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would run; change nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a machine-readable summary."),
) -> None:
    from mlci import gitrepo, params
    from mlci.pipeline import ReproRequest
    from mlci.repro import repro as run_repro

    overrides = []
    for text in set_param or []:
        try:
            overrides.append(params.parse_override(text))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="'-S'") from None
    root = gitrepo.find_root(Path.cwd())
    request = ReproRequest(
        root=root, targets=tuple(targets or ()), pull=pull, push=push, force=force,
        dry_run=dry_run, to_stderr=as_json,
    )
    outcome = run_repro(request, overrides)
    if as_json:
        print(json.dumps(_summary(outcome), indent=2))
    else:
        print(_render(outcome))


def _summary(outcome: Any) -> dict[str, Any]:
    result = outcome.result
    return {
        "params": [{"param": k, "old": old, "new": new} for k, old, new in outcome.changes],
        "stages": [
            {"name": s.name, "status": s.status, "seconds": round(s.seconds, 3)}
            for s in result.stages
        ],
        "metrics": outcome.metrics.head.flat_metrics() if outcome.metrics else {},
        "metrics_vs_head": outcome.metrics.metrics if outcome.metrics else None,
        "pushed": result.pushed,
    }


def _render(outcome: Any) -> str:
    from tabulate import tabulate

    from mlci.pipeline import STATUSES

    result = outcome.result
    lines = [""]
    for key, old, new in outcome.changes:
        lines.append(f"param {key}: {old} -> {new}")
    rows = [(s.name, STATUSES[s.status], f"{s.seconds:.1f}s") for s in result.stages]
    lines.append(tabulate(rows, headers=["stage", "status", "time"], tablefmt="simple"))
    if result.pushed is not None:
        lines.append(f"\npushed {result.pushed} file(s) and the run-cache to the DVC remote")
    lines.append("")
    if outcome.metrics is not None:
        from mlci.difftable import render

        lines.append(render(outcome.metrics, params=False))
    else:
        lines.append(f"metrics vs HEAD unavailable: {outcome.metrics_error}")
    return "\n".join(lines)
