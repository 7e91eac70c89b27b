"""Shared fixtures: an isolated HOME and git config, real git repos, real DVC, mlci as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# variables of a real CI job must not leak into tests that play one
LEAKY_PREFIXES = ("GITHUB_", "GITLAB_", "CI_", "MLCI_", "DVC_", "GIT_")


@pytest.fixture(scope="session", autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """HOME, git config and DVC's site cache in a temp dir; a fixed author and committer."""
    home = tmp_path_factory.mktemp("home")
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith(LEAKY_PREFIXES) or name in ("CI", "GH_TOKEN", "TOKEN"):
            del os.environ[name]
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = mlci test\n\temail = test@mlci.invalid\n"
        "[init]\n\tdefaultBranch = main\n[protocol \"file\"]\n\tallow = always\n"
        "[advice]\n\tdetachedHead = false\n"
    )
    os.environ.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_AUTHOR_NAME="mlci test",
        GIT_AUTHOR_EMAIL="test@mlci.invalid",
        GIT_COMMITTER_NAME="mlci test",
        GIT_COMMITTER_EMAIL="test@mlci.invalid",
        DVC_NO_ANALYTICS="1",
        DVC_SITE_CACHE_DIR=str(home / "dvc-site-cache"),
        NO_COLOR="1",
    )
    yield home
    os.environ.clear()
    os.environ.update(saved)


def run(args: list[str], cwd: Path, check: bool = True, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command; on an unexpected exit code fail with its output."""
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} exited {proc.returncode}\n"
                    f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc  # type: ignore[no-any-return]


def mlci(*args: str, cwd: Path, expect: int | None = 0, env: dict[str, str] | None = None,
         input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `mlci` CLI in a subprocess; `expect` is the exit code (None: any)."""
    proc = subprocess.run(
        [sys.executable, "-m", "mlci", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, input=input,
    )
    if expect is not None and proc.returncode != expect:
        pytest.fail(f"mlci {' '.join(args)} exited {proc.returncode}, expected {expect}\n"
                    f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def git(cwd: Path, *args: str) -> str:
    return run(["git", *args], cwd=cwd).stdout.strip()


def dvc(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real DVC CLI of this environment."""
    return run([sys.executable, "-m", "dvc", *args], cwd=cwd, check=check)


def commit_all(cwd: Path, message: str) -> str:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "-m", message)
    return git(cwd, "rev-parse", "HEAD")


@pytest.fixture(scope="session")
def trained_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`mlci init` + `mlci repro` + commit, once per session; copy it with `project`."""
    base = tmp_path_factory.mktemp("template")
    root = base / "proj"
    mlci("init", str(root), "--remote", str(base / "remote"), cwd=base)
    mlci("repro", cwd=root)
    commit_all(root, "mlci init + first training")
    return root


def copy_project(template: Path, where: Path) -> Path:
    """`where/proj`: a copy of a trained project with its own empty DVC remote
    (`where/dvc-remote`) and a bare origin (`where/origin.git`) holding main."""
    root = where / "proj"
    shutil.copytree(template, root, symlinks=True)
    remote = where / "dvc-remote"
    remote.mkdir()
    dvc(root, "remote", "add", "-f", "-d", "storage", str(remote))
    commit_all(root, "point the DVC remote at this test's directory")
    origin = where / "origin.git"
    run(["git", "init", "-q", "--bare", str(origin)], cwd=where)
    git(root, "remote", "add", "origin", str(origin))
    git(root, "push", "-q", "origin", "main")
    return root


@pytest.fixture
def project(trained_template: Path, tmp_path: Path) -> Path:
    """A trained, committed project of its own, with its own empty DVC remote and a bare origin."""
    return copy_project(trained_template, tmp_path)


MlciRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def forge() -> Iterator[object]:
    """A fake GitHub + GitLab API (tests/forge_server.py: FakeForge) on 127.0.0.1, random port."""
    from forge_server import FakeForge

    with FakeForge() as server:
        yield server
