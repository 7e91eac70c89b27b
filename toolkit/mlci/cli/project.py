"""`mlci init` and `mlci repro`."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mlci.cli import app
from mlci.errors import MlciError, StageFailed

if TYPE_CHECKING:
    from mlci.metrics.comparison import Comparison
    from mlci.pipeline import ReproResult
    from mlci.project.params import Change
    from mlci.project.scaffold import InitResult


class InitForge(str, Enum):
    github = "github"
    gitlab = "gitlab"
    all = "all"


@app.command(short_help="Make a directory an mlci project, or adopt a DVC project.",
             help="Make PATH an mlci project: git, DVC, the example pipeline, a DVC remote. "
             "In an existing DVC project (a dvc.yaml), write only mlci.yaml, from its metrics "
             "and models, and the CI workflows.")
def init(
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
    forge: InitForge = typer.Option(
        None, "--forge", show_default=False, help="Which forge's CI files to write (mlci.yaml's "
        "ci.forges; default: from the origin remote's URL, else both)."),
) -> None:
    from mlci.ci.generate import GenerateRequest, generate
    from mlci.project.scaffold import FORGES, InitRequest
    from mlci.project.scaffold import init as run_init

    if remote_endpoint is not None and not (remote or "").startswith("s3://"):
        raise typer.BadParameter("needs an s3:// --remote", param_hint="'--remote-endpoint'")
    if remote_endpoint is not None and not remote_endpoint.startswith(("http://", "https://")):
        raise typer.BadParameter(f"expected an http(s):// URL, got {remote_endpoint!r}",
                                 param_hint="'--remote-endpoint'")
    forges = None if forge is None else FORGES if forge is InitForge.all else (forge.value,)
    result = run_init(InitRequest(path=path, remote=remote, force=force,
                                  remote_endpoint=remote_endpoint, example=example,
                                  forges=forges))
    # after the remote: the workflows pull and push only when .dvc/config names one
    ci = generate(GenerateRequest(result.root, force=force)).files
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


@app.command(short_help="Reproduce the DVC pipeline as CI does, then show metrics.",
             help="Reproduce the pipeline through DVC, exactly as CI runs it, then show metrics.")
def repro(
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
    as_json: bool = typer.Option(False, "--json", help="Print a machine-readable summary."),
) -> None:
    from mlci import pipeline
    from mlci.project import params
    from mlci.shared import gitrepo

    overrides = []
    for text in set_param or []:
        try:
            overrides.append(params.parse_override(text))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="'-S'") from None
    root = gitrepo.find_root(Path.cwd())
    request = pipeline.ReproRequest(
        root=root, targets=tuple(targets or ()), pull=pull, push=push, force=force,
        dry_run=dry_run, to_stderr=as_json,
    )
    changes: list[Change] = []
    try:
        pipeline.require_project(root)
        # a dry run puts the parameters back
        with params.applied(root, overrides, keep=not dry_run) as changes:
            result = pipeline.reproduce(request)
    except MlciError as exc:
        if as_json:  # stdout stays JSON on failure too (mlci sweep reads it); error on stderr
            print(json.dumps(_failure(changes, exc), indent=2))
        raise
    outcome = ReproOutcome(tuple(changes), result, *_metrics_vs_head(root, fetch=not dry_run))
    print(json.dumps(_summary(outcome), indent=2) if as_json else _render(outcome))


@dataclass(frozen=True)
class ReproOutcome:
    changes: tuple[Change, ...]  # per -S override
    result: ReproResult
    metrics: Comparison | None  # the workspace's metrics vs HEAD's
    metrics_error: str | None = None  # why they could not be compared (the run still succeeded)


def _metrics_vs_head(root: Path, fetch: bool) -> tuple[Comparison | None, str | None]:
    from mlci.metrics.comparison import against_head

    try:
        return against_head(root, fetch), None
    except MlciError as exc:
        return None, exc.message


def _summary(outcome: ReproOutcome) -> dict[str, Any]:
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
        "error": None,
    }


def _failure(changes: list[Change], exc: MlciError) -> dict[str, Any]:
    """`--json` when the run failed: the same keys, and the error stderr shows too (with the
    stage that failed, if one did)."""
    failed = exc.stage if isinstance(exc, StageFailed) else None
    return {
        "params": [{"param": k, "old": old, "new": new} for k, old, new in changes],
        "stages": [{"name": failed, "status": "failed"}] if failed else [],
        "metrics": {}, "metrics_vs_head": None, "pushed": None,
        "error": {"message": exc.message, "hint": exc.hint, "stage": failed},
    }


def _render(outcome: ReproOutcome) -> str:
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
        from mlci.metrics.table import render

        lines.append(render(outcome.metrics, params=False))
    else:
        lines.append(f"metrics vs HEAD unavailable: {outcome.metrics_error}")
    return "\n".join(lines)
