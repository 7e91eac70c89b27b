"""Model artifacts: is the pipeline up to date, push one version, get one version back."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from mlci.errors import PipelineError
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


def get_artifact(root: Path, commit: str, path: str, out: Path) -> int:
    """Download `path` as it was at `commit` (from the cache, else the DVC remote) to `out`."""
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
