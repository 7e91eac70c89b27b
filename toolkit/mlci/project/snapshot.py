"""Metrics, params, plots and dvc.lock at revisions or in the workspace, without a checkout.

Committed files come from git objects through one `git cat-file --batch` per round (two rounds
whatever the number of revisions, after one `git ls-files` for the dvc.yaml files); metrics
that are DVC-cached outputs come from the DVC cache by the hash dvc.lock records. No DVC or
GitPython import: this is the fast path of `mlci diff`.
"""

from __future__ import annotations

import configparser
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlci.errors import ConfigError, RevisionNotFound
from mlci.project import dvcfiles, values
from mlci.shared import gitrepo

WORKSPACE = "workspace"


@dataclass(frozen=True)
class Snapshot:
    """What one revision holds: {file: parsed data} for metrics, params and plots."""

    rev: str  # as asked for ("HEAD", "main", ...) or "workspace"
    sha: str | None  # None for the workspace
    metrics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    plots: dict[str, Any] = field(default_factory=dict)
    layout: dvcfiles.Layout = field(default_factory=dvcfiles.Layout)
    lock: Any = None

    @property
    def label(self) -> str:
        """`abc1234` for a commit, `workspace` for the work tree."""
        return self.sha[:7] if self.sha else self.rev

    def flat_metrics(self) -> dict[str, dict[str, Any]]:
        """Metrics flattened per file: {file: {"test.f1": 0.9}}."""
        return {path: values.flatten(data) for path, data in self.metrics.items()}


@dataclass(frozen=True)
class _Source:
    rev: str
    sha: str | None

    @property
    def where(self) -> str:
        return "in the workspace" if self.sha is None else f"at {self.rev} ({self.sha[:7]})"


def resolve(root: Path, rev: str | None) -> _Source:
    """A revision name as a source to read; None or "workspace" is the work tree."""
    if rev is None or rev == WORKSPACE:
        return _Source(WORKSPACE, None)
    try:
        return _Source(rev, gitrepo.resolve(root, rev))
    except RevisionNotFound as exc:
        if gitrepo.head_sha(root) is None:
            raise RevisionNotFound(f"unknown revision '{rev}': this repository has no commits yet",
                                   hint="commit first, e.g. `git add -A && git commit`") from None
        if gitrepo.is_shallow(root):
            raise RevisionNotFound(
                f"unknown revision '{rev}' (this clone is shallow)",
                hint="fetch the history: `git fetch --unshallow` (in GitHub Actions: "
                "actions/checkout with fetch-depth: 0)",
            ) from None
        raise exc from None


@dataclass(frozen=True)
class Want:
    """What to read besides metrics: params, plots, dvc.lock (each costs parsing)."""

    params: bool = True
    plots: bool = False
    lock: bool = False
    targets: tuple[str, ...] = ()  # only these metrics/params files


def source(sha: str, rev: str | None = None) -> _Source:
    """A full commit SHA (from `git log`) as a source, with no lookup; `rev` names it."""
    return _Source(rev or sha, sha)


def read(root: Path, revs: list[str | None], want: Want = Want()) -> list[Snapshot]:
    """Snapshots of `revs` (None = workspace), in order; three git calls whatever their number."""
    return read_sources(root, [resolve(root, rev) for rev in revs], want)


def read_sources(root: Path, sources: list[_Source], want: Want = Want()) -> list[Snapshot]:
    """Snapshots of already resolved sources."""
    dirs = pipeline_dirs(root)
    first = _fetch(root, [(s, name) for s in sources for name in _pipeline_files(dirs, want)])
    pipelines = [_pipelines(first, s, dirs, want.lock) for s in sources]
    layouts = [layout for layout, _ in pipelines]
    locks = [lock for _, lock in pipelines]
    wanted = [_wanted(layout, want) for layout in layouts]
    missing = [(s, name) for s, names in zip(sources, wanted, strict=True) for name in names
               if (s, name) not in first]
    second = _fetch(root, missing, _cache_reads(root, sources, layouts, locks))
    second.update(first)
    return [_snapshot(second, s, lay, lock, want)
            for s, lay, lock in zip(sources, layouts, locks, strict=True)]


