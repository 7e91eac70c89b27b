"""`mlci publish`, `mlci promote` and `mlci models list/show/history/get`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mlci.cli import app, options

if TYPE_CHECKING:
    from mlci.forge.job import Context
    from mlci.metrics.rules import GateResult
    from mlci.release.publish import Published

models_app = typer.Typer(
    name="models", no_args_is_help=True, pretty_exceptions_show_locals=False,
    short_help="The model registry: list, show, history, get.",
    help="The model registry (git tags in GTO's format): list, show, history, get.",
)
app.add_typer(models_app, name="models")


def _gate_failed(gate: GateResult, what: str) -> None:
    print(f"mlci: error: {gate.describe()}; {what}", file=sys.stderr)
    for rule in gate.failures:
        print(f"  {rule.metric} {rule.rule}: {rule.reason}", file=sys.stderr)
    raise typer.Exit(1)


@app.command("publish", short_help="Gate, push and tag a model version (GTO format).",
             help="Publish a model version: gate it, push its artifact to the DVC remote, "
             "tag it (NAME@vX.Y.Z, GTO format) and push the tags.")
def publish_command(
    name: str = typer.Argument(..., help="Artifact name from the `artifacts:` of dvc.yaml."),
    rev: str = typer.Option("HEAD", "--rev", help="Commit to publish (on a publish.branches "
                            "branch, its pipeline up to date)."),
    version: str | None = typer.Option(None, "--version", help="Register exactly this version, "
                                "e.g. v1.2.0."),
    bump: str | None = typer.Option(None, "--bump", metavar="major|minor|patch",
                             help="Bump the latest version (default: patch)."),
    stage: str | None = typer.Option(None, "--stage", help="Also assign this stage."),
    push: bool | None = typer.Option(None, "--push/--no-push", help="Push the tags (default: when "
                              "the repository has a git remote)."),
    remote: str | None = typer.Option(None, "--remote", help="Git remote for the tags "
                               "(default: origin, or the only remote)."),
    release: bool | None = typer.Option(None, "--release/--no-release", help="Create the GitHub/"
                                 "GitLab release with the model card (default: in CI with "
                                 "a forge token)."),
    as_json: bool = options.JSON,
) -> None:
    from mlci.release.publish import PublishRequest, publish

    if bump is not None and bump not in ("major", "minor", "patch"):
        raise typer.BadParameter("expected major, minor or patch", param_hint="'--bump'")
    request = PublishRequest(options.project(), name, rev, version, bump, stage, push, remote)
    context = _forge_context() if _wants_release(release) else None  # fail before tagging
    result = publish(request)
    if result.gate is not None and not result.registered:
        if as_json:
            print(json.dumps(result.to_json(), indent=2))
        _gate_failed(result.gate, "nothing was published")
    release_url = _release(context, result) if context is not None else None
    if as_json:
        print(json.dumps(result.to_json(release_url), indent=2))
    else:
        _print_published(result, release_url)


def _print_published(result: Published, release_url: str | None) -> None:
    if result.gate is not None:
        print(result.gate.describe())
    done = "was already published as" if result.already else "published"
    print(f"{result.commit[:7]} {done} {result.name} {result.version}: {', '.join(result.tags)}")
    print(f"pushed the tags to {result.remote}" if result.remote
          else "tags are local only (no git remote, or --no-push)")
    if release_url:
        print(f"release: {release_url}")


def _wants_release(flag: bool | None) -> bool:
    """--release, or by default: in CI with a forge token."""
    if flag is not None:
        return flag
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("MLCI_GITLAB_TOKEN")
    return bool(os.environ.get("CI") and token)


def _forge_context() -> Context:
    from mlci.forge.job import detect

    return detect(os.environ)


def _release(context: Context, result: Published) -> str:
    from mlci.forge.release import ensure_release

    made = ensure_release(context, result.tags[0], f"{result.name} {result.version}",
                          result.card, result.commit,
                          lambda message: print(message, file=sys.stderr))
    return made.url


@app.command("promote", short_help="Move a version into a stage, in publish.stages order.",
             help="Assign a stage to an existing version (in publish.stages order, past the "
             "gate against the stage's current holder).")
def promote_command(
    name: str = typer.Argument(..., help="Model name."),
    version: str = typer.Argument(..., help="Version to promote, e.g. v1.2.0."),
    stage: str = typer.Argument(..., help="Stage to assign, e.g. prod."),
    push: bool | None = typer.Option(None, "--push/--no-push", help="Push the tag (default: when "
                              "the repository has a git remote)."),
    remote: str | None = typer.Option(None, "--remote", help="Git remote for the tag."),
    as_json: bool = options.JSON,
) -> None:
    from mlci.registry.promotion import PromoteRequest, promote

    result = promote(PromoteRequest(options.project(), name, version, stage, push, remote))
    if not result.tag:
        _gate_failed(result.gate, "nothing was promoted")
    options.emit(result, as_json, lambda: f"{result.gate.describe()}\n{result.name} "
                 f"{result.version} is now in {result.stage} ({result.tag})"
                 + (f"; pushed to {result.remote}" if result.remote else "; tag is local only"))


@models_app.command("list", help="Every model: latest version and the version in each stage.")
def list_command(
    as_json: bool = options.JSON,
) -> None:
    from mlci.registry.models import Listing, list_models

    def text(listing: Listing) -> str:
        stages = sorted({s for m in listing.models.values() for s in m.stages})
        rows = [[name, m.latest.version if m.latest else "-",
                 *[m.stages[s].version if s in m.stages else "-" for s in stages]]
                for name, m in listing.models.items()]
        rows += [[name, "-", *["-"] * len(stages)] for name in listing.unpublished]
        if not rows:
            return ("no models: declare one under `artifacts:` in dvc.yaml, then "
                    "`mlci publish NAME`")
        return _table(["model", "latest", *stages], rows)

    listing = list_models(options.project().root)
    options.emit(listing, as_json, lambda: text(listing))


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    from tabulate import tabulate

    return str(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))


@models_app.command("show", help="A model's versions: commit, date, stages and key metrics.")
def show_command(
    name: str = typer.Argument(..., help="Model name."),
    as_json: bool = options.JSON,
) -> None:
    from mlci.registry.models import versions

    project = options.project()
    found = versions(project, name)
    keys = list(project.config.metrics)[:4]
    rows = [[v.version, v.commit[:7], _date(v.date), ", ".join(v.stages) or "-",
             *[_metric(found.metrics[v.version], k) for k in keys]] for v in found.model.versions]
    options.emit(found, as_json,
                 lambda: _table(["version", "commit", "date", "stages", *keys], rows))


def _date(iso: str) -> str:
    """`2026-01-02T10:00:00+02:00` as `2026-01-02 10:00:00 +02:00`: the tagger's zone kept."""
    import re

    return re.sub(r"([+-]\d\d:?\d\d|Z)$", r" \1", iso.replace("T", " ", 1))


