"""`mlci init`: make a directory an mlci project (git, DVC, the example pipeline, a remote),
or adopt an existing DVC project (only mlci.yaml, written from what is there).

The CI workflows come after, from `mlci.ci.generate` (they depend on the remote set here).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from mlci import config, pipeline
from mlci.project import adoption, snapshot
from mlci.shared import gitrepo
from mlci.shared.files import atomic_write, dump_yaml, load_yaml
from mlci.shared.forges import FORGE_NAMES, ForgeName
from mlci.templates import template_path

REMOTE_NAME = "storage"
# files kept without their leading dot inside the wheel (setuptools skips dotfiles)
DOTFILES = {"gitignore": ".gitignore"}


@dataclass(frozen=True)
class InitRequest:
    path: Path
    remote: str | None = None
    force: bool = False
    remote_endpoint: str | None = None  # an S3-compatible server's URL (MinIO, moto, Ceph ...)
    example: bool = False  # the example pipeline even where a dvc.yaml exists
    forges: tuple[ForgeName, ...] | None = None  # None: from origin's URL, else both


@dataclass(frozen=True)
class InitResult:
    root: Path
    created: tuple[str, ...] = ()
    overwritten: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    steps: tuple[str, ...] = field(default=())  # what else init did: git init, dvc init, remote
    adopted: bool = False  # an existing DVC project: only mlci.yaml was written
    metrics: dict[str, str] = field(default_factory=dict)  # adopted: name -> direction
    warnings: tuple[str, ...] = ()  # what CI would miss (requirements, remote secrets)
    missing_here: tuple[str, ...] = ()  # packages the stages import that this Python lacks


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
    """Create what is missing; never overwrite an existing file unless `force`. A directory
    with a DVC pipeline is adopted: mlci.yaml is all it gets (unless `example`)."""
    root = request.path.resolve()
    root.mkdir(parents=True, exist_ok=True)
    steps: list[str] = []
    toplevel = gitrepo.toplevel_or_none(root)
    if toplevel is None:
        gitrepo.init(root)
        steps.append("initialised a git repository (branch main)")
    adopt = not request.example and has_pipeline(root) and not _is_example(root)
    if not pipeline.is_initialised(root):
        pipeline.init(root, subdir=toplevel is not None and toplevel != root)
        steps.append("initialised DVC (analytics off)")
    forges = request.forges or guess_forges(root)
    if adopt:
        return _adopt(root, request, steps, forges)
    created, overwritten, skipped = _write_files(root, request.force, scaffold_files())
    steps.extend(_configure_remote(root, request.remote, request.remote_endpoint))
    if request.forges or config.CONFIG_FILE in (*created, *overwritten):
        steps.extend(_set_forges(root, forges))
    needs = adoption.ci_needs(root, warn_no_remote=False)
    return InitResult(root, tuple(created), tuple(overwritten), tuple(skipped), tuple(steps),
                      warnings=needs.notes, missing_here=needs.missing_here)


def _adopt(root: Path, request: InitRequest, steps: list[str],
           forges: tuple[ForgeName, ...]) -> InitResult:
    """An existing DVC project: mlci.yaml from what is there; no example, no local remote."""
    steps.append("found a DVC pipeline (dvc.yaml): adopting it, writing mlci.yaml only "
                 "(`mlci init --example` writes the example pipeline instead)")
    if request.remote is not None:
        steps.extend(_configure_remote(root, request.remote, request.remote_endpoint))
    found = adoption.survey(root)
    created, overwritten, skipped = _write_files(
        root, request.force, {config.CONFIG_FILE: adoption.policy_text(found, forges).encode()})
    if skipped and request.forges:
        steps.extend(_set_forges(root, forges))
    return InitResult(root, tuple(created), tuple(overwritten), tuple(skipped), tuple(steps),
                      True, dict(found.metrics), found.warnings, found.missing_here)


def has_pipeline(root: Path) -> bool:
    """True when `root` holds a dvc.yaml, itself or (tracked by git) in a subdirectory."""
    if (root / "dvc.yaml").is_file():
        return True
    if gitrepo.toplevel_or_none(root) is None:
        return False
    return len(snapshot.pipeline_dirs(root)) > 1


def _is_example(root: Path) -> bool:
    """The example's own dvc.yaml (`mlci init` run again): the scaffold, not an adoption."""
    try:
        return (root / "dvc.yaml").read_bytes() == scaffold_files()["dvc.yaml"]
    except OSError:
        return False


def guess_forges(root: Path) -> tuple[ForgeName, ...]:
    """GitLab or GitHub by the `origin` remote's URL; both when it says neither."""
    url = gitrepo.git(root, "remote", "get-url", "origin", check=False).strip().lower()
    for forge in reversed(FORGE_NAMES):  # GitLab first: a URL may name both
        if forge in url:
            return (forge,)
    return FORGE_NAMES


def _set_forges(root: Path, forges: tuple[ForgeName, ...]) -> list[str]:
    """Set mlci.yaml's ci.forges (comments kept) when it differs from `forges`."""
    path = root / config.CONFIG_FILE
    if not path.is_file() or config.load(root).ci.forges == forges:
        return []
    data = load_yaml(path, config.CONFIG_FILE)
    if not isinstance(data, dict):
        return []
    ci = data.setdefault("ci", {})
    if not isinstance(ci, dict):
        return []
    ci["forges"] = list(forges)
    dump_yaml(data, path)
    return [f"mlci.yaml: ci.forges: [{', '.join(forges)}]"]


def _write_files(root: Path, force: bool,
                 files: dict[str, bytes]) -> tuple[list[str], list[str], list[str]]:
    created: list[str] = []
    overwritten: list[str] = []
    skipped: list[str] = []
    for rel, content in files.items():
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
        return steps + _unshadow(root, url)
    if pipeline.default_remote(root) is not None:
        return []
    local = default_local_remote(root)
    local.mkdir(parents=True, exist_ok=True)
    # a path on this machine only: .dvc/config.local, which git ignores
    pipeline.add_remote(root, REMOTE_NAME, str(local), level="local")
    return [f"default DVC remote '{REMOTE_NAME}': {local} (this machine only, .dvc/config.local)"]


def _unshadow(root: Path, url: str) -> list[str]:
    """`.dvc/config.local` wins over `.dvc/config` on this machine: the local directory an
    earlier `mlci init` chose is dropped there; any other local choice is pointed out."""
    default, local_url = pipeline.local_override(root, REMOTE_NAME)
    if local_url is not None and Path(local_url) == default_local_remote(root):
        pipeline.drop_local_url(root, REMOTE_NAME)
        return [f"dropped this machine's remote url {local_url} from .dvc/config.local "
                f"(it overrode {url})"]
    notes = []
    if local_url is not None:
        notes.append(f"note: .dvc/config.local sets remote '{REMOTE_NAME}' url {local_url}, "
                     f"which overrides {url} on this machine (`dvc remote modify --local "
                     f"--unset {REMOTE_NAME} url`)")
    if default not in (None, REMOTE_NAME):
        notes.append(f"note: .dvc/config.local makes '{default}' the default remote on this "
                     f"machine, not '{REMOTE_NAME}' (`dvc remote default --local --unset`)")
    return notes


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
