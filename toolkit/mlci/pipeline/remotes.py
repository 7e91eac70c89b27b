"""DVC project setup: `dvc init` and remotes."""

from __future__ import annotations

import io
from pathlib import Path

from mlci.pipeline.session import dvc_logging, open_repo


def init(root: Path, subdir: bool) -> None:
    """`dvc init` with analytics switched off in the project's config."""

    from dvc.repo import Repo

    with dvc_logging(io.StringIO()):  # DVC's "you can now commit" is ours to say
        repo = Repo.init(str(root), subdir=subdir)
    try:
        with repo.config.edit("repo") as conf:
            conf["core"]["analytics"] = False
    finally:
        repo.close()


def default_remote(root: Path) -> str | None:
    """The name of the default DVC remote, if any level of config sets one."""
    with open_repo(root) as repo:
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
    with open_repo(root) as repo, repo.config.edit(level) as conf:
        conf["remote"][name] = {"url": url}
        conf["core"]["remote"] = name