def _metric(values: dict[str, Any], key: str) -> str:
    from mlci.metrics.diff import fmt

    return fmt(values[key]) if key in values else "-"


@models_app.command("history", short_help="Registrations and stage assignments, in order.",
                    help="Registrations and stage assignments in order (by SemVer and counter).")
def history_command(
    name: str = typer.Argument(..., help="Model name."),
    as_json: bool = options.JSON,
) -> None:
    from mlci.registry import models

    model = models.find(models.load(options.project().root), name)
    if as_json:
        print(json.dumps([e.to_json() for e in model.history], indent=2))
        return
    print(_table(["#", "event", "version", "stage", "commit", "tag"],
                 [[e.counter or "", e.action.value, e.version or "-", e.stage or "-",
                   e.commit[:7], e.tag] for e in model.history]))


@models_app.command("get", short_help="Download a version's artifact, verified (NAME, "
                    "NAME@vX.Y.Z, NAME#STAGE).",
                    help="Download a version's artifact, verified against the md5 its commit "
                    "records in dvc.lock (a mismatch is refused, nothing is written): NAME "
                    "(latest), NAME@vX.Y.Z or NAME#STAGE.")
def get_command(
    ref: str = typer.Argument(..., metavar="NAME[@vX.Y.Z|#STAGE]", help="What to fetch."),
    out: str | None = typer.Option(None, "-o", "--out", metavar="PATH", help="Where to write it "
                            "(default: the artifact's file name in the current directory)."),
    force: bool = typer.Option(False, "--force", help="Overwrite PATH if it exists."),
    bundle: bool = typer.Option(False, "--bundle", help="Write a directory with the model file "
                                "and mlci-model.json (what `mlci serve --bundle` and the "
                                "deploy image serve)."),
    as_json: bool = options.JSON,
) -> None:
    from mlci.serving.fetch import get

    fetched = get(options.project(), ref, Path(out) if out else None, force, bundle)
    found = fetched.located
    options.emit(fetched, as_json, lambda: f"{fetched.out}: {found.name} {found.version} "
                 f"({found.commit[:7]}, {found.path}, md5 {found.md5} verified)")
