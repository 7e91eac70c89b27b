"""Metrics, params, plots and dvc.lock at revisions or in the workspace, without a checkout.

Committed files come from git objects through one `git cat-file --batch` per round (two rounds
whatever the number of revisions, after one `git ls-files` for the dvc.yaml files); files that
are DVC outputs come from the DVC cache by the hash dvc.lock records, fetched from the DVC
remote when the cache lacks them (`storage`). No DVC or GitPython import unless a fetch is
needed: this is the fast path of `mlci diff`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlci.errors import ConfigError, RevisionNotFound
from mlci.project import dvcfiles, reading, values
from mlci.project.reading import WORKSPACE, Blobs, CacheRef, Key, Source
from mlci.shared import gitrepo

__all__ = ["WORKSPACE", "Snapshot", "Source", "Want", "read", "read_sources", "resolve", "source"]
PLOT_SUFFIXES = ("json", "yaml", "yml", "csv", "tsv")


@dataclass(frozen=True)
class Snapshot:
    """What one revision holds: {file: parsed data} for metrics, params and plots."""

    rev: str  # as asked for ("HEAD", "main", ...) or "workspace"
    sha: str | None  # None for the workspace
    metrics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    plots: dict[str, Any] = field(default_factory=dict)  # data file -> parsed data
    layout: dvcfiles.Layout = field(default_factory=dvcfiles.Layout)
    lock: Any = None
    plot_files: dict[str, tuple[str, ...]] = field(default_factory=dict)  # source -> data files
    unavailable: dict[str, str] = field(default_factory=dict)  # file -> why it could not be read

    @property
    def label(self) -> str:
        """`abc1234` for a commit, `workspace` for the work tree."""
        return self.sha[:7] if self.sha else self.rev

    @property
    def where(self) -> str:
        """`at main (abc1234)` or `in the workspace`, for messages."""
        return Source(self.rev, self.sha).where

    def flat_metrics(self) -> dict[str, dict[str, Any]]:
        """Metrics flattened per file: {file: {"test.f1": 0.9}}."""
        return {path: values.flatten(data) for path, data in self.metrics.items()}

    def missing_metrics(self) -> dict[str, str]:
        """Metrics files this revision has but whose content could not be read, with why."""
        declared = set(self.layout.metrics)
        return {path: why for path, why in self.unavailable.items() if path in declared}


def resolve(root: Path, rev: str | None) -> Source:
    """A revision name as a source to read; None or "workspace" is the work tree."""
    if rev is None or rev == WORKSPACE:
        return Source(WORKSPACE, None)
    try:
        return Source(rev, gitrepo.resolve(root, rev))
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
    """What to read besides dvc.yaml and dvc.lock: metrics, params, plots (each costs parsing,
    and DVC-cached metrics a fetch)."""

    metrics: bool = True
    params: bool = True
    plots: bool = False
    targets: tuple[str, ...] = ()  # only these metrics/params files
    lenient: bool = False  # an unreadable metrics file is unavailable, not an error (history)
    fetch: bool = True  # DVC-cached files the cache lacks come from the DVC remote


EVERYTHING = Want()  # metrics and params, no plots


def source(sha: str, rev: str | None = None) -> Source:
    """A full commit SHA (from `git log`) as a source, with no lookup; `rev` names it."""
    return Source(rev or sha, sha)


def read(root: Path, revs: list[str | None], want: Want = Want()) -> list[Snapshot]:
    """Snapshots of `revs` (None = workspace), in order; three git calls whatever their number."""
    return read_sources(root, [resolve(root, rev) for rev in revs], want)


def read_sources(root: Path, sources: list[Source], want: Want = Want()) -> list[Snapshot]:
    """Snapshots of already resolved sources."""
    dirs = pipeline_dirs(root)
    first = reading.read(root, [(s, name) for s in sources for name in _pipeline_files(dirs, want)])
    pipelines = [_pipelines(first, s, dirs) for s in sources]
    plots = [_plot_files(root, s, lay, lock) if want.plots else ({}, {})
             for s, (lay, lock) in zip(sources, pipelines, strict=True)]
    wanted = [(s, name) for s, (lay, _), (files, _) in zip(sources, pipelines, plots, strict=True)
              for name in _wanted(lay, want, files) if (s, name) not in first]
    blobs = {**reading.read(root, wanted), **first}
    cached = reading.read_cached(root, _cache_refs(blobs, wanted, pipelines, sources),
                                 want.fetch)
    blobs.update(cached.blobs)
    return [_snapshot(blobs, s, lay, lock, want, files,
                      {**gaps, **{n: why for (src, n), why in cached.unavailable.items()
                                  if src == s}})
            for s, (lay, lock), (files, gaps) in zip(sources, pipelines, plots, strict=True)]


def read_yaml(root: Path, snaps: list[Snapshot], names: list[str]) -> list[dict[str, Any]]:
    """More files of snapshots already read (one git read): {name: parsed data} per snapshot."""
    sources = [Source(s.rev, s.sha) for s in snaps]
    blobs = reading.read(root, [(s, name) for s in sources for name in names])
    parsed = [{name: _parse(blobs, s, name) for name in names} for s in sources]
    return [{name: data for name, data in found.items() if data is not None} for found in parsed]


def read_raw(root: Path, snaps: list[Snapshot], names: list[str]) -> list[dict[str, bytes]]:
    """More files of snapshots already read, unparsed (one git read): {name: bytes} each."""
    sources = [Source(s.rev, s.sha) for s in snaps]
    blobs = reading.read(root, [(s, name) for s in sources for name in names])
    return [{name: raw for name in names if (raw := blobs.get((s, name))) is not None}
            for s in sources]


def layout(root: Path, rev: str | None = None) -> dvcfiles.Layout:
    """What the dvc.yaml files declare at `rev` (None: the workspace); nothing else is read."""
    source, dirs = resolve(root, rev), pipeline_dirs(root)
    blobs = reading.read(root, [(source, _in(d, "dvc.yaml")) for d in dirs])
    return dvcfiles.merge([dvcfiles.layout(_parse(blobs, source, _in(d, "dvc.yaml")), d)
                           for d in dirs])


def added_outs(root: Path) -> list[str]:
    """What the work tree's tracked `.dvc` files (`dvc add`) track, as repository paths."""
    names = gitrepo.git(root, "ls-files", "--", "*.dvc").splitlines()
    source = resolve(root, None)
    blobs = reading.read(root, [(source, name) for name in names])
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
    import pathspec  # DVC's own dependency; only when a .dvcignore has patterns

    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    return lambda path: bool(spec.match_file(path))


