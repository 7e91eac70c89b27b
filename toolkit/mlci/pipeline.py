"""DVC access: the only module that imports dvc. DVC is the engine; mlci orchestrates it."""

from __future__ import annotations

import io
import logging
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from mlci.errors import ConfigError, MlciError, NotAProject, PipelineError, StageFailed
from mlci.output import tee_output

NO_PROJECT_HINT = "run `mlci init` to make this an mlci project"


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


STATUSES = {
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
    """One stage's outcome; `status` is one of STATUSES."""

    name: str
    status: str
    seconds: float


@dataclass(frozen=True)
class ReproResult:
    stages: tuple[StageRun, ...]
    metrics: dict[str, dict[str, Any]]
    pushed: int | None


def require_project(root: Path) -> None:
    """NotAProject unless `root` holds an initialised DVC project with a dvc.yaml."""
    if not (root / ".dvc").is_dir():
        raise NotAProject(f"{root}: not a DVC project (no .dvc directory)", hint=NO_PROJECT_HINT)
    if not (root / "dvc.yaml").is_file():
        raise NotAProject(f"{root}: no dvc.yaml", hint=NO_PROJECT_HINT)


def is_initialised(root: Path) -> bool:
    return (root / ".dvc").is_dir()


def init(root: Path, subdir: bool) -> None:
    """`dvc init` with analytics switched off in the project's config."""
    import io

    from dvc.repo import Repo

    with _dvc_logging(io.StringIO()):  # DVC's "you can now commit" is ours to say
        repo = Repo.init(str(root), subdir=subdir)
    try:
        with repo.config.edit("repo") as conf:
            conf["core"]["analytics"] = False
    finally:
        repo.close()


def default_remote(root: Path) -> str | None:
    """The name of the default DVC remote, if any level of config sets one."""
    with _repo(root) as repo:
        return repo.config["core"].get("remote")  # type: ignore[no-any-return]


def shared_remote(root: Path) -> str | None:
    """The default remote named in the committed `.dvc/config` (what CI sees), read without DVC."""
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(root / ".dvc" / "config", encoding="utf-8")
    except configparser.Error:
        return None
    return parser.get("core", "remote", fallback=None) or None


def add_remote(root: Path, name: str, url: str, level: str) -> None:
    """Add `url` as the default remote `name` at config `level` ("repo" or "local")."""
    with _repo(root) as repo, repo.config.edit(level) as conf:
        conf["remote"][name] = {"url": url}
        conf["core"]["remote"] = name


@contextmanager
def _repo(root: Path) -> Iterator[Any]:
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    try:
        repo = Repo(str(root))
    except DvcException as exc:
        raise _translate(exc, root) from None
    try:
        yield repo
    except DvcException as exc:
        raise _translate(exc, root) from None
    finally:
        repo.close()


def _translate(exc: Exception, root: Path) -> MlciError:
    """A DVC exception as an MlciError that names the file and says what to do."""
    from dvc.config import NoRemoteError
    from dvc.exceptions import NotDvcRepoError

    text = _flatten_message(exc)
    if isinstance(exc, NotDvcRepoError):
        return NotAProject(f"{root}: not a DVC project", hint=NO_PROJECT_HINT)
    if isinstance(exc, NoRemoteError):
        return _no_remote()
    corrupted = re.search(r"unable to read: '([^']+)', YAML file structure is corrupted", text)
    if corrupted:
        return _yaml_error(root, corrupted.group(1), text)
    if any(name in text for name in ("dvc.yaml", "params.yaml", "dvc.lock")):
        return ConfigError(text, hint="fix the file named above, then run `mlci repro` again")
    return PipelineError(text)


def _yaml_error(root: Path, name: str, fallback: str) -> MlciError:
    """DVC's long YAML message, replaced by ours: file, line, problem."""
    from mlci.files import load_yaml

    try:
        load_yaml(root / name, name)
    except ConfigError as exc:
        return exc
    return ConfigError(fallback)


def _no_remote() -> PipelineError:
    return PipelineError(
        "no DVC remote is configured",
        hint="add one with `dvc remote add -d storage URL` (or `mlci init --remote URL`)",
    )


def _flatten_message(exc: BaseException) -> str:
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 4:
        text = " ".join(str(seen).split())
        if text and text not in parts:
            parts.append(text)
        seen = seen.__cause__ or seen.__context__
    return ": ".join(parts) or type(exc).__name__


class _DvcLog(logging.Handler):
    """Prints DVC's messages like DVC does and notes what happens to the current stage."""

    def __init__(self, out: TextIO) -> None:
        super().__init__(logging.INFO)
        self.out = out
        self.status: str | None = None
        self.command = ""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            print(f"{record.levelname}: {message}", file=sys.stderr, flush=True)
        else:
            print(message, file=self.out, flush=True)
        template = str(record.msg)
        if template.startswith("Running stage"):
            self.status = "ran"
        elif "is cached - skipping run" in template:
            self.status = "restored"
        elif template.startswith("Pulling data for"):
            self.status = "pulled"
        elif template == "%s %s" and record.args and record.args[0] == ">":  # type: ignore[index]
            self.command = str(record.args[1])  # type: ignore[index]


@contextmanager
def _dvc_logging(out: TextIO) -> Iterator[_DvcLog]:
    logger = logging.getLogger("dvc")
    handler = _DvcLog(out)
    saved = (logger.level, logger.propagate, list(logger.handlers))
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers = saved[2]


def reproduce(request: ReproRequest) -> ReproResult:
    """Run `dvc repro` in-process, timing each stage and noting how it was satisfied."""
    from dvc.repo.reproduce import _reproduce_stage

    require_project(request.root)
    out = sys.stderr if request.to_stderr else sys.stdout
    runs: list[StageRun] = []
    with _dvc_logging(out) as log, _repo(request.root) as repo:
        if (request.pull or request.push) and not repo.config["core"].get("remote"):
            raise _no_remote()  # DVC would only warn, and CI would quietly retrain

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
        metrics = _workspace_metrics(repo)
    return ReproResult(tuple(runs), metrics, pushed)


def _status(changed: bool, logged: str | None, dry_run: bool) -> str:
    if dry_run:
        return {"restored": "would_restore", "ran": "would_run"}.get(logged or "", "unchanged")
    if logged == "pulled":
        return "pulled"
    if not changed:
        return "unchanged"
    return logged or "ran"


def _run_repro(repo: Any, request: ReproRequest, timed: Any, log: _DvcLog) -> None:
    from dvc.exceptions import ReproductionError

    with tee_output(stdout_to_stderr=request.to_stderr) as tail:
        try:
            repo.reproduce(
                list(request.targets) or None, pull=request.pull, force=request.force,
                dry=request.dry_run, repro_fn=timed,
            )
        except ReproductionError as exc:
            failed = _failed_stage(exc)
            code = re.search(r"exited with (-?\d+)", _flatten_message(exc))
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
    """`dvc push --run-cache` to the default remote; returns how many files were transferred."""
    with _repo(root) as repo:
        return _push(repo)


def _workspace_metrics(repo: Any) -> dict[str, dict[str, Any]]:
    """The workspace's metrics files, declared in dvc.yaml, read and flattened."""
    from mlci import metrics

    root = Path(repo.root_dir)
    found: dict[str, dict[str, Any]] = {}
    for path in _metric_paths(repo):
        file = root / path
        if file.is_file():
            found[path] = metrics.flatten(metrics.parse(file.read_text(encoding="utf-8"), path))
    return found


def _metric_paths(repo: Any) -> list[str]:
    root = Path(repo.root_dir)
    paths = {
        Path(out.fs_path).relative_to(root).as_posix()
        for stage in repo.index.stages
        for out in stage.outs
        if out.metric
    }
    for dvcfile_metrics in repo.index._metrics.values():  # top-level `metrics:` of dvc.yaml
        paths.update(str(p) for p in dvcfile_metrics)
    return sorted(paths)


# --- the model registry: artifacts in the DVC remote -----------------------------------------

_ABSENT = ("deleted", "not in cache")


def stale(root: Path, worktree: bool = False) -> list[str]:
    """Why the pipeline in `root` does not match dvc.lock: one `stage: path status` per change.

    In a fresh `worktree` outputs are absent by construction, so only changed inputs count.
    """
    with _dvc_logging(io.StringIO()), _repo(root) as repo:
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
    with _dvc_logging(io.StringIO()), _repo(root) as repo:
        return int(repo.push(targets=[path], revs=[commit], workspace=False))


def get_artifact(root: Path, commit: str, path: str, out: Path) -> int:
    """Download `path` as it was at `commit` (from the cache, else the DVC remote) to `out`."""
    from dvc.exceptions import DvcException
    from dvc.fs import download
    from dvc.repo import Repo

    with _dvc_logging(io.StringIO()):
        try:
            with Repo.open(str(root), rev=commit, subrepos=False) as repo:
                return len(download(repo.dvcfs, f"/{path}", str(out.resolve())))
        except DvcException as exc:
            raise _translate(exc, root) from None
        except FileNotFoundError:
            raise PipelineError(
                f"{path} at {commit[:7]} is neither in the DVC cache nor in the DVC remote",
                hint="was it published with `mlci publish` (which pushes it)?",
            ) from None