def read_yaml(root: Path, snaps: list[Snapshot], names: list[str]) -> list[dict[str, Any]]:
    """More files of snapshots already read (one git read): {name: parsed data} per snapshot."""
    sources = [_Source(s.rev, s.sha) for s in snaps]
    blobs = _fetch(root, [(s, name) for s in sources for name in names])
    parsed = [{name: _parse(blobs, s, name) for name in names} for s in sources]
    return [{name: data for name, data in found.items() if data is not None} for found in parsed]


def read_raw(root: Path, snaps: list[Snapshot], names: list[str]) -> list[dict[str, bytes]]:
    """More files of snapshots already read, unparsed (one git read): {name: bytes} each."""
    sources = [_Source(s.rev, s.sha) for s in snaps]
    blobs = _fetch(root, [(s, name) for s in sources for name in names])
    return [{name: raw for name in names if (raw := blobs.get((s, name))) is not None}
            for s in sources]


def layout(root: Path, rev: str | None = None) -> dvcfiles.Layout:
    """What the dvc.yaml files declare at `rev` (None: the workspace); nothing else is read."""
    source, dirs = resolve(root, rev), pipeline_dirs(root)
    blobs = _fetch(root, [(source, _in(d, "dvc.yaml")) for d in dirs])
    return dvcfiles.merge([dvcfiles.layout(_parse(blobs, source, _in(d, "dvc.yaml")), d)
                           for d in dirs])


def added_outs(root: Path) -> list[str]:
    """What the work tree's tracked `.dvc` files (`dvc add`) track, as repository paths."""
    names = gitrepo.git(root, "ls-files", "--", "*.dvc").splitlines()
    source = resolve(root, None)
    blobs = _fetch(root, [(source, name) for name in names])
    found: list[str] = []
    for name in names:
        found.extend(dvcfiles.dvcfile_outs(_parse(blobs, source, name), name))
    return found


def pipeline_dirs(root: Path) -> list[str]:
    """Directories holding a tracked dvc.yaml (the root first), from one `git ls-files`;
    those the root .dvcignore hides from DVC are left out, as DVC leaves them out."""
    found = gitrepo.git(root, "ls-files", "--", "dvc.yaml", "*/dvc.yaml").splitlines()
    ignored = _dvcignore(root)
    subdirs = sorted({posixpath.dirname(path) for path in found
                      if not ignored(path)} - {""})
    return ["", *subdirs]


def _dvcignore(root: Path) -> Callable[[str], bool]:
    """Whether the root .dvcignore (gitignore patterns, as DVC reads them) hides a path."""
    try:
        lines = (root / ".dvcignore").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return lambda path: False
    if not any(line.strip() and not line.startswith("#") for line in lines):
        return lambda path: False
    import pathspec  # DVC's own dependency for .dvcignore

    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    return lambda path: bool(spec.match_file(path))


