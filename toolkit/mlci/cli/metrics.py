"""`mlci diff`, `mlci gate` and `mlci report`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlci.cli import app, options

if TYPE_CHECKING:
    from mlci.metrics.rules import GateResult


@app.command("diff", short_help="Metrics and params of two revisions, as DVC diffs them.",
             help="Compare metrics and params of two revisions (default: HEAD vs the workspace), "
             "with the same numbers as `dvc metrics diff` / `dvc params diff`; --json is "
             "DVC-shaped, plus direction and verdict per metric.")
def diff_command(
    a_rev: str = typer.Argument("HEAD", metavar="[A_REV]", show_default=False,
                                help="Old revision (default: HEAD)."),
    b_rev: str | None = typer.Argument(None, metavar="[B_REV]", help="New revision (default: the "
                                "workspace; `workspace` names it too)."),
    as_json: bool = options.JSON,
    as_md: bool = typer.Option(False, "--md", help="Print Markdown tables."),
    show_all: bool = typer.Option(False, "--all", help="Include unchanged metrics and params."),
    targets: list[str] | None = typer.Option(None, "--targets", metavar="PATH",
                                      help="Only these metrics/params files; repeatable."),
) -> None:
    from mlci.metrics.comparison import DiffRequest, compare
    from mlci.metrics.table import render

    if as_json and as_md:
        raise typer.BadParameter("choose one of --json and --md", param_hint="'--json'")
    result = compare(DiffRequest(options.project(), a_rev, b_rev, show_all,
                                 tuple(targets or ())))
    for note in result.notes():  # DVC warns too; mlci says which file, where and why
        print(f"mlci: warning: {note}", file=sys.stderr)
    options.emit(result, as_json, lambda: render(result, as_markdown=as_md))


@app.command("gate", short_help="Judge metrics by mlci.yaml's gate: exit 0 pass, 1 fail.",
             help="Check metrics against the policy in mlci.yaml: absolute bounds at head, "
             "regression bounds vs base. Exit 0 pass, 1 fail.")
def gate_command(
    base: str | None = typer.Option(None, "--base", metavar="REV",
                             help="Revision to measure regressions against (default: none)."),
    head: str | None = typer.Option(None, "--head", metavar="REV",
                             help="Revision to judge (default: the workspace)."),
    as_json: bool = options.JSON,
    status: bool = typer.Option(False, "--status", help="Also set commit status mlci/gate on the "
                                "head commit (the PR head from the CI event, or --head)."),
    from_json: Path | None = typer.Option(None, "--from-json", metavar="FILE",
                                          help="Read no metrics: judge the base and head values "
                                          "in FILE (written by `mlci gate --json`, e.g. a train "
                                          "run's artifact) by this checkout's mlci.yaml; the "
                                          "file's own rules and verdict are ignored. The values "
                                          "of a fork's pull request are still the fork's, so "
                                          "its status says 'unverified (fork)'. With --status, "
                                          "exits 0 once "
                                          "the status is set, whatever the verdict."),
    privacy: Path | None = typer.Option(None, "--privacy", metavar="FILE", help="Also fail "
                                        "when the privacy scan result in FILE (`mlci data scan "
                                        "--output FILE`) flags anything."),
    config_rev: str | None = typer.Option(None, "--config-rev", metavar="REV", help="With "
                                          "--from-json: judge by mlci.yaml as committed at REV "
                                          "(the target branch), not by the checkout's, which a "
                                          "merge request's own branch may have loosened."),
) -> None:
    import os

    from mlci.cli.comment import notify, status_line
    from mlci.forge.status import set_gate_status
    from mlci.metrics.gate import gate, rejudge, status_sha

    if from_json is not None and (base is not None or privacy is not None):
        raise typer.BadParameter("--from-json takes the values from FILE",
                                 param_hint="'--base'" if base is not None else "'--privacy'")
    if config_rev is not None and from_json is None:
        raise typer.BadParameter("judges the values of --from-json FILE only",
                                 param_hint="'--config-rev'")
    project = options.project()
    result = (rejudge(project, from_json, config_rev) if from_json is not None
              else gate(project, base, head, privacy=privacy))
    options.emit(result, as_json, lambda: _gate_text(result, project.has_config))
    if status:
        done = set_gate_status(result.passed, result.describe(), status_sha(project, head),
                               os.environ, notify)
        print(status_line(done), file=sys.stderr if as_json else sys.stdout)
    # judging an artifact's values for a status, the verdict travels in the status: the run
    # that produced the values has already failed, the one posting the status need not
    if not result.passed and not (status and from_json is not None):
        raise typer.Exit(1)


def _gate_text(result: GateResult, has_config: bool) -> str:
    from tabulate import tabulate

    from mlci.metrics.diff import fmt

    if not result.rules and not has_config:
        return ("no gate: this project has no mlci.yaml (`mlci init` writes one with its "
                "metrics; add thresholds to gate them)")
    rows = [(r.metric, r.rule, "" if r.threshold is None else fmt(r.threshold),
             "" if r.base is None else fmt(r.base), "" if r.head is None else fmt(r.head),
             r.outcome, r.reason) for r in result.rules]
    table = str(tabulate(rows, headers=["metric", "rule", "threshold", "base", "head", "result",
                                        "reason"], tablefmt="simple", disable_numparse=True))
    return (table + "\n\n" if rows else "") + str(result.describe())


@app.command("report", short_help="Write the pull-request report (Markdown).",
             help="Write the Markdown metrics report that CI posts to a pull request.")
def report_command(
    base: str | None = typer.Option(None, "--base", metavar="REV", help="Base revision "
                                    "(default: the merge-base of HEAD with the default branch)."),
    head: str | None = typer.Option(None, "--head", metavar="REV",
                                    help="Head revision (default: the workspace)."),
    output: str = options.OUTPUT,
    trend: int = typer.Option(10, "--trend", min=0, metavar="N", help="Trend charts over the "
                              "last N commits of the default branch plus head (0: none)."),
    privacy: Path | None = typer.Option(None, "--privacy", metavar="FILE", help="Show the privacy "
                                 "scan result in FILE (`mlci data scan --output FILE`, masked) "
                                 "under Data checks, and gate on it."),
) -> None:
    from mlci.report.collect import ReportRequest, build

    options.write(build(ReportRequest(options.project(), base, head, trend, privacy)), output)
