"""The `artifacts:` a dvc.yaml declares (pure): the models mlci publishes, by name."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Artifact:
    """One declared artifact; `path` is relative to the repository root."""

    name: str
    path: str
    type: str = ""
    desc: str = ""


def split_name(name: str) -> tuple[str, str]:
    """`dir/sub:name` -> ("dir/sub", "name"); a plain name lives in the root dvc.yaml."""
    dirname, sep, base = name.rpartition(":")
    return (dirname, base) if sep else ("", name)


def dvc_yaml_of(name: str) -> str:
    """The dvc.yaml that declares artifact `name` (monorepo names: `dir:name`)."""
    dirname, _ = split_name(name)
    return posixpath.join(dirname, "dvc.yaml") if dirname else "dvc.yaml"


def declared(data: Any, dirname: str = "") -> dict[str, Artifact]:
    """{name: Artifact} from a parsed dvc.yaml found in `dirname`; malformed entries are skipped."""
    section = data.get("artifacts") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return {}
    found = {}
    for base, entry in section.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        name = f"{dirname}:{base}" if dirname else str(base)
        path = posixpath.normpath(posixpath.join(dirname, entry["path"]))
        found[name] = Artifact(name, path, str(entry.get("type") or ""),
                               str(entry.get("desc") or ""))
    return found
