"""What every command shares (gto's `cli.py` shape): options declared once with one help text,
the project the command works on, and one way to print a result as text or JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import typer

from mlci.shared.forges import FORGE_NAMES, ForgeName

if TYPE_CHECKING:
    from mlci.project.context import Project

JSON = typer.Option(False, "--json", help="Print the result as JSON on stdout.")
OUTPUT = typer.Option("-", "--output", "-o", metavar="FILE",
                      help="Write it to FILE ('-': stdout).")

# `--forge` where a command can take every forge at once
ForgeOrAll = Literal[ForgeName, "all"]


class JsonResult(Protocol):
    def to_json(self) -> Any: ...


def project() -> Project:
    """The project holding the current directory (its git work tree)."""
    from mlci.project.context import Project

    return Project.find(Path.cwd())


def emit(result: JsonResult, as_json: bool, text: Callable[[], str]) -> None:
    """Print `result` as JSON (`--json`) or as the text `text()` makes of it."""
    print(json.dumps(result.to_json(), indent=2) if as_json else text())


def write(text: str, output: str, summary: str = "") -> None:
    """`--output`: stdout for '-', else the file, replaced whole (never half-written)."""
    from mlci.shared.files import atomic_write

    if output == "-":
        sys.stdout.write(text)
    else:
        atomic_write(Path(output), text)
        print(f"wrote {output}{summary or f' ({len(text):,} characters)'}", file=sys.stderr)


def forges(choice: ForgeOrAll | None) -> tuple[ForgeName, ...] | None:
    """`--forge` as forge names: None when not given, every forge for `all`."""
    if choice is None:
        return None
    return FORGE_NAMES if choice == "all" else (choice,)
