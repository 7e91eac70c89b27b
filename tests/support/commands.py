"""Commands the tests run: git and DVC as processes, mlci in-process (or as a process)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], cwd: Path, check: bool = True,
        **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command; on an unexpected exit code fail with its output."""
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True,  # type: ignore[call-overload]
                          check=False, **kwargs)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} exited {proc.returncode}\n"
                    f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc  # type: ignore[no-any-return]


def git(cwd: Path, *args: str) -> str:
    return run(["git", *args], cwd=cwd).stdout.strip()


def dvc(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real DVC CLI of this environment."""
    return run([sys.executable, "-m", "dvc", *args], cwd=cwd, check=check)


def commit_all(cwd: Path, message: str) -> str:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "-m", message)
    return git(cwd, "rev-parse", "HEAD")


@dataclass(frozen=True)
class Result:
    """What one mlci run printed and how it exited (the fields of a CompletedProcess)."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def mlci(*args: str, cwd: Path, expect: int | None = 0, env: dict[str, str] | None = None,
         input: str | None = None) -> Result:
    """Run mlci in this process (`mlci.cli.main(argv)`), in `cwd` with `env` added to the
    environment; `expect` is the exit code (None: any). Output of child processes (DVC stages)
    is not captured: use `mlci_process` to assert on it."""
    from mlci.cli import main

    out, err = io.StringIO(), io.StringIO()
    with _environment(env or {}), contextlib.chdir(cwd), _stdin(input), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return _checked(Result(args, code, out.getvalue(), err.getvalue()), expect)


def mlci_process(*args: str, cwd: Path, expect: int | None = 0,
                 env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """Run the real `mlci` entry point in a subprocess (`python -m mlci`)."""
    proc = subprocess.run([sys.executable, "-m", "mlci", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, input=input, check=False)
    return _checked(Result(args, proc.returncode, proc.stdout, proc.stderr), expect)


def _checked(result: Result, expect: int | None) -> Result:
    if expect is not None and result.returncode != expect:
        pytest.fail(f"mlci {' '.join(result.args)} exited {result.returncode}, expected {expect}"
                    f"\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


@contextlib.contextmanager
def _environment(extra: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _stdin(text: str | None) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.StringIO(text or "")
    try:
        yield
    finally:
        sys.stdin = saved
