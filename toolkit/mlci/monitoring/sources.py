"""Where data comes from: a local file or directory, a URL DVC reads, or `REV:PATH` in the repo."""

from __future__ import annotations

import re
from pathlib import Path

from mlci import pipeline
from mlci.errors import MlciError
from mlci.pipeline import blobs
from mlci.project.artifacts import Artifact, recorded_hash
from mlci.shared import gitrepo

_REV_PATH = re.compile(r"(?P<rev>[^:/\s][^:\s]*):(?P<path>[^:]+)")


def local(root: Path, where: str, scratch: Path) -> Path:
    """A local path holding the data `where` names, downloading into `scratch` if needed.

    `where` is a path (a file or a directory of CSV/Parquet/JSONL files), a URL DVC can
    read (`s3://bucket/logs/`), or `REV:PATH`, a DVC-tracked or git file at a revision.
    """
    if "://" in where:
        out = scratch / "current" / (where.rstrip("/").rsplit("/", 1)[-1] or "data")
        out.parent.mkdir(parents=True, exist_ok=True)
        blobs.download_url(where, out)
        return out
    path = Path(where).expanduser()
    if path.exists():
        return path
    match = _REV_PATH.fullmatch(where)
    if match and gitrepo.ref_exists(root, match["rev"]):
        return at_revision(root, gitrepo.resolve(root, match["rev"]), match["path"], scratch)
    if not path.is_absolute() and (root / path).exists():
        return root / path
    raise MlciError(f"{where}: no such file or directory",
                    hint="give a file, a directory, a URL DVC reads (s3://...) or REV:PATH")


def at_revision(root: Path, commit: str, path: str, scratch: Path) -> Path:
    """`path` as committed at `commit` (from git, the DVC cache or the DVC remote), verified
    against the md5 that commit's dvc.lock or `.dvc` file records for it."""
    out = scratch / commit[:12] / path
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        recorded = recorded_hash(root, commit, Artifact(name=path, path=path))
        md5, legacy = (recorded.md5, recorded.legacy) if recorded else (None, False)
        pipeline.get_artifact(root, commit, path, out, md5, legacy)
    return out
