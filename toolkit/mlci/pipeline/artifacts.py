"""Model artifacts: is the pipeline up to date, push one version, get one version back."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from mlci.errors import ArtifactMismatch, PipelineError
from mlci.pipeline.session import (
    dvc_logging,
    from_storage_sdk,
    open_repo,
    storage_error,
    translate,
)

_ABSENT = ("deleted", "not in cache")


def stale(root: Path, worktree: bool = False) -> list[str]:
    """Why the pipeline in `root` does not match dvc.lock: one `stage: path status` per change.

    In a fresh `worktree` outputs are absent by construction, so only changed inputs count.
    """
    with dvc_logging(io.StringIO()), open_repo(root) as repo:
        status = repo.status()
    lines: list[str] = []
    for stage, changes in status.items():
        for change in changes:
            lines.extend(f"{stage}: {line}" for line in _change_lines(change, worktree))
    return lines


def _change_lines(change: Any, worktree: bool) -> list[str]:
    if isinstance(change, str):  # "changed command"; `always_changed` stages never match
        return [] if change == "always changed" else [change]
    lines: list[str] = []
    for kind, entries in change.items():
        if worktree and kind == "changed outs":
            continue
        for path, state in entries.items():
            if isinstance(state, dict):  # params: {"train.C": "modified"}
                lines.extend(f"{path}:{key} {value}" for key, value in state.items())
            elif not (worktree and state in _ABSENT):
                lines.append(f"{path} {state}")
    return lines


def push_artifact(root: Path, commit: str, path: str) -> int:
    """Push the DVC-tracked `path` as committed at `commit` to the default remote."""
    with dvc_logging(io.StringIO()), open_repo(root) as repo:
        return int(repo.push(targets=[path], revs=[commit], workspace=False))


def get_artifact(root: Path, commit: str, path: str, out: Path, md5: str,
                 legacy: bool = False) -> int:
    """Download `path` as it was at `commit` (from the cache, else the DVC remote) to `out`,
    then hash it: unless its md5 is `md5` (what dvc.lock records) `out` is deleted and
    ArtifactMismatch raised. `legacy`: a DVC 2 lock entry (text files hashed dos2unix)."""
    files = _download(root, commit, path, out)
    verify(out, md5, legacy, f"{path} at {commit[:7]}")
    return files


def verify(out: Path, md5: str, legacy: bool, what: str) -> None:
    """Hash `out`; unless it is `md5`, delete it and raise ArtifactMismatch naming `what`."""
    found = md5_of(out, legacy)
    if found != md5:
        _remove(out)
        raise ArtifactMismatch(
            f"{what}: the downloaded file's md5 is {found}, but dvc.lock records {md5}; "
            "refused, nothing was written",
            hint="the DVC remote (or cache) holds a different file than the one published: "
            "it was replaced or corrupted; push the real one again from a trusted copy "
            "(`dvc push`) and keep write access to the remote tight",
        )


def _download(root: Path, commit: str, path: str, out: Path) -> int:
    from dvc.exceptions import DvcException
    from dvc.fs import download
    from dvc.repo import Repo

    with dvc_logging(io.StringIO()):
        try:
            with Repo.open(str(root), rev=commit, subrepos=False) as repo:
                return len(download(repo.dvcfs, f"/{path}", str(out.resolve())))
        except DvcException as exc:
            raise translate(exc, root) from None
        except FileNotFoundError:
            raise PipelineError(
                f"{path} at {commit[:7]} is neither in the DVC cache nor in the DVC remote",
                hint="was it published with `mlci publish` (which pushes it)?",
            ) from None
        except Exception as exc:
            if not from_storage_sdk(exc):
                raise
            raise storage_error(exc) from None


def md5_of(path: Path, legacy: bool = False) -> str:
    """The hash DVC records for `path`: a file's md5, or a directory's `<md5>.dir` (the md5
    of DVC's JSON listing of its files), computed with DVC's own hashing code."""
    if not path.is_dir() and not legacy:  # what DVC 3 computes, without importing it
        digest = hashlib.md5(usedforsecurity=False)
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        return digest.hexdigest()
    from dvc_data.hashfile.hash import file_md5

    name = "md5-dos2unix" if legacy else "md5"
    if not path.is_dir():
        return str(file_md5(str(path), name=name))
    from dvc_data.hashfile.hash_info import HashInfo
    from dvc_data.hashfile.meta import Meta
    from dvc_data.hashfile.tree import Tree

    tree = Tree()  # type: ignore[no-untyped-call]
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        parts = file.relative_to(path).parts
        tree.add(parts, Meta(size=file.stat().st_size),
                 HashInfo(name, file_md5(str(file), name=name)))
    tree.digest()
    return str(tree.hash_info.value)


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
