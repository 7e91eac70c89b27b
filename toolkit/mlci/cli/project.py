"""`mlci init` and `mlci repro`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlci.cli import app, options

if TYPE_CHECKING:
    from mlci.project.scaffold import InitResult
    from mlci.training.experiment import ReproOutcome


@app.command("init", short_help="Make a directory an mlci project, or adopt a DVC project.",
             help="Make PATH an mlci project: git, DVC, the example pipeline, a DVC remote. "
             "In an existing DVC project (a dvc.yaml), write only mlci.yaml, from its metrics "
             "and models, and the CI workflows.")
def init_command(
    path: Path = typer.Argument(Path(), help="Directory to initialise (created if missing)."),
    remote: str | None = typer.Option(
        None, "--remote", help="DVC remote URL (s3://..., a local path ...); default: a local "
        "directory outside the repo, configured for this machine only (an existing DVC "
        "project keeps its own).",
    ),
    remote_endpoint: str | None = typer.Option(
        None, "--remote-endpoint", metavar="URL", help="With an s3:// --remote: the URL of an "
        "S3-compatible server (MinIO, Ceph ...), written as the remote's `endpointurl`.",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
    example: bool = typer.Option(
        False, "--example", help="Write the example pipeline even where a dvc.yaml exists."),
    forge: options.ForgeOrAll | None = typer.Option(
        None, "--forge", show_default=False, help="Which forge's CI files to write (mlci.yaml's "
        "ci.forges; default: from the origin remote's URL, else both)."),
) -> None:
    from mlci.ci.generate import GenerateRequest, generate
    from mlci.project.context import Project
    from mlci.project.scaffold import InitRequest, init

    if remote_endpoint is not None and not (remote or "").startswith("s3://"):
        raise typer.BadParameter("needs an s3:// --remote", param_hint="'--remote-endpoint'")
    if remote_endpoint is not None and not remote_endpoint.startswith(("http://", "https://")):
        raise typer.BadParameter(f"expected an http(s):// URL, got {remote_endpoint!r}",
                                 param_hint="'--remote-endpoint'")
    result = init(InitRequest(path=path, remote=remote, force=force,
                              remote_endpoint=remote_endpoint, example=example,
                              forges=options.forges(forge)))
    # after the remote: the workflows pull and push only when .dvc/config names one
    ci = generate(GenerateRequest(Project(result.root), force=force)).files
    for step in result.steps:
        print(step)
    for label, files, statuses in (
        ("created", result.created, ("created",)),
        ("overwrote", result.overwritten, ("updated", "overwritten")),
        ("skipped (exists; --force to overwrite)", result.skipped, ("unchanged", "skipped")),
    ):
        files = (*files, *(f.path for f in ci if f.status in statuses))
        if files:
            print(f"{label}: {', '.join(files)}")
    _print_adoption(result)


def _print_adoption(result: InitResult) -> None:
    """What mlci.yaml now says, what CI would miss, and what to run next."""
    if result.metrics:
        print("metrics in mlci.yaml (directions guessed from their names; check them, then "
              "add thresholds to gate them): " + ", ".join(
                  f"{name} {direction}" for name, direction in result.metrics.items()))
    for warning in result.warnings:
        print(f"mlci: warning: {warning}", file=sys.stderr)
    install = ""
    if result.missing_here:
        print(f"not installed in this Python: {', '.join(result.missing_here)} (the stages "
              "import them)")
        install = "pip install -r requirements.txt && "
    where = "" if result.root == Path.cwd().resolve() else f"cd {result.root} && "
    print(f"\nnext: {where}{install}mlci repro && git add -A && git commit -m 'mlci init'")


@app.command("repro", short_help="Reproduce the DVC pipeline as CI does, then show metrics.",
             help="Reproduce the pipeline through DVC, exactly as CI runs it, then show metrics.")
def repro_command(
    targets: list[str] | None = typer.Argument(
        None, help="Stages or dvc.yaml files (default: all)."),
    pull: bool = typer.Option(
        False, "--pull", help="Fetch missing data, outputs and run-cache from the DVC remote first."
    ),
    push: bool = typer.Option(
        False, "--push", help="After success, push outputs and the run-cache to the DVC remote."
    ),
    set_param: list[str] | None = typer.Option(
        None, "-S", "--set-param", metavar="[FILE:]KEY=VALUE",
        help="Override a parameter for this run (written to params.yaml); repeatable.",
    ),
    force: bool = typer.Option(False, "--force", help="Run every stage even if unchanged."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would run; change nothing."
    ),
    as_json: bool = options.JSON,
) -> None:
    from mlci import pipeline
    from mlci.project import params
    from mlci.training.experiment import RunRequest, run

    overrides = []
    for text in set_param or []:
        try:
            overrides.append(params.parse_override(text))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="'-S'") from None
    project = options.project()
    request = pipeline.ReproRequest(
        root=project.root, targets=tuple(targets or ()), pull=pull, push=push, force=force,
        dry_run=dry_run, to_stderr=as_json,
    )
    outcome = run(RunRequest(project, request, overrides))
    # stdout stays JSON on failure too (a sweep reads it); the error goes to stderr as well
    if as_json or outcome.raised is None:
        options.emit(outcome, as_json, lambda: _render(outcome))
    if outcome.raised is not None:
        raise outcome.raised


def _render(outcome: ReproOutcome) -> str:
    from tabulate import tabulate

    from mlci.metrics.table import render
    from mlci.pipeline import STATUSES

    lines = [""]
    for key, old, new in outcome.changes:
        lines.append(f"param {key}: {old} -> {new}")
    rows = [(s.name, STATUSES[s.status], f"{s.seconds:.1f}s") for s in outcome.stages]
    lines.append(tabulate(rows, headers=["stage", "status", "time"], tablefmt="simple"))
    if outcome.pushed is not None:
        lines.append(f"\npushed {outcome.pushed} file(s) and the run-cache to the DVC remote")
    lines.append("")
    if outcome.comparison is not None:
        lines.append(render(outcome.comparison, params=False))
    else:
        lines.append(f"metrics vs HEAD unavailable: {outcome.metrics_error}")
    return "\n".join(lines)
