"""Fixtures: an isolated HOME and git config, a trained project, a fake forge (see support/)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import browser
from support.adopted import Adopted
from support.adopted import build as build_adopted
from support.commands import commit_all, mlci
from support.projects import copy_project

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


@pytest.fixture(scope="session")
def trained_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`mlci init` + `mlci repro` + commit, once per session; copy it with `project`."""
    base = tmp_path_factory.mktemp("template")
    root = base / "proj"
    mlci("init", str(root), "--remote", str(base / "remote"), cwd=base)
    mlci("repro", cwd=root)
    commit_all(root, "mlci init + first training")
    return root


@pytest.fixture
def project(trained_template: Path, tmp_path: Path) -> Path:
    """A trained, committed project of its own, with its own empty DVC remote and a bare origin."""
    return copy_project(trained_template, tmp_path)


@pytest.fixture(scope="session")
def adopted(tmp_path_factory: pytest.TempPathFactory) -> Adopted:
    """An existing DVC project as found in the wild (support.adopted): shared, never changed;
    copy it (`support.adopted.copy`) or clone its origin to change anything."""
    return build_adopted(tmp_path_factory.mktemp("adopted"))


@pytest.fixture
def forge() -> Iterator[object]:
    """A fake GitHub + GitLab API (support.forge_server.FakeForge) on 127.0.0.1, random port."""
    from support.forge_server import FakeForge

    with FakeForge() as server:
        yield server


@pytest.fixture(scope="session")
def mermaid(tmp_path_factory: pytest.TempPathFactory) -> Iterator[browser.MermaidBrowser]:
    """mermaid.js 11 in one headless Chromium for the session (support.browser); PNGs of
    every chart drawn go to $MLCI_TEST_ARTIFACTS/mermaid or a temp dir, named at the end."""
    if browser.ARTIFACTS:
        out = Path(browser.ARTIFACTS) / "mermaid"
        out.mkdir(parents=True, exist_ok=True)
    else:
        out = tmp_path_factory.mktemp("mermaid")
    SCREENSHOTS.append(out)
    page = browser.MermaidBrowser(out)
    yield page
    page.close()


SCREENSHOTS: list[Path] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the chart screenshots are, so a reviewer can look at them."""
    for path in SCREENSHOTS:
        terminalreporter.write_line(f"mermaid chart screenshots: {path}")
