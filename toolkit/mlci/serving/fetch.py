"""From a model reference to a verified file: the one way mlci obtains a model.

A reference (`NAME#STAGE`, `NAME@vX.Y.Z`, `NAME`) resolves through the registry's tags to a
commit; that commit's dvc.lock (or `.dvc` file) records the artifact's md5; the file comes
from the DVC cache or remote and is hashed before anyone may load it (pipeline.get_artifact
refuses a mismatch and leaves nothing behind). `mlci models get`, `mlci serve`, `mlci predict`
and `mlci monitor` all come through here.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci import pipeline
from mlci.errors import MlciError
from mlci.project import artifacts, dvcfiles, reading
from mlci.project.context import Project
from mlci.registry import models, modeltags
from mlci.registry.state import Model
from mlci.serving import bundles
from mlci.serving.located import Located


def default_ref(project: Project) -> str:
    """No reference given: the first model of dvc.yaml, in the stage `publish.compare_to`."""
    declared = [a for a in artifacts.declared_here(project.root).values() if a.type == "model"]
    if not declared:
        raise MlciError("dvc.yaml declares no model artifact",
                        hint="add one under `artifacts:` (type: model), or name a model: NAME")
    stage = project.config.publish.compare_to
    return f"{declared[0].name}#{stage}" if stage else declared[0].name


def parse(ref_text: str) -> modeltags.Ref:
    """A model reference, or an error saying what the grammar is."""
    try:
        return modeltags.parse_ref(ref_text)
    except ValueError as exc:
        raise MlciError(str(exc), hint="NAME (latest), NAME@vX.Y.Z or NAME#STAGE") from None


def locate(project: Project, ref_text: str | None = None,
           state: dict[str, Model] | None = None) -> Located:
    """Resolve `ref_text` (default: `default_ref`) to a version and the md5 its commit records."""
    root = project.root
    ref = parse(ref_text or default_ref(project))
    registry = models.load(root) if state is None else state
    version = models.resolve(models.find(registry, ref.name), ref)
    artifact = artifacts.artifact_at(root, version.commit, ref.name)
    recorded = artifacts.recorded_hash(root, version.commit, artifact)
    if recorded is None or not recorded.md5:
        raise MlciError(
            f"{artifact.path} at {version.commit[:7]}: neither dvc.lock nor "
            f"{artifact.path}.dvc records its md5, so it cannot be verified (mlci fetches and "
            "loads no unverified model)",
            hint="make the artifact a DVC output (a stage's `outs:` or `dvc add`), commit "
            "dvc.lock, then publish again")
    return Located(ref.name, version.version, version.commit, artifact.path, recorded.md5,
                   recorded.legacy, ref.stage, artifact.meta)


def download(root: Path, located: Located, out: Path) -> int:
    """Fetch the artifact to `out` (which must not exist) and verify it; the number of files.

    A file already in the local DVC cache is copied from there without starting DVC (the
    same md5 check follows); anything else comes through DVC, from the cache or the remote.
    """
    cached = _in_local_cache(root, located)
    if cached is None:
        return pipeline.get_artifact(root, located.commit, located.path, out, located.md5,
                                     located.legacy)
    shutil.copyfile(cached, out)
    pipeline.verify(out, located.md5, located.legacy, f"{located.path} at {located.commit[:7]}")
    return 1


def _in_local_cache(root: Path, located: Located) -> Path | None:
    out = dvcfiles.Out(located.path, located.md5, None, None, located.legacy)
    relative = dvcfiles.cache_file(reading.cache_dir(root), out)
    path = root / relative if relative else None
    return path if path is not None and path.is_file() else None


@dataclass(frozen=True)
class Fetched:
    """What `models get` wrote."""

    located: Located
    out: Path
    files: int
    bundle: bool = False

    def to_json(self) -> dict[str, Any]:
        """`mlci models get --json`."""
        found = self.located
        return {"name": found.name, "version": found.version, "commit": found.commit,
                "stage": found.stage, "path": found.path, "md5": found.md5,
                "out": str(self.out), "bundle": self.bundle}


def get(project: Project, ref_text: str, out: Path | None, force: bool = False,
        bundle: bool = False) -> Fetched:
    """`mlci models get`: the verified artifact at `out` (or a bundle directory with
    `--bundle`), put in place by a rename: never a partial file, nothing on a mismatch."""
    located = locate(project, ref_text)
    default = located.file_name if not bundle else f"{located.name.replace(':', '-')}-model"
    target = out if out is not None else Path.cwd() / default
    if (target.exists() or target.is_symlink()) and not force:
        raise MlciError(f"{target}: already exists", hint="remove it, choose -o PATH or --force")
    try:
        files = _install(project, located, target, bundle)
    except OSError as exc:
        raise MlciError(f"{target}: cannot write the artifact there: {exc.strerror or exc}",
                        hint="choose another -o PATH") from None
    return Fetched(located, target, files, bundle)


def _install(project: Project, located: Located, target: Path, bundle: bool) -> int:
    """Download next to `target`, verify, then rename onto it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".mlci-get-", dir=target.parent))
    try:
        new = scratch / "new"
        if bundle:
            new.mkdir()
            files = download(project.root, located, new / located.file_name)
            bundles.write(new, located, privacy_of(project))
        else:
            files = download(project.root, located, new)
        if target.is_dir() and not target.is_symlink():  # a directory can't be renamed over
            target.replace(scratch / "old")
        new.replace(target)
        return files
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def privacy_of(project: Project) -> dict[str, list[str]]:
    """mlci.yaml's privacy columns, carried in the bundle (a container has no mlci.yaml)."""
    privacy = project.config.privacy
    return {"exclude": list(privacy.exclude), "hash": list(privacy.hash)}
