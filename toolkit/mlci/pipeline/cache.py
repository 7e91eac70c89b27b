"""Single objects from the DVC remote into the local cache: DVC-cached metrics and plots.

A clone (a CI job) has none of the DVC cache; `mlci diff`, `report` and `gate` read metrics by
the hash dvc.lock records. They are small, so they are fetched one by one: never a whole
directory output (a `.dir` object is fetched as its manifest only).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mlci.errors import MlciError
from mlci.pipeline.backends import default_info, remote_access
from mlci.pipeline.remotes import probe
from mlci.pipeline.session import dvc_logging, open_repo


@dataclass(frozen=True)
class CacheObject:
    """One object DVC keeps by its md5; `legacy` for DVC 2 hashes (md5-dos2unix layout)."""

    md5: str
    legacy: bool = False


@dataclass(frozen=True)
class FetchResult:
    """What a fetch did: the objects the remote lacks, or why the remote could not be used."""

    absent: frozenset[CacheObject] = frozenset()
    error: str | None = None  # no remote, a missing plugin, refused credentials, no network
    remote: str = "the DVC remote"  # how to name it: "the DVC remote 'storage' (s3://...)"


def fetch(root: Path, objects: Iterable[CacheObject]) -> FetchResult:
    """Copy `objects` from the default DVC remote into the local cache; never raises for the
    remote's sake: a failure comes back as `error`."""
    wanted = sorted(set(objects), key=lambda o: o.md5)
    if not wanted:
        return FetchResult()
    try:
        with dvc_logging(io.StringIO()), open_repo(root) as repo:
            info = default_info(repo)
            if info is None:
                return FetchResult(error="no DVC remote is configured")
            name = f"the DVC remote '{info.name}' ({info.url})"
            with remote_access(repo):
                absent = _copy(repo, wanted)
    except MlciError as exc:
        return FetchResult(error=exc.message)
    return FetchResult(frozenset(absent), remote=name)


def _copy(repo: object, wanted: list[CacheObject]) -> list[CacheObject]:
    probe(repo)  # an SDK may answer "absent" for "no credentials" (s3fs's exists does)
    remote = repo.cloud.get_remote(command="fetch")  # type: ignore[attr-defined]
    absent = []
    for obj in wanted:
        odb = remote.legacy_odb if obj.legacy else remote.odb
        cache = repo.cache.legacy if obj.legacy else repo.cache.local  # type: ignore[attr-defined]
        if not odb.exists(obj.md5):
            absent.append(obj)
            continue
        cache.add(odb.oid_to_path(obj.md5), odb.fs, obj.md5)
    return absent
