"""DVC project setup (`dvc init`, remotes, a shared cache) and a first use of the remote.

What a remote needs and what its failures mean is `pipeline.storage`.
"""

from __future__ import annotations

import configparser
import io
import re
from pathlib import Path
from typing import Any

from mlci.pipeline.backends import RemoteInfo, default_info, remote_error
from mlci.pipeline.session import dvc_logging, open_repo

_SECTION = re.compile(r"""'?remote\s+"([^"]+)"'?""")


def probe(repo: Any) -> None:
    """Use the default remote once (inside `remote_access`), so that a missing plugin, refused
    credentials or an unreachable host fail here, clearly: DVC's pull would only warn that
    nothing was found, and CI would quietly retrain. A remote not created yet is fine."""
    remote = repo.cloud.get_remote(command="pull")
    try:
        remote.fs.info(remote.path)
    except FileNotFoundError as exc:  # fsspec's HTTP says so of a refused connection too
        error = remote_error(exc, default_info(repo))
        if error is not None:
            raise error from None


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
    info = shared_remote_info(root)
    return info.name if info else None


def shared_remote_info(root: Path) -> RemoteInfo | None:
    """The default remote of the committed `.dvc/config`: name and URL, read without DVC."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(root / ".dvc" / "config", encoding="utf-8")
    except configparser.Error:
        return None
    name = parser.get("core", "remote", fallback=None)
    if not name:
        return None
    url = ""
    for section in parser.sections():  # DVC writes `'remote "name"'`, quotes included
        found = _SECTION.fullmatch(section)
        if found and found.group(1) == name:
            url = parser.get(section, "url", fallback="")
    return RemoteInfo(name, url)


def add_remote(root: Path, name: str, url: str, level: str) -> None:
    """Add `url` as the default remote `name` at config `level` ("repo" or "local")."""
    with open_repo(root) as repo, repo.config.edit(level) as conf:
        conf["remote"][name] = {"url": url}
        conf["core"]["remote"] = name


def local_override(root: Path, name: str) -> tuple[str | None, str | None]:
    """What this machine's `.dvc/config.local` says over the committed config: its default
    remote's name and remote `name`'s url (None where it says nothing)."""
    from dvc.config import Config

    with dvc_logging(io.StringIO()):
        local = Config(dvc_dir=str(root / ".dvc"), validate=False).load_one("local")
    remote = (local.get("remote") or {}).get(name) or {}
    return (local.get("core") or {}).get("remote"), remote.get("url")


def drop_local_url(root: Path, name: str) -> None:
    """Remove remote `name`'s url from `.dvc/config.local`; its other local settings
    (credentials) stay and apply to the committed url."""
    from dvc.config import Config

    with dvc_logging(io.StringIO()), Config(dvc_dir=str(root / ".dvc"),
                                            validate=False).edit("local") as conf:
        section = conf["remote"].get(name)
        if section is not None:
            section.pop("url", None)
            if not section:
                del conf["remote"][name]


def set_remote_option(root: Path, name: str, option: str, value: str, level: str) -> None:
    """Set `option` (e.g. `endpointurl`) of remote `name` at config `level`."""
    with open_repo(root) as repo, repo.config.edit(level) as conf:
        conf["remote"][name][option] = value


def share_cache(source: Path, tree: Path) -> None:
    """Make the DVC project in work tree `tree` use `source`'s cache (outputs and run-cache)
    and its machine-local settings (`.dvc/config.local`: remotes, credentials paths)."""
    from dvc.config import Config, merge

    with dvc_logging(io.StringIO()):
        settings = Config(dvc_dir=str(source / ".dvc"), validate=False)
        local = settings.load_one("local")  # paths made absolute
        cache_dir = (settings.get("cache") or {}).get("dir") or str(source / ".dvc" / "cache")
        with Config(dvc_dir=str(tree / ".dvc"), validate=False).edit("local") as conf:
            merge(conf, local)
            conf["cache"]["dir"] = str(cache_dir)
