"""A model bundle: a directory with the verified model file and `mlci-model.json` saying what
it is (name, version, commit, md5, sha256, the artifact's meta, privacy columns).

`mlci models get --bundle DIR` writes one after verifying the download against the registry;
the deploy image bakes it in, and `mlci serve --bundle DIR` serves it where there is no git
repository or DVC remote, checking the file's sha256 against the manifest before loading.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlci.errors import ArtifactMismatch, MlciError
from mlci.shared.files import atomic_write

if TYPE_CHECKING:
    from mlci.serving.located import Located

MANIFEST = "mlci-model.json"
_FIELDS = ("name", "version", "commit", "path", "md5", "stage")


@dataclass(frozen=True)
class Bundle:
    """A bundle read back: what the manifest says and where the file is."""

    directory: Path
    name: str
    version: str
    commit: str
    path: str
    md5: str
    file: str
    sha256: str
    stage: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    privacy: dict[str, list[str]] = field(default_factory=dict, hash=False, compare=False)

    @property
    def model_file(self) -> Path:
        return self.directory / self.file


def sha256_of(path: Path) -> str:
    """The sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def write(directory: Path, located: Located, privacy: dict[str, list[str]]) -> Path:
    """The manifest next to the (already verified) model file in `directory`."""
    file = directory / located.file_name
    if not file.is_file():
        raise MlciError(f"{located.path} is a directory artifact: a bundle holds one model file")
    manifest = {key: getattr(located, key) for key in _FIELDS}
    manifest.update(file=file.name, sha256=sha256_of(file), meta=located.meta, privacy=privacy)
    atomic_write(directory / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return directory / MANIFEST


def read(directory: Path) -> Bundle:
    """The bundle in `directory`, its file's sha256 checked against the manifest."""
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        bundle = Bundle(directory, **{k: data[k] for k in (*_FIELDS, "file", "sha256")},
                        meta=dict(data.get("meta") or {}), privacy=dict(data.get("privacy") or {}))
    except FileNotFoundError:
        raise MlciError(f"{directory}: no {MANIFEST}: not a model bundle",
                        hint="write one with `mlci models get REF --bundle -o DIR`") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise MlciError(f"{directory / MANIFEST}: not a valid bundle manifest ({exc})") from None
    if Path(bundle.file).name != bundle.file or not bundle.model_file.is_file():
        raise MlciError(f"{directory}: the manifest names {bundle.file!r}, which is not there")
    found = sha256_of(bundle.model_file)
    if found != bundle.sha256:
        raise ArtifactMismatch(f"{bundle.model_file}: sha256 {found} is not the {bundle.sha256} "
                               f"its manifest records; refused",
                               hint="rebuild the bundle with `mlci models get --bundle`")
    return bundle
