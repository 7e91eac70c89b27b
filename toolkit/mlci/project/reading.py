"""Where a revision's files are: git objects, the work tree, or DVC's cache by dvc.lock's hash.

Committed files come from one `git cat-file --batch` per round; work-tree files from disk. A
file that is a DVC output (dvc.lock records it, git does not hold it) is read from the DVC
cache, as DVC reads it; objects the cache lacks are fetched from the DVC remote (DVC is only
imported then). What stays out of reach is reported with the reason, never silently absent.
"""

from __future__ import annotations

import configparser
import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.project import dvcfiles
from mlci.shared import gitrepo

WORKSPACE = "workspace"


@dataclass(frozen=True)
class Source:
    """A revision to read: a commit (`sha`) or the work tree (`sha` None); `rev` as asked."""

    rev: str
    sha: str | None

    @property
    def where(self) -> str:
        return "in the workspace" if self.sha is None else f"at {self.rev} ({self.sha[:7]})"


Key = tuple[Source, str]
Blobs = dict[Key, bytes | None]


def read(root: Path, wanted: list[Key]) -> Blobs:
    """File contents (None: no such file): committed ones in one cat-file batch, the rest
    from disk."""
    found: Blobs = {}
    committed = [(s, n) for s, n in wanted if s.sha is not None]
    blobs = gitrepo.read_blobs(root, [f"{s.sha}:{n}" for s, n in committed])
    found.update(zip(committed, blobs, strict=True))
    for source, name in wanted:
        if source.sha is None:
            found[(source, name)] = read_file(root / name)
    return found


def read_file(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


@dataclass(frozen=True)
class CacheRef:
    """Where a DVC output's file is: the dvc.lock output holding it, and the path inside it
    when that output is a directory ("" for a file output)."""

    out: dvcfiles.Out
    inner: str = ""


def covering(outs: dict[str, dvcfiles.Out], path: str) -> CacheRef | None:
    """The dvc.lock output that is `path` or a directory holding it (pure)."""
    if path in outs:
        return CacheRef(outs[path])
    for out_path, out in outs.items():
        if path.startswith(out_path + "/") and (out.md5 or "").endswith(".dir"):
            return CacheRef(out, path[len(out_path) + 1:])
    return None


def cache_dir(root: Path) -> str:
    """The DVC cache directory relative to root (`cache.dir` of .dvc/config[.local])."""
    configured = ".dvc/cache"
    for name in ("config", "config.local"):
        parser = configparser.ConfigParser(interpolation=None, strict=True)
        try:
            parser.read(root / ".dvc" / name, encoding="utf-8")
        except configparser.Error:
            continue
        if parser.has_option("cache", "dir"):
            configured = posixpath.join(".dvc", parser.get("cache", "dir"))
    return posixpath.normpath(configured)


@dataclass(frozen=True)
class CacheRead:
    """Contents read from the DVC cache, and why the rest could not be read."""

    blobs: Blobs
    unavailable: dict[Key, str]


def read_cached(root: Path, refs: dict[Key, CacheRef], fetch: bool = True) -> CacheRead:
    """Read each ref's file from the DVC cache, fetching what it lacks from the DVC remote
    (directory manifests first, then files: two fetches at most, none when all is here)."""
    where = cache_dir(root)
    manifests = {_object(r.out) for r in refs.values() if r.inner}
    missing = _ensure(root, where, manifests, fetch)
    files: dict[Key, _Object] = {}
    unavailable: dict[Key, str] = {}
    for key, ref in refs.items():
        obj = _object(ref.out)
        if ref.inner and obj in missing:
            unavailable[key] = _reason(ref.out, missing[obj])
        elif ref.inner:
            entry = _manifest(root / _path(where, obj)).get(ref.inner)
            if entry is not None:
                files[key] = _Object(entry, obj.legacy)
        else:
            files[key] = obj
    missing = _ensure(root, where, set(files.values()), fetch)
    blobs: Blobs = {}
    for key, obj in files.items():
        if obj in missing:
            unavailable[key] = _reason(refs[key].out, missing[obj])
        else:
            blobs[key] = read_file(root / _path(where, obj))
    return CacheRead(blobs, unavailable)


def listing(root: Path, ref: CacheRef) -> tuple[list[str], str | None]:
    """The files of a directory output under `ref.inner` (relative to it), or why unknown."""
    where = cache_dir(root)
    obj = _object(ref.out)
    missing = _ensure(root, where, {obj})
    if obj in missing:
        return [], _reason(ref.out, missing[obj])
    prefix = f"{ref.inner}/" if ref.inner else ""
    return [p[len(prefix):] for p in _manifest(root / _path(where, obj)) if p.startswith(prefix)], \
        None


@dataclass(frozen=True)
class _Object:
    md5: str
    legacy: bool


def _object(out: dvcfiles.Out) -> _Object:
    return _Object(out.md5 or "", out.legacy)


def _path(where: str, obj: _Object) -> str:
    return dvcfiles.object_file(where, obj.md5, obj.legacy)


def _manifest(path: Path) -> dict[str, str]:
    """A `.dir` object's entries: {relative path: md5}."""
    try:
        entries: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(e["relpath"]): str(e["md5"]) for e in entries if isinstance(e, dict)
            and "relpath" in e and "md5" in e} if isinstance(entries, list) else {}


def _ensure(root: Path, where: str, objects: set[_Object],
            fetch: bool = True) -> dict[_Object, str]:
    """Objects still not in the local cache after fetching them, each with why."""
    missing = [o for o in objects if o.md5 and not (root / _path(where, o)).is_file()]
    if not missing or not fetch:
        return dict.fromkeys(missing, "not in this machine's DVC cache (not fetched)")
    from mlci.pipeline import cache  # imports DVC: only when needed

    result = cache.fetch(root, [cache.CacheObject(o.md5, o.legacy) for o in missing])
    why = {o: (f"not in this machine's DVC cache, and {result.error}" if result.error
               else f"in neither this machine's DVC cache nor {result.remote}")
           for o in missing if not (root / _path(where, o)).is_file()}
    return why


def _reason(out: dvcfiles.Out, why: str) -> str:
    return f"a DVC output (dvc.lock md5 {(out.md5 or '?')[:7]}) {why}"