def _in(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory else name


def _pipeline_files(dirs: list[str], want: Want) -> list[str]:
    names = [_in(d, name) for d in dirs for name in ("dvc.yaml", "dvc.lock")]
    return [*names, dvcfiles.DEFAULT_PARAMS] if want.params else names


def _pipelines(blobs: Blobs, source: Source, dirs: list[str]) -> tuple[dvcfiles.Layout, Any]:
    """The merged Layout of every dvc.yaml and their merged dvc.lock."""
    layouts = [dvcfiles.layout(_parse(blobs, source, _in(d, "dvc.yaml")), d) for d in dirs]
    stages: dict[str, Any] = {}
    for directory, layout in zip(dirs, layouts, strict=True):
        data = _parse(blobs, source, _in(directory, "dvc.lock"))
        stages.update(dvcfiles.lock_stages(data, directory, layout.wdirs))
    return dvcfiles.merge(layouts), {"stages": stages}


def _wanted(layout: dvcfiles.Layout, want: Want, plot_files: dict[str, tuple[str, ...]]
            ) -> list[str]:
    names = list(want.targets or layout.metrics) if want.metrics else []
    if want.params:
        names += list(layout.params)
    names += [name for files in plot_files.values() for name in files]
    return list(dict.fromkeys(names))


def _outs(layout: dvcfiles.Layout, lock: Any) -> dict[str, dvcfiles.Out]:
    """dvc.lock's outputs whose content DVC caches (`cache: false` ones live in git)."""
    return {p: out for p, out in dvcfiles.outs(lock).items() if p not in layout.uncached}


def _cache_refs(blobs: Blobs, wanted: list[Key], pipelines: list[tuple[dvcfiles.Layout, Any]],
                sources: list[Source]) -> dict[Key, CacheRef]:
    """The wanted files neither git nor the work tree holds that are DVC outputs."""
    outs = {s: _outs(lay, lock) for s, (lay, lock) in zip(sources, pipelines, strict=True)}
    refs = {}
    for key in wanted:
        ref = reading.covering(outs[key[0]], key[1]) if blobs.get(key) is None else None
        if ref is not None and not _is_dir(ref):
            refs[key] = ref
    return refs


def _is_dir(ref: CacheRef) -> bool:
    return not ref.inner and (ref.out.md5 or "").endswith(".dir")


def _plot_files(root: Path, source: Source, layout: dvcfiles.Layout, lock: Any
                ) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Each plot source's data files at `source` (a directory lists its files), and why a
    DVC-cached directory could not be listed."""
    paths = list(dict.fromkeys(s.path for plot in layout.plots for s in plot.sources))
    listed = _listed(root, source, paths)
    outs = _outs(layout, lock)
    files: dict[str, tuple[str, ...]] = {}
    gaps: dict[str, str] = {}
    for path in paths:
        found = [f for f in listed if f == path or f.startswith(path + "/")]
        ref = None if found else reading.covering(outs, path)
        if ref is not None:
            found, why = _cached_files(root, path, ref)
            if why:
                gaps[path] = why
        files[path] = tuple(f for f in sorted(found) if f == path or _is_plot_file(f))
    return files, gaps


def _cached_files(root: Path, path: str, ref: CacheRef) -> tuple[list[str], str | None]:
    """A DVC output's files at `path`: the path itself, or what a directory output lists."""
    if not ref.inner and not _is_dir(ref):
        return [path], None
    inner, why = reading.listing(root, ref)
    if ref.inner and not inner and why is None:
        return [path], None  # a file inside a directory output
    return [f"{path}/{name}" for name in inner], why


def _listed(root: Path, source: Source, paths: list[str]) -> list[str]:
    """Files at `source` that are `paths` or under them: git's tree, or the work tree."""
    if source.sha is not None:
        return gitrepo.tree_files(root, source.sha, paths)
    found = []
    for path in paths:
        target = root / path
        if target.is_file():
            found.append(path)
        elif target.is_dir():
            found += [p.relative_to(root).as_posix() for p in target.rglob("*") if p.is_file()]
    return found


def _is_plot_file(name: str) -> bool:
    return name.rsplit(".", 1)[-1].lower() in PLOT_SUFFIXES


def _parse(blobs: Blobs, source: Source, name: str) -> Any:
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


def _parse_plot(blobs: Blobs, source: Source, name: str) -> Any:
    """Plot data: JSON/YAML like metrics, CSV/TSV as records; other or broken files are skipped
    (a plot is worth less than the rest of the report)."""
    suffix = name.rsplit(".", 1)[-1].lower()
    raw = blobs.get((source, name))
    if raw is None:
        return None
    if suffix in ("csv", "tsv"):
        return values.parse_csv(raw.decode("utf-8", "replace"), tab=suffix == "tsv")
    if suffix not in PLOT_SUFFIXES:
        return None
    try:
        return _parse(blobs, source, name)
    except ConfigError:
        return None


def _snapshot(blobs: Blobs, source: Source, layout: dvcfiles.Layout, lock: Any, want: Want,
              plot_files: dict[str, tuple[str, ...]], unavailable: dict[str, str]) -> Snapshot:
    targets = want.targets
    found_metrics = {}
    for path in (targets or layout.metrics) if want.metrics else ():
        try:
            data = _parse(blobs, source, path)
        except ConfigError as exc:
            if not want.lenient:
                raise
            unavailable[path] = f"unreadable ({exc.message})"
            continue
        if data is not None:
            found_metrics[path] = values.extract(data) or {}
    found_params = {}
    for path, keys in layout.params.items() if want.params else ():
        data = _parse(blobs, source, path)
        if data is not None and not (targets and path not in targets):
            found_params[path] = dvcfiles.select(data, keys)
    found_plots = {}
    for name in dict.fromkeys(n for files in plot_files.values() for n in files):
        data = _parse_plot(blobs, source, name)
        if data is not None:
            found_plots[name] = data
    return Snapshot(source.rev, source.sha, found_metrics, found_params, found_plots,
                    layout, lock, plot_files, unavailable)
