"""The `mlci` command line: parse, call one function per verb, print, exit with its code."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

# Rich help formatting doubles `mlci --help` time; plain help reads as well.
os.environ.setdefault("TYPER_USE_RICH", "0")

import typer

from mlci import __version__
from mlci.errors import MlciError

app = typer.Typer(
    name="mlci",
    help="Git-centric CI/CD for machine learning: reproduce DVC pipelines, diff metrics, "
    "gate and publish models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        print(f"mlci {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Git-centric CI/CD for machine learning."""


# each module registers its commands; this order is the order of `mlci --help`
from mlci.cli import (  # noqa: E402, F401, I001
    project, data, metrics, comment, models, serve, deploy, sweep, monitor, ci,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: one funnel turns expected errors into `mlci: error: ...` and an exit code.

    Usage errors exit 2 and Ctrl-C exits 130 inside Typer itself.
    """
    try:
        app(args=list(argv) if argv is not None else None, prog_name="mlci")
    except SystemExit as exc:  # Typer ends every run with one, success included
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return 1
        return exc.code or 0
    except MlciError as exc:
        print(f"mlci: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except Exception:  # noqa: BLE001  (a bug in mlci: show where, exit 3)
        import traceback

        traceback.print_exc()
        print("mlci: unexpected error (a bug in mlci; please report it with the lines above)",
              file=sys.stderr)
        return 3
    return 0
