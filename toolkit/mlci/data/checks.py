"""The data checks a pipeline declares, and their results at a revision.

A data check is a dvc.yaml stage command `mlci data validate DATA [--schema FILE] --output
RESULT` (usually with `--exit-zero`, so the pipeline goes on and the gate judges). RESULT is the
JSON `mlci data validate --json` prints, kept in git as a stage output with `cache: false`, so
`mlci report` and `mlci gate` read it at any revision, as they read metrics.
"""

from __future__ import annotations

import json
import posixpath
import shlex
from dataclasses import dataclass
from pathlib import Path

from mlci.data.results import ValidationResult, default_schema
from mlci.project import dvcfiles, snapshot
from mlci.project.snapshot import Snapshot

_SEPARATORS = {"&&", "||", ";", "|", "&"}


@dataclass(frozen=True)
class DataCheck:
    """One declared check: repository paths of the data, its schema and the result file."""

    stage: str
    data: str
    schema: str
    result: str


@dataclass(frozen=True)
class Outcome:
    """A check and its result at one revision (None: no readable result file there)."""

    check: DataCheck
    result: ValidationResult | None
    problem: str = ""  # why there is no result


def declared(layout: dvcfiles.Layout) -> tuple[DataCheck, ...]:
    """The checks of dvc.yaml's stage commands, in stage order (pure)."""
    found = []
    for command in layout.commands:
        for data, schema, result in _validations(command.cmd):
            paths = [posixpath.normpath(posixpath.join(command.wdir, p)) for p in
                     (data, schema, result)]
            found.append(DataCheck(command.stage, *paths))
    return tuple(found)


def _validations(cmd: str) -> list[tuple[str, str, str]]:
    """(data, schema, result) of each `mlci data validate ... --output FILE` in a command."""
    try:
        words = shlex.split(cmd)
    except ValueError:
        return []
    found = []
    for i, word in enumerate(words):
        if posixpath.basename(word) == "mlci" and words[i + 1:i + 3] == ["data", "validate"]:
            parsed = _arguments(words[i + 3:])
            if parsed is not None:
                found.append(parsed)
    return found


def _arguments(words: list[str]) -> tuple[str, str, str] | None:
    data = schema = output = None
    rest = iter(words)
    for word in rest:
        if word in _SEPARATORS:
            break
        name, equals, value = word.partition("=")
        if name in ("--schema", "--output", "-o"):
            value = value if equals else next(rest, "")
            schema, output = (value, output) if name == "--schema" else (schema, value)
        elif word.startswith("-o") and len(word) > 2:
            output = word[2:]
        elif not word.startswith("-") and data is None:
            data = word
    if data is None or not output:
        return None
    return data, schema or default_schema(data), output


def read(root: Path, snaps: list[Snapshot]) -> list[tuple[Outcome, ...]]:
    """Each snapshot's checks (as its own dvc.yaml declares them) with their results."""
    checks = [declared(snap.layout) for snap in snaps]
    names = sorted({check.result for found in checks for check in found})
    raw = snapshot.read_raw(root, snaps, names) if names else [{} for _ in snaps]
    return [tuple(_outcome(check, files.get(check.result)) for check in found)
            for found, files in zip(checks, raw, strict=True)]


def _outcome(check: DataCheck, raw: bytes | None) -> Outcome:
    if raw is None:
        return Outcome(check, None, f"no {check.result}: run the pipeline (`mlci repro`)")
    try:
        return Outcome(check, ValidationResult.from_json(json.loads(raw.decode("utf-8"))))
    except (UnicodeDecodeError, ValueError) as exc:
        return Outcome(check, None, f"{check.result} is not a result of `mlci data validate` "
                       f"({exc})")
