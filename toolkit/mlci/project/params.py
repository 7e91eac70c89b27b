"""Parameter overrides (`mlci repro -S train.C=0.5`), written to params files like DVC's -S."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.errors import ConfigError
from mlci.project.dvcfiles import DEFAULT_PARAMS
from mlci.project.values import flatten
from mlci.shared.files import atomic_write, dump_yaml, load_yaml, parse_yaml

Change = tuple[str, Any, Any]  # ("file:key", old value, new value)


@dataclass(frozen=True)
class Override:
    """`[FILE:]KEY=VALUE`: set the dotted KEY of FILE (default params.yaml) to VALUE."""

    file: str
    key: str
    value: Any


def parse_override(text: str) -> Override:
    """Parse `[FILE:]KEY=VALUE`; VALUE is a YAML scalar (0.5 is a number, "0.5" a string)."""
    target, sep, raw = text.partition("=")
    if not sep or not target.strip():
        raise ValueError(f"expected KEY=VALUE, got {text!r}")
    file, colon, key = target.rpartition(":")
    if not colon:
        file, key = DEFAULT_PARAMS, target
    if not key or any(not part for part in key.split(".")):
        raise ValueError(f"expected a dotted parameter name such as train.C, got {key!r}")
    value = parse_yaml(raw, "the -S value") if raw.strip() else ""
    return Override(file or DEFAULT_PARAMS, key.strip(), value)


@contextmanager
def applied(root: Path, overrides: list[Override], keep: bool = True) -> Iterator[list[Change]]:
    """Apply `overrides` for one run; with `keep` False the files are put back afterwards."""
    originals = {o.file: (root / o.file).read_text(encoding="utf-8")
                 for o in overrides if not keep and (root / o.file).exists()}
    try:
        yield apply(root, overrides) if overrides else []
    finally:
        for file, text in originals.items():
            atomic_write(root / file, text)


def apply(root: Path, overrides: list[Override]) -> list[Change]:
    """Write every override; each key must already exist. Returns (key, old, new) per override.

    All files are checked before any is written, so a bad key changes nothing.
    """
    documents, changes = _edited(root, overrides)
    for file, data in documents.items():
        dump_yaml(data, root / file)
    return changes


def check(root: Path, overrides: list[Override]) -> list[Change]:
    """The changes the overrides would make; ConfigError unless every one names an existing
    parameter. Writes nothing."""
    return _edited(root, overrides)[1]


def _edited(root: Path, overrides: list[Override]) -> tuple[dict[str, Any], list[Change]]:
    """The params files with every override set in memory, and the changes."""
    documents: dict[str, Any] = {}
    changes: list[Change] = []
    for override in overrides:
        if override.file not in documents:
            documents[override.file] = load_yaml(root / override.file, override.file)
        old = _set(documents[override.file], override)
        changes.append((f"{override.file}:{override.key}", old, override.value))
    return documents, changes


def _set(document: Any, override: Override) -> Any:
    node = document
    parts = override.key.split(".")
    for depth, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            where = ".".join(parts[: depth + 1])
            known = ", ".join(flatten(document)) or "(none)"
            raise ConfigError(
                f"{override.file}: {where}: no such parameter",
                hint=f"-S only changes existing parameters; known: {known}",
            )
        if depth == len(parts) - 1:
            old = node[part]
            if isinstance(old, dict):
                raise ConfigError(
                    f"{override.file}: {override.key}: is a section, not a value",
                    hint=f"set one of its keys, e.g. {override.key}.{next(iter(old), 'KEY')}=...",
                )
            node[part] = override.value
            return old
        node = node[part]
    return None
