"""`dvc repro` in-process: each stage timed and classified, output streamed, run-cache pushed."""

from __future__ import annotations

import io
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.errors import MlciError, PipelineError, StageFailed, causes, flatten_message
from mlci.pipeline.backends import remote_access
from mlci.pipeline.remotes import probe
from mlci.pipeline.session import (
    DvcLog,
    StageStatus,
    dvc_logging,
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
            except Exception as exc:
                if request.dry_run and _awaits_upstream(exc, kwargs.get("upstream"), runs):
                    # DVC's dry run fails here; the inputs come from a stage that would run
                    runs.append(StageRun(stage.addressing, "would_run", 0.0))
                    return stage
                runs.append(StageRun(stage.addressing, "failed", time.perf_counter() - start))
                raise
            status = _status(result is not None, log.status, request.dry_run)
            runs.append(StageRun(stage.addressing, status, time.perf_counter() - start))
            return result

        with remote_access(repo):
            if (request.pull or request.push) and not request.dry_run:
                probe(repo)
            _run_repro(repo, request, timed, log)
            pushed = _push(repo) if request.push and not request.dry_run else None
    return ReproResult(tuple(runs), pushed)


def _awaits_upstream(exc: Exception, upstream: Any, runs: list[StageRun]) -> bool:
    """A dry run's stage lacks an input that an upstream stage, which would run, makes."""
    missing = next((Path(str(c.filename)) for c in causes(exc)
                    if isinstance(c, FileNotFoundError) and c.filename), None)
    pending = {r.name for r in runs if r.status in ("would_run", "would_restore")}
    return missing is not None and any(
        stage.addressing in pending and any(
            missing == Path(out.fs_path) or Path(out.fs_path) in missing.parents
            for out in stage.outs)
        for stage in upstream or ())


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

    failed: tuple[str, str, int | None] | None = None
    with tee_output(stdout_to_stderr=request.to_stderr) as tail:
        try:
            repo.reproduce(  # a dry run pulls nothing: it changes nothing
                list(request.targets) or None, pull=request.pull and not request.dry_run,
                force=request.force, dry=request.dry_run, repro_fn=timed,
            )
        except ReproductionError as exc:
            stage = _failed_stage(exc)
            if stage is None or not log.command:
                missing = _missing_input(repo, exc, request)
                if missing is None:
                    raise
                raise missing from None
            code = re.search(r"exited with (-?\d+)", flatten_message(exc))
            failed = (stage, log.command, int(code.group(1)) if code else None)
    if failed is not None:  # the tail is read once the pumps have drained the pipes
        raise StageFailed(*failed, "\n".join(tail))


def _missing_input(repo: Any, exc: Exception, request: ReproRequest) -> MlciError | None:
    """A stage input that DVC tracks but the workspace lacks: say how to fetch it."""
    path = _missing_path(exc, request.root)
    if path is None:
        return None
    for out in repo.index.outs:
        where = Path(out.fs_path)
        if path == where or where in path.parents:
            rel = path.relative_to(request.root) if request.root in path.parents else path
            source = out.stage.relpath if out.stage.is_data_source else out.stage.addressing
            return PipelineError(
                f"{rel} is tracked by DVC ({source}) but is not in the workspace",
                hint=_fetch_hint(request, source))
    return None


def _missing_path(exc: Exception, root: Path) -> Path | None:
    """The file a failed repro lacked: DVC's "missing data 'source'" or a FileNotFoundError."""
    for cause in causes(exc):
        if isinstance(cause, FileNotFoundError) and cause.filename:
            return Path(str(cause.filename))
        source = re.search(r"missing data 'source': (\S.*)$", str(cause))
        if source:
            return root / source.group(1).strip()
    return None


def _fetch_hint(request: ReproRequest, source: str) -> str:
    if request.pull and request.dry_run:
        return f"a dry run pulls nothing: run `dvc pull {source}` first, or drop --dry-run"
    if request.pull:
        return ("the DVC remote does not have it either: push it from where it was made "
                "(`dvc push`)")
    return f"fetch it from the DVC remote: `mlci repro --pull` (or `dvc pull {source}`)"


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
