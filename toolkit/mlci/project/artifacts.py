"""The `artifacts:` a dvc.yaml declares, in the workspace or at a commit: the models, by name."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlci.errors import ConfigError
from mlci.project import dvcfiles, snapshot, values
from mlci.shared import gitrepo


@dataclass(frozen=True)
class Artifact:
    """One declared artifact; `path` is relative to the repository root; `meta` is its
    free-form `meta:` mapping (mlci reads `loader` and `signature` there)."""

    name: str
    path: str
    type: str = ""
    desc: str = ""
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


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
        meta = entry.get("meta")
        found[name] = Artifact(name, path, str(entry.get("type") or ""),
                               str(entry.get("desc") or ""),
                               dict(meta) if isinstance(meta, dict) else {})
    return found


def declared_at(root: Path, commit: str | None, name: str) -> dict[str, Artifact]:
    """The artifacts of the dvc.yaml that would declare `name`, at `commit` (None: workspace)."""
    return _declared(root, commit, dvc_yaml_of(name), split_name(name)[0])


def _declared(root: Path, commit: str | None, file: str,
              dirname: str) -> dict[str, Artifact]:
    if commit is None:
        path = root / file
        text = path.read_text(encoding="utf-8") if path.is_file() else None
    else:
        text = gitrepo.show_file(root, commit, file)
    if text is None:
        return {}
    return declared(values.parse(text, file), dirname)


def artifact_at(root: Path, commit: str, name: str) -> Artifact:
    """Artifact `name` as dvc.yaml declares it at `commit`, or an error listing the known ones."""
    found = declared_at(root, commit, name)
    if name not in found:
        file = dvc_yaml_of(name)
        known = ", ".join(found) or "(none)"
        raise ConfigError(f"{file}: artifacts: no artifact named '{name}' at {commit[:7]}",
                          hint=f"artifacts declared there: {known}")
    return found[name]


def declared_here(root: Path) -> dict[str, Artifact]:
    """The artifacts the root dvc.yaml of the workspace declares (any type), in file order."""
    return _declared(root, None, "dvc.yaml", "")


def model_names(root: Path) -> tuple[str, ...]:
    """Names of the artifacts of type model in the root dvc.yaml of the workspace, sorted."""
    return tuple(sorted(name for name, found in declared_here(root).items()
                        if found.type == "model"))


def recorded_hash(root: Path, commit: str, artifact: Artifact) -> dvcfiles.Out | None:
    """The hash `commit` records for the artifact: its stage output in dvc.lock (stage `wdir`s
    and pipelines in subdirectories resolved), else its `.dvc` file (`dvc add`); None if none."""
    snap = snapshot.read(root, [commit], snapshot.Want(metrics=False, params=False))[0]
    found = dvcfiles.outs(snap.lock).get(artifact.path)
    if found is not None and found.md5:
        return found
    added = f"{artifact.path}.dvc"
    data = snapshot.read_yaml(root, [snap], [added])[0].get(added)
    found = dvcfiles.dvcfile_outs(data, added).get(artifact.path)
    return found if found is not None and found.md5 else None
