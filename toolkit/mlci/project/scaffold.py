"""`mlci init`: make a directory an mlci project (git, DVC, the example pipeline, a remote).

The CI workflows come after, from `mlci.ci.generate` (they depend on the remote set here).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from mlci import pipeline
from mlci.shared import gitrepo
from mlci.shared.files import atomic_write
from mlci.templates import path as template_path

REMOTE_NAME = "storage"
# files kept without their leading dot inside the wheel (setuptools skips dotfiles)
DOTFILES = {"gitignore": ".gitignore"}


@dataclass(frozen=True)
class InitRequest:
    path: Path
    remote: str | None = None
    force: bool = False
    remote_endpoint: str | None = None  # an S3-compatible server's URL (MinIO, moto, Ceph ...)


@dataclass(frozen=True)
class InitResult:
    root: Path
    created: tuple[str, ...] = ()
    overwritten: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    steps: tuple[str, ...] = field(default=())  # what else init did: git init, dvc init, remote


def scaffold_files() -> dict[str, bytes]:
    """The example project as {relative path: content}: one source of truth, templates/project/."""
    root = template_path("project")
    files = {}
    for file in sorted(root.rglob("*")):
        if file.is_file() and "__pycache__" not in file.parts:
            rel = file.relative_to(root).as_posix()
            files[DOTFILES.get(rel, rel)] = file.read_bytes()
    return files


def init(request: InitRequest) -> InitResult:
    """Create what is missing; never overwrite an existing file unless `force`."""
    root = request.path.resolve()
    root.mkdir(parents=True, exist_ok=True)
    steps: list[str] = []
    toplevel = gitrepo.toplevel_or_none(root)
    if toplevel is None:
        gitrepo.init(root)
        steps.append("initialised a git repository (branch main)")
    if not pipeline.is_initialised(root):
        pipeline.init(root, subdir=toplevel is not None and toplevel != root)
        steps.append("initialised DVC (analytics off)")
    created, overwritten, skipped = _write_files(root, request.force)
    steps.extend(_configure_remote(root, request.remote, request.remote_endpoint))
    return InitResult(root, tuple(created), tuple(overwritten), tuple(skipped), tuple(steps))


def _write_files(root: Path, force: bool) -> tuple[list[str], list[str], list[str]]:
    created: list[str] = []
    overwritten: list[str] = []
    skipped: list[str] = []
    for rel, content in scaffold_files().items():
        target = root / rel
        if target.exists():
            if not force or target.read_bytes() == content:
                skipped.append(rel)
                continue
            overwritten.append(rel)
        else:
            created.append(rel)
        atomic_write(target, content.decode("utf-8"))
    return created, overwritten, skipped


def _configure_remote(root: Path, url: str | None, endpoint: str | None) -> list[str]:
    if url is not None:
        # a named remote is shared with the team: it goes in the committed .dvc/config
        pipeline.add_remote(root, REMOTE_NAME, _normalise_url(url), level="repo")
        steps = [f"default DVC remote '{REMOTE_NAME}': {url} (in .dvc/config)"]
        if endpoint is not None:
            pipeline.set_remote_option(root, REMOTE_NAME, "endpointurl", endpoint, level="repo")
            steps.append(f"remote '{REMOTE_NAME}' endpoint: {endpoint} (endpointurl)")
        return steps
    if pipeline.default_remote(root) is not None:
        return []
    local = default_local_remote(root)
    local.mkdir(parents=True, exist_ok=True)
    # a path on this machine only: .dvc/config.local, which git ignores
    pipeline.add_remote(root, REMOTE_NAME, str(local), level="local")
    return [f"default DVC remote '{REMOTE_NAME}': {local} (this machine only, .dvc/config.local)"]


def _normalise_url(url: str) -> str:
    """DVC URLs (s3://, gs://, ssh:// ...) stay as they are; a local path becomes absolute."""
    if "://" in url:
        return url
    return str(Path(url).expanduser().resolve())


def default_local_remote(root: Path) -> Path:
    """A local directory outside the repository, one per project path."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:8]
    return base / "mlci" / "remotes" / f"{root.name}-{digest}"
