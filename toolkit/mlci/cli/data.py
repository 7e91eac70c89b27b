"""`mlci data ...`: schemas (`infer`, `validate`) and the privacy scan (`scan`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mlci.cli import app, options

if TYPE_CHECKING:
    from mlci.project.context import Project

data_app = typer.Typer(
    name="data", short_help="Data checks: schemas, validation, a privacy scan.",
    help="Data checks: infer a schema, validate tables against it, and scan the "
    "pipeline's data for personal data and secrets.",
    no_args_is_help=True, pretty_exceptions_show_locals=False,
)
app.add_typer(data_app, name="data")

_OUTPUT = typer.Option(None, "--output", "-o", metavar="FILE", help="Also write the JSON "
                       "result to FILE (what `mlci report` and `mlci gate` read).")
_EXIT_ZERO = typer.Option(False, "--exit-zero", help="Exit 0 even when the check fails (a "
                          "pipeline stage records the result in --output and carries on; "
                          "`mlci gate` fails on it later).")


@data_app.command(short_help="Write a schema (pandera YAML) inferred from a table.",
                  help="Infer a schema (pandera's YAML format) from a reference table: per "
                  "column dtype, nullable, a numeric range with a margin, the categories of "
                  "low-cardinality text columns, uniqueness where it holds. Review it: it only "
                  "says the data looks like last time.")
def infer(
    path: Path = typer.Argument(..., metavar="PATH", help="A table (CSV, Parquet, JSONL) or a "
                                "directory of them."),
    output: str = options.OUTPUT,
    margin: float = typer.Option(0.1, "--margin", min=0.0, help="Widen each observed range by "
                                 "this share of its span on both sides."),
    max_categories: int = typer.Option(20, "--max-categories", min=0, help="List the values "
                                       "of text columns with at most this many distinct ones."),
) -> None:
    from mlci.data import schemas

    schemas.require_pandera()
    text = schemas.infer(path, path.as_posix(), margin, max_categories)
    options.write(text, output, f": review it, then check data with "
                  f"`mlci data validate DATA --schema {output}`")


@data_app.command("validate", short_help="Check a table against a schema: exit 0 valid, 1 not.",
                  help="Check a table against a schema: every row, every failure, each "
                  "reported with its column, check, failing rows and at most 5 examples "
                  "(masked when they look personal). Exit 0 valid, 1 not.")
def validate_command(
    path: Path = typer.Argument(..., metavar="PATH", help="A table (CSV, Parquet, JSONL) or a "
                                "directory of them."),
    schema: Path | None = typer.Option(None, "--schema", metavar="FILE", help="The pandera YAML "
                                "schema (default: PATH's name + .schema.yaml, e.g. "
                                "data/raw.schema.yaml for data/raw.csv)."),
    as_json: bool = options.JSON,
    output: Path | None = _OUTPUT,
    exit_zero: bool = _EXIT_ZERO,
) -> None:
    from mlci.data.results import default_schema
    from mlci.data.validation import ValidateRequest, validate

    schema = schema or Path(default_schema(path.as_posix()))
    privacy = _project().config.privacy
    masked = frozenset(privacy.exclude) | frozenset(privacy.hash)
    result = validate(ValidateRequest(path, schema, masked))
    document = result.to_json()
    _write(output, document)
    print(json.dumps(document, indent=2) if as_json else _validation_text(path, schema, result))
    if not result.valid and not exit_zero:
        raise typer.Exit(1)


@data_app.command("scan", short_help="Scan data for personal data and secrets (masked).",
                  help="Scan data for personal data and secrets (e-mail addresses, phone "
                  "numbers, payment cards, IBANs, US SSNs, IP addresses, private keys, cloud "
                  "keys, tokens); values are never printed, only masked. Exit 0 clean, 1 when "
                  "anything is flagged.")
def scan_command(
    paths: list[Path] | None = typer.Argument(
        None, metavar="[PATHS]...", help="Files or directories (default: the pipeline's data: "
        "every output of dvc.yaml's stages and of .dvc files, and the tables its stages read "
        "from git)."),
    as_json: bool = options.JSON,
    output: Path | None = _OUTPUT,
    exit_zero: bool = _EXIT_ZERO,
    min_hits: int | None = typer.Option(
        None, "--min-distinct-hits", min=1, metavar="N", help="Flag a column from N distinct "
        "findings (default: mlci.yaml privacy.min_distinct_hits, else 5)."),
    min_share: float | None = typer.Option(
        None, "--min-share", min=0.0, max=1.0, metavar="SHARE", help="... that are at least "
        "SHARE of its sampled non-empty values (default: privacy.min_share, else 0.1)."),
) -> None:
    from mlci.data.scan import configured, scan

    project = options.project() if not paths else _project()
    result = scan(configured(project.root, project.config.privacy, paths or (), min_hits,
                             min_share))
    for note in result.skipped:
        print(f"mlci: skipped {note}", file=sys.stderr)
    if result.allowed:
        print(f"mlci: {len(result.allowed)} finding(s) accepted by privacy.allow in mlci.yaml",
              file=sys.stderr)
    document = result.to_json()
    _write(output, document)
    print(json.dumps(document, indent=2) if as_json else _scan_text(result))
    if result.flagged and not exit_zero:
        raise typer.Exit(1)


def _project() -> Project:
    """The project around the current directory; outside git, the directory itself (data
    checks work on any file)."""
    from mlci.project.context import Project
    from mlci.shared import gitrepo

    return Project(gitrepo.toplevel_or_none(Path.cwd()) or Path.cwd())


def _write(output: Path | None, document: dict[str, Any]) -> None:
    from mlci.shared.files import atomic_write

    if output is not None:
        atomic_write(output, json.dumps(document, indent=2) + "\n")


def _validation_text(path: Path, schema: Path, result: Any) -> str:
    rows = "" if result.rows is None else f" ({result.rows:,} rows)"
    if result.valid:
        return f"{path}: valid against {schema}{rows}"
    head = f"{path}: {len(result.failures)} check(s) failed against {schema}{rows}"
    table = [(f.column or "(table)", _cut(f.check, 60), f"{f.failing_rows:,}",
              ", ".join(_cut(json.dumps(e), 40) for e in f.examples)) for f in result.failures]
    return head + "\n" + _table(table, ["column", "check", "failing rows", "examples"])


def _scan_text(result: Any) -> str:
    files = f"{result.files:,} file{'' if result.files == 1 else 's'}"
    summary = f"scanned {files}, {result.rows:,} rows, {result.columns:,} columns"
    if not result.flagged:
        return f"no personal data or secrets found: {summary}"
    table = [(f.path, f.column or "(text)", f.kind, f"{f.distinct_hits:,}", f"{f.share:.0%}",
              ", ".join(f.examples)) for f in result.flagged]
    headers = ["path", "column", "kind", "distinct hits", "share", "examples"]
    return (f"flagged {len(result.flagged)}: personal data or secrets\n"
            + _table(table, headers) + f"\n{summary}")


def _table(rows: Sequence[Sequence[Any]], headers: list[str]) -> str:
    from tabulate import tabulate

    return str(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
