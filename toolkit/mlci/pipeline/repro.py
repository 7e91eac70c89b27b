"""`dvc repro` in-process: each stage timed and classified, output streamed, run-cache pushed."""

from __future__ import annotations

import io
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.errors import StageFailed
from mlci.pipeline.session import (
    DvcLog,
    StageStatus,
    dvc_logging,
    flatten_message,
    no_remote,
    open_repo,
    require_project,
)
from mlci.shared.output import tee_output


@dataclass(frozen=True)
class ReproRequest:
    """What `mlci repro` asks DVC to do."""

    root: Path
    targets: tuple[str, ...] = ()
    pull: bool = False
    push: bool = False
    force: bool = False
    dry_run: bool = False
    to_stderr: bool = False  # DVC's messages and stage output on stderr (keeps stdout for --json)


STATUSES: dict[StageStatus, str] = {  # as `mlci repro` shows them
    "ran": "ran",
    "restored": "restored from run-cache",
    "pulled": "pulled from remote",
    "unchanged": "up to date",
    "would_run": "would run",
    "would_restore": "would restore from run-cache",
    "failed": "failed",
}


@dataclass(frozen=True)
class StageRun:
    """One stage's outcome."""

    name: str
    status: StageStatus
    seconds: float


@dataclass(frozen=True)
class ReproResult:
    stages: tuple[StageRun, ...]
    pushed: int | None  # files sent to the DVC remote with --push


def reproduce(request: ReproRequest) -> ReproResult:
    """Run `dvc repro` in-process, timing each stage and noting how it was satisfied."""
    from dvc.repo.reproduce import _reproduce_stage

    require_project(request.root)
    out = sys.stderr if request.to_stderr else sys.stdout
    runs: list[StageRun] = []
    with dvc_logging(out) as log, open_repo(request.root) as repo:
        if (request.pull or request.push) and not repo.config["core"].get("remote"):
            raise no_remote()  # DVC would only warn, and CI would quietly retrain

        def timed(stage: Any, **kwargs: Any) -> Any:
            log.status, log.command = None, ""
            start = time.perf_counter()
            try:
                result = _reproduce_stage(stage, **kwargs)
            except Exception:
                runs.append(StageRun(stage.addressing, "failed", time.perf_counter() - start))
                raise
            status = _status(result is not None, log.status, request.dry_run)
            runs.append(StageRun(stage.addressing, status, time.perf_counter() - start))
            return result

        _run_repro(repo, request, timed, log)
        pushed = _push(repo) if request.push and not request.dry_run else None
    return ReproResult(tuple(runs), pushed)


def _status(changed: bool, logged: StageStatus | None, dry_run: bool) -> StageStatus:
    if dry_run:
        planned: dict[StageStatus | None, StageStatus] = {"restored": "would_restore",
                                                         "ran": "would_run"}
        return planned.get(logged, "unchanged")
    if logged == "pulled":
        return "pulled"
    if not changed:
        return "unchanged"
    return logged or "ran"


def _run_repro(repo: Any, request: ReproRequest, timed: Any, log: DvcLog) -> None:
    from dvc.exceptions import ReproductionError

    with tee_output(stdout_to_stderr=request.to_stderr) as tail:
        try:
            repo.reproduce(
                list(request.targets) or None, pull=request.pull, force=request.force,
                dry=request.dry_run, repro_fn=timed,
            )
        except ReproductionError as exc:
            failed = _failed_stage(exc)
            code = re.search(r"exited with (-?\d+)", flatten_message(exc))
            if failed is None or not log.command:
                raise
            raise StageFailed(
                failed, log.command, int(code.group(1)) if code else None, "\n".join(tail)
            ) from None


def _failed_stage(exc: Exception) -> str | None:
    match = re.search(r"failed to reproduce '([^']+)'", str(exc))
    return match.group(1) if match else None


def _push(repo: Any) -> int:
    """Push outputs and the run-cache (with the outputs its entries need) to the default remote."""
    return int(repo.push(run_cache=True)) + _push_run_cache_outputs(repo)


def _push_run_cache_outputs(repo: Any) -> int:
    """Push the outputs every run-cache entry restores, not only the workspace's.

    `dvc push --run-cache` sends the entries but only the objects of the current workspace, and
    never those of `cache: false` outputs (metrics, plots), which the run-cache keeps in the
    cache. Without them a fresh clone that returns to an earlier run retrains instead.
    """
    from dvc_data.hashfile.hash_info import HashInfo

    runs = Path(repo.stage_cache.cache_dir)
    wanted = set()
    for entry_file in runs.glob("*/*/*"):
        entry = repo.stage_cache._load_cache(entry_file.parent.name, entry_file.name) or {}
        for out in entry.get("outs", []):
            value = out.get("md5")
            if value and Path(repo.cache.local.oid_to_path(value)).exists():
                wanted.add(HashInfo("md5", value))
    if not wanted:
        return 0
    return len(repo.cloud.push(wanted).transferred)



def push(root: Path) -> int:
    """`dvc push --run-cache` to the default remote (and the outputs every run-cache entry
    restores); returns how many files were transferred."""
    with dvc_logging(io.StringIO()), open_repo(root) as repo:
        if not repo.config["core"].get("remote"):
            raise no_remote()
        return _push(repo)
