"""The reference profile of a model version: given, published with it, cached, or built now.

`mlci publish` builds the profile from the version's training data (`monitor.NAME.reference`
at the version's commit), stores it in the DVC remote and writes its md5 into the model
card, so monitoring never reads the training set again. For versions published before that,
`mlci monitor` builds it once and caches it under ~/.cache/mlci/profiles/.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mlci.data import tables
from mlci.monitoring import serialize, sources
from mlci.monitoring.observation import Progress, scan
from mlci.monitoring.profile import Profile, Spec
from mlci.pipeline import blobs
from mlci.shared.files import atomic_write

if TYPE_CHECKING:
    from mlci.monitoring.scoring import Scorer

Origin = Literal["given", "published", "cached", "built"]


@dataclass(frozen=True)
class Request:
    """Which reference: the version's commit, its data path, the card's profile md5."""

    root: Path
    commit: str
    data: str  # monitor.NAME.reference
    spec: Spec
    scratch: Path
    model: Scorer | None = None
    target: str | None = None
    published: str = ""  # the md5 the model card names
    given: Path | None = None  # --reference: a table or a profile JSON
    progress: Progress | None = None


@dataclass(frozen=True, eq=False)
class Reference:
    profile: Profile
    origin: Origin
    where: str


def resolve(request: Request) -> Reference:
    """The reference profile, from the cheapest place that has a valid one."""
    if request.given is not None:
        return _given(request, request.given)
    key = spec_key(request.spec, request.model is not None)
    if request.published:
        stored = _published(request, key)
        if stored is not None:
            return stored
    sample = f"-first{request.spec.max_rows}" if request.spec.max_rows else ""
    cached = cache_dir() / f"{request.commit}-{_digest(request.data)}-{key}{sample}.json"
    if cached.is_file():
        found = serialize.loads(cached.read_text(encoding="utf-8"), str(cached))
        return Reference(found, "cached", str(cached))
    built = build(request)
    atomic_write(cached, serialize.dumps(built))
    return Reference(built, "built", f"{request.data} at {request.commit[:7]}")


def _given(request: Request, path: Path) -> Reference:
    if path.suffix == ".json":
        return Reference(serialize.loads(path.read_text(encoding="utf-8"), str(path)), "given",
                         str(path))

    scanned = scan(tables.batches(path), request.spec, request.model, request.target,
                   source={"path": str(path), "spec": spec_key(request.spec,
                                                               request.model is not None)},
                   progress=request.progress)
    return Reference(scanned.profile, "given", str(path))


def _published(request: Request, key: str) -> Reference | None:
    """The profile stored with the version, if it was built as `key` describes."""
    path = blobs.fetch(request.root, request.published)
    found = serialize.loads(path.read_text(encoding="utf-8"), f"profile {request.published}")
    if found.source.get("spec") != key:
        return None  # mlci.yaml's columns or privacy changed since: build afresh
    return Reference(found, "published", f"DVC remote, md5 {request.published}")


def build(request: Request) -> Profile:
    """Profile the version's training data (and the model's predictions on it)."""
    path = sources.at_revision(request.root, request.commit, request.data, request.scratch)
    source = {"path": request.data, "commit": request.commit,
              "spec": spec_key(request.spec, request.model is not None)}
    return scan(tables.batches(path), request.spec, request.model, request.target,
                source=source, progress=request.progress).profile


def publish(request: Request) -> str:
    """Build the reference profile, store it in the DVC remote, return its md5 (the card's)."""
    text = serialize.dumps(build(request))
    file = request.scratch / "profile.json"
    atomic_write(file, text)
    return blobs.store(request.root, file)


def spec_key(spec: Spec, scored: bool) -> str:
    """A short digest of what shapes a profile: column settings, privacy, predictions (not
    the row cap: a published profile of every row serves any `--sample`)."""
    settings = {"categorical": sorted(spec.categorical), "exclude": sorted(spec.exclude),
                "hashed": sorted(spec.hashed), "scored": scored, "format": serialize.FORMAT}
    return _digest(json.dumps(settings, sort_keys=True))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def cache_dir() -> Path:
    """Where built reference profiles are kept ($XDG_CACHE_HOME/mlci/profiles)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlci" / "profiles"
