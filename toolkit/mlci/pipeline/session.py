"""Opening the DVC project: errors turned into MlciErrors, DVC's logging routed through mlci."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TextIO

from mlci.errors import ConfigError, MlciError, NotAProject, PipelineError, flatten_message
from mlci.pipeline.backends import default_info, remote_error
from mlci.shared.files import load_yaml

StageStatus = Literal["ran", "restored", "pulled", "unchanged", "would_run", "would_restore",
                      "failed"]

NO_PROJECT_HINT = "run `mlci init` to make this an mlci project"


def require_project(root: Path) -> None:
    """NotAProject unless `root` holds an initialised DVC project with a dvc.yaml."""
    if not (root / ".dvc").is_dir():
        raise NotAProject(f"{root}: not a DVC project (no .dvc directory)", hint=NO_PROJECT_HINT)
    if not (root / "dvc.yaml").is_file():
        raise NotAProject(f"{root}: no dvc.yaml", hint=NO_PROJECT_HINT)


def is_initialised(root: Path) -> bool:
    return (root / ".dvc").is_dir()


@contextmanager
def open_repo(root: Path) -> Iterator[Any]:
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    try:
        repo = Repo(str(root))
    except DvcException as exc:
        raise translate(exc, root) from None
    try:
        yield repo
    except DvcException as exc:
        raise translate(exc, root) from None
    except MlciError:
        raise
    except Exception as exc:  # the remote's own libraries raise their own types
        error = remote_error(exc, default_info(repo))
        if error is None:
            raise
        raise error from None
    finally:
        repo.close()


def translate(exc: Exception, root: Path) -> MlciError:
    """A DVC exception as an MlciError that names the file and says what to do."""
    from dvc.config import NoRemoteError
    from dvc.exceptions import NotDvcRepoError

    text = flatten_message(exc)
    if isinstance(exc, NotDvcRepoError):
        return NotAProject(f"{root}: not a DVC project", hint=NO_PROJECT_HINT)
    if isinstance(exc, NoRemoteError):
        return no_remote()
    corrupted = re.search(r"unable to read: '([^']+)', YAML file structure is corrupted", text)
    if corrupted:
        return _yaml_error(root, corrupted.group(1), text)
    if any(name in text for name in ("dvc.yaml", "params.yaml", "dvc.lock")):
        return ConfigError(text, hint="fix the file named above, then run `mlci repro` again")
    return PipelineError(text)


def _yaml_error(root: Path, name: str, fallback: str) -> MlciError:
    """DVC's long YAML message, replaced by ours: file, line, problem."""
    try:
        load_yaml(root / name, name)
    except ConfigError as exc:
        return exc
    return ConfigError(fallback)


def no_remote() -> PipelineError:
    return PipelineError(
        "no DVC remote is configured",
        hint="add one with `dvc remote add -d storage URL` (or `mlci init --remote URL`)",
    )


class DvcLog(logging.Handler):
    """Prints DVC's messages like DVC does and notes what happens to the current stage."""

    def __init__(self, out: TextIO) -> None:
        super().__init__(logging.INFO)
        self.out = out
        self.status: StageStatus | None = None
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
def dvc_logging(out: TextIO) -> Iterator[DvcLog]:
    logger = logging.getLogger("dvc")
    handler = DvcLog(out)
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
