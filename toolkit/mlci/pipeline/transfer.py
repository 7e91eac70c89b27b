"""Model artifacts: is the pipeline up to date, push one version, get one version back."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path
from typing import Any

from mlci.errors import ArtifactMismatch, MlciError, PipelineError
from mlci.pipeline.backends import default_info, remote_access, remote_error
from mlci.pipeline.session import dvc_logging, no_remote, open_repo, translate

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
    with dvc_logging(io.StringIO()), open_repo(root) as repo, remote_access(repo):
        return int(repo.push(targets=[path], revs=[commit], workspace=False))


def get_artifact(root: Path, commit: str, path: str, out: Path, md5: str | None,
                 legacy: bool = False) -> int:
    """Download `path` as it was at `commit` (from the cache, else the DVC remote) to `out`,
    then hash it: unless its md5 is `md5` (what dvc.lock records) `out` is deleted and
    ArtifactMismatch raised. `legacy`: a DVC 2 lock entry (text files hashed dos2unix).
    `md5` None: a file git tracks (no DVC record; git's own object hash vouches for it)."""
    files = _download(root, commit, path, out)
    if md5 is not None:
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
            with Repo.open(str(root), rev=commit, subrepos=False) as repo, remote_access(repo):
                try:
                    return len(download(repo.dvcfs, f"/{path}", str(out.resolve())))
                except FileNotFoundError:
                    raise _not_found(repo, path, commit) from None
        except DvcException as exc:
            raise translate(exc, root) from None


def _not_found(repo: Any, path: str, commit: str) -> MlciError:
    """Why DVC found no copy of `path`: no remote, an unreachable one (raised by using it
    here, inside `remote_access`), or a remote without it."""
    info = default_info(repo)
    if info is None:
        return no_remote()
    remote = repo.cloud.get_remote()
    where = f"the DVC remote '{info.name}' ({info.url})"
    try:
        remote.fs.info(remote.path)
    except FileNotFoundError as exc:  # fsspec's HTTP says so of a refused connection too
        return remote_error(exc, info) or PipelineError(
            f"{where} does not exist (or is empty)", hint="check its URL with `dvc remote list`")
    return PipelineError(
        f"{path} at {commit[:7]} is neither in this machine's DVC cache nor in {where}",
        hint="was it published with `mlci publish` (which pushes it)?")


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
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