def _in(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory else name


def _pipeline_files(dirs: list[str], want: Want) -> list[str]:
    names = [_in(d, name) for d in dirs for name in ("dvc.yaml", "dvc.lock")]
    return [*names, dvcfiles.DEFAULT_PARAMS] if want.params else names


def _pipelines(blobs: Blobs, source: _Source, dirs: list[str],
               lock: bool) -> tuple[dvcfiles.Layout, Any]:
    """The merged Layout of every dvc.yaml and, when wanted or needed, their merged dvc.lock."""
    layouts = [dvcfiles.layout(_parse(blobs, source, _in(d, "dvc.yaml")), d) for d in dirs]
    merged = dvcfiles.merge(layouts)
    if not (lock or merged.cached):
        return merged, None
    stages: dict[str, Any] = {}
    for directory, layout in zip(dirs, layouts, strict=True):
        data = _parse(blobs, source, _in(directory, "dvc.lock"))
        stages.update(dvcfiles.lock_stages(data, directory, layout.wdirs))
    return merged, {"stages": stages}


def _wanted(layout: dvcfiles.Layout, want: Want) -> list[str]:
    names = list(want.targets or layout.metrics)
    if want.params:
        names += list(layout.params)
    if want.plots:
        names += [plot.path for plot in layout.plots]
    return list(dict.fromkeys(names))


Blobs = dict[tuple[_Source, str], bytes | None]


def _fetch(root: Path, wanted: list[tuple[_Source, str]],
           cached: dict[tuple[_Source, str], str] | None = None) -> Blobs:
    """File contents: committed ones in one cat-file batch, the rest from disk or the cache."""
    cached = cached or {}
    found: Blobs = {}
    committed = [(s, n) for s, n in wanted if s.sha is not None and (s, n) not in cached]
    blobs = gitrepo.read_blobs(root, [f"{s.sha}:{n}" for s, n in committed])
    found.update(zip(committed, blobs, strict=True))
    for source, name in wanted:
        if source.sha is None:
            found[(source, name)] = _read_file(root / name)
        elif (source, name) in cached:
            found[(source, name)] = _read_file(root / cached[(source, name)])
    return found


def _read_file(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def _cache_reads(root: Path, sources: list[_Source], layouts: list[dvcfiles.Layout],
                 locks: list[Any]) -> dict[tuple[_Source, str], str]:
    """Committed metrics/plots that DVC caches: where their content is in .dvc/cache."""
    reads: dict[tuple[_Source, str], str] = {}
    directory: str | None = None
    for source, layout, lock in zip(sources, layouts, locks, strict=True):
        if source.sha is None or not layout.cached:
            continue
        directory = directory or cache_dir(root)
        outs = dvcfiles.outs(lock)
        for path in layout.cached & outs.keys():
            location = dvcfiles.cache_file(directory, outs[path])
            if location:
                reads[(source, path)] = location
    return reads


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


def _parse(blobs: Blobs, source: _Source, name: str) -> Any:
    raw = blobs.get((source, name))
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{name} {source.where}: not UTF-8 text") from None
    try:
        return values.parse(text, name)
    except ConfigError as exc:
        raise ConfigError(exc.message.replace(f"{name}:", f"{name} {source.where}:", 1),
                          hint=f"fix {name}, or compare other revisions") from None


def _parse_plot(blobs: Blobs, source: _Source, name: str) -> Any:
    """Plot data: JSON/YAML like metrics, CSV/TSV as records; other or broken files are skipped
    (a plot is worth less than the rest of the report)."""
    suffix = name.rsplit(".", 1)[-1].lower()
    if suffix in ("csv", "tsv"):

        raw = blobs.get((source, name))
        return None if raw is None else values.parse_csv(raw.decode("utf-8", "replace"),
                                                           tab=suffix == "tsv")
    if suffix not in ("json", "yaml", "yml"):
        return None
    try:
        return _parse(blobs, source, name)
    except ConfigError:
        return None


def _snapshot(blobs: Blobs, source: _Source, layout: dvcfiles.Layout, lock: Any,
              want: Want) -> Snapshot:
    targets = want.targets
    found_metrics = {}
    for path in targets or layout.metrics:
        data = _parse(blobs, source, path)
        if data is not None:
            found_metrics[path] = values.extract(data) or {}
    found_params = {}
    for path, keys in layout.params.items() if want.params else ():
        data = _parse(blobs, source, path)
        if data is not None and not (targets and path not in targets):
            found_params[path] = dvcfiles.select(data, keys)
    found_plots = {}
    for plot in layout.plots if want.plots else ():
        data = _parse_plot(blobs, source, plot.path)
        if data is not None:
            found_plots[plot.path] = data
    return Snapshot(source.rev, source.sha, found_metrics, found_params, found_plots,
                    layout, lock)
