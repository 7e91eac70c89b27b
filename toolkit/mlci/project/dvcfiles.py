"""What `dvc.yaml` and `dvc.lock` declare, read as data (pure: no DVC import, no git).

Which files are metrics, params and plots follows DVC's rules: stage `metrics:` outputs and
top-level `metrics:`; stage `params:` (plain keys belong to params.yaml) and top-level
`params:`; params.yaml is always tracked whole. Paths are relative to the dvc.yaml's directory
(and a stage's `wdir`); here they become repository paths. Templated paths (`${...}`) are
skipped.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

DEFAULT_PARAMS = "params.yaml"


@dataclass(frozen=True)
class PlotSource:
    """Data one plot draws: a file, or a directory whose every file is a plot of its own."""

    path: str  # repository path
    x: str | None = None  # None: the record's index, which DVC calls "step"
    y: tuple[str, ...] = ()  # (): the last field of the first record, as DVC infers it


@dataclass(frozen=True)
class Plot:
    """A plot as dvc.yaml declares it: its data sources and how DVC draws them."""

    path: str  # its id: the data file or directory, or a top-level plot's name
    x: str | None = None
    y: str | None = None  # the one y field, when there is exactly one
    template: str | None = None
    title: str | None = None
    sources: tuple[PlotSource, ...] = ()


@dataclass(frozen=True)
class Command:
    """One command of a stage, with the directory it runs in (a repository path)."""

    stage: str
    wdir: str
    cmd: str


@dataclass(frozen=True)
class Layout:
    """The metrics, params and plots files dvc.yaml declares, as repository paths."""

    metrics: tuple[str, ...] = ()
    cached: frozenset[str] = frozenset()  # metrics/plots kept in the DVC cache, not in git
    uncached: frozenset[str] = frozenset()  # stage outputs with `cache: false` (kept in git)
    params: dict[str, tuple[str, ...]] = field(default_factory=dict)  # () = the whole file
    plots: tuple[Plot, ...] = ()
    wdirs: dict[str, str] = field(default_factory=dict)  # stage -> its directory (lock paths)
    outs: dict[str, bool] = field(default_factory=dict)  # stage `outs:` -> cached by DVC
    deps: tuple[str, ...] = ()
    commands: tuple[Command, ...] = ()


@dataclass(frozen=True)
class Out:
    """One output recorded in dvc.lock."""

    path: str
    md5: str | None
    size: int | None
    nfiles: int | None
    legacy: bool  # DVC 2 lock entry: cache at .dvc/cache/xx/..., not files/md5/xx/...


def layout(data: Any, base: str = "") -> Layout:
    """The Layout of a parsed dvc.yaml in directory `base` (None or garbage: no pipeline)."""
    data = data if isinstance(data, dict) else {}
    metrics: list[str] = [_norm(base, p) for p in _names(data.get("metrics"))]
    cached: set[str] = set()
    uncached: set[str] = set()
    params: list[tuple[str, tuple[str, ...]]] = [(_norm(base, p), ()) for p in
                                                 _names(data.get("params"))]
    plots = [_plot(base, entry) for entry in _entries(data.get("plots"))]
    wdirs: dict[str, str] = {}
    outs: dict[str, bool] = {}
    deps: list[str] = []
    commands: list[Command] = []
    for name, stage in _stages(data):
        wdir = wdirs[name] = _norm(base, str(stage.get("wdir") or "."))
        outs.update((_norm(wdir, p), props.get("cache", True) is not False)
                    for p, props in _entries(stage.get("outs")))
        deps.extend(_norm(wdir, p) for p in _names(stage.get("deps")))
        commands.extend(Command(name, wdir, cmd) for cmd in _commands(stage.get("cmd")))
        for path, props in _entries(stage.get("metrics")):
            metrics.append(_norm(wdir, path))
            (cached if props.get("cache", True) else uncached).add(_norm(wdir, path))
        for path, props in _entries(stage.get("plots")):
            plots.append(_plot(wdir, (path, props)))
            (cached if props.get("cache", True) else uncached).add(_norm(wdir, path))
        uncached.update(_norm(wdir, path) for path, props in _entries(stage.get("outs"))
                        if props.get("cache", True) is False)
        params.extend(_stage_params(wdir, stage.get("params")))
    return Layout(_unique(m for m in metrics if "${" not in m),
                  frozenset(c for c in cached if "${" not in c),
                  frozenset(u for u in uncached if "${" not in u),
                  _merge_params(params), tuple(p for p in plots if "${" not in p.path), wdirs,
                  {p: c for p, c in outs.items() if "${" not in p},
                  _unique(d for d in deps if "${" not in d), tuple(commands))


def merge(layouts: list[Layout]) -> Layout:
    """Several dvc.yaml files (a repository with pipelines in subdirectories) as one Layout."""
    if len(layouts) == 1:
        return layouts[0]
    return Layout(
        _unique(m for lay in layouts for m in lay.metrics),
        frozenset(c for lay in layouts for c in lay.cached),
        frozenset(u for lay in layouts for u in lay.uncached),
        _merge_params([entry for lay in layouts for entry in lay.params.items()]),
        tuple(p for lay in layouts for p in lay.plots),
        outs={p: c for lay in layouts for p, c in lay.outs.items()},
        deps=_unique(d for lay in layouts for d in lay.deps),
        commands=tuple(c for lay in layouts for c in lay.commands),
    )


def _commands(value: Any) -> list[str]:
    """A stage's `cmd:`: one command or a list of them."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]


def _stages(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, definition) of each stage; a `foreach` stage's definition is its `do:` body."""
    stages = data.get("stages")
    if not isinstance(stages, dict):
        return []
    found = []
    for name, stage in stages.items():
        body = stage.get("do", stage) if isinstance(stage, dict) and "foreach" in stage else stage
        if isinstance(body, dict):
            found.append((str(name), body))
    return found


def _names(value: Any) -> list[str]:
    return [path for path, _ in _entries(value)]


def _entries(value: Any) -> list[tuple[str, dict[str, Any]]]:
    """`[a, {b: {cache: false}}]` as `[(a, {}), (b, {cache: False})]`."""
    found: list[tuple[str, dict[str, Any]]] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str):
            found.append((item, {}))
        elif isinstance(item, dict):
            found.extend((str(k), v if isinstance(v, dict) else {}) for k, v in item.items())
    return found


def _norm(wdir: str, path: str) -> str:
    joined = posixpath.normpath(posixpath.join(wdir, path)) if wdir else posixpath.normpath(path)
    return "" if joined == "." else joined


def _plot(wdir: str, entry: tuple[str, dict[str, Any]]) -> Plot:
    """DVC's plot definitions: `y: {file: field(s)}` draws several files (x per file or one
    for all); otherwise the id is the data file or directory, `y` one field or a list."""
    path, props = entry
    text = {k: v if isinstance(v, str) else None for k, v in props.items()}
    x, y = props.get("x"), props.get("y")
    if isinstance(y, dict):
        sources = tuple(PlotSource(_norm(wdir, str(file)), _x_of(x, str(file)), _fields(fields))
                        for file, fields in y.items())
    else:
        sources = (PlotSource(_norm(wdir, path), text.get("x"), _fields(y)),)
    return Plot(_norm(wdir, path), text.get("x"), text.get("y"), text.get("template"),
                text.get("title"), tuple(s for s in sources if "${" not in s.path))


def _x_of(x: Any, file: str) -> str | None:
    if isinstance(x, dict):
        found = x.get(file)
        return found if isinstance(found, str) else None
    return x if isinstance(x, str) else None


def _fields(y: Any) -> tuple[str, ...]:
    if isinstance(y, str):
        return (y,)
    return tuple(str(f) for f in y) if isinstance(y, list) else ()


def _stage_params(wdir: str, value: Any) -> list[tuple[str, tuple[str, ...]]]:
    found: list[tuple[str, tuple[str, ...]]] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str):
            found.append((_norm(wdir, DEFAULT_PARAMS), (item,)))
        elif isinstance(item, dict):
            for file, keys in item.items():
                keys = tuple(str(k) for k in keys) if isinstance(keys, list) else ()
                found.append((_norm(wdir, str(file)), keys))
    return found


def _merge_params(entries: list[tuple[str, tuple[str, ...]]]) -> dict[str, tuple[str, ...]]:
    """DVC's `_merge_params`: a file listed anywhere without keys is tracked whole."""
    whole = {file for file, keys in entries if not keys} | {DEFAULT_PARAMS}
    merged: dict[str, tuple[str, ...]] = {DEFAULT_PARAMS: ()}
    for file, keys in entries:
        merged[file] = () if file in whole else _unique((*merged.get(file, ()), *keys))
    return merged


def _unique(items: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def select(data: Any, keys: tuple[str, ...]) -> Any:
    """The parts of a params file that dotted `keys` name, nested as in the file."""
    if not keys or not isinstance(data, dict):
        return data
    picked: dict[str, Any] = {}
    for key in keys:
        node, parts = data, key.split(".")
        for part in parts:
            node = node.get(part, _MISSING) if isinstance(node, dict) else _MISSING
        if node is not _MISSING:
            _put(picked, parts, node)
    return picked


_MISSING = object()


def _put(target: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def lock_stages(lock: Any, base: str = "", stage_wdirs: dict[str, str] | None = None
                ) -> dict[str, dict[str, Any]]:
    """A parsed dvc.lock's stages by DVC address (`name`, `dir/dvc.yaml:name`), each with the
    repository directory its out paths are relative to as `wdir` (when not the root)."""
    stages = lock.get("stages") if isinstance(lock, dict) else None
    found: dict[str, dict[str, Any]] = {}
    for name, stage in stages.items() if isinstance(stages, dict) else ():
        if isinstance(stage, dict):
            address = f"{base}/dvc.yaml:{name}" if base else str(name)
            wdir = (stage_wdirs or {}).get(str(name), base)
            found[address] = {**stage, "wdir": wdir} if wdir else stage
    return found


def outs(lock: Any) -> dict[str, Out]:
    """Every output of every stage in a parsed dvc.lock (as `lock_stages` gives), by path."""
    found: dict[str, Out] = {}
    for stage in lock_stages(lock).values():
        wdir = str(stage.get("wdir") or "")
        for entry in stage.get("outs") or []:
            if isinstance(entry, dict) and "path" in entry:
                path = _norm(wdir, str(entry["path"]))
                found[path] = Out(path, entry.get("md5"), entry.get("size"),
                                  entry.get("nfiles"), "hash" not in entry)
    return found


def dvcfile_outs(data: Any, dvcfile: str) -> dict[str, Out]:
    """The outputs a `.dvc` file (from `dvc add`) records, by repository path."""
    base = posixpath.dirname(dvcfile)
    wdir = _norm(base, str(data.get("wdir") or ".")) if isinstance(data, dict) else base
    return outs({"stages": {dvcfile: {"wdir": wdir, "outs": data.get("outs")}}}
                if isinstance(data, dict) else None)


def changed_stages(base: Any, head: Any) -> tuple[str, ...]:
    """Stages whose dvc.lock entry (command, inputs, params, outputs) differs, in head's order."""
    old = lock_stages(base)
    new = lock_stages(head)
    names = [*new, *(name for name in old if name not in new)]
    return tuple(name for name in names if old.get(name) != new.get(name))


def cache_file(cache_dir: str, out: Out) -> str:
    """Where DVC keeps a file output's content in its cache."""
    if not out.md5 or out.md5.endswith(".dir"):
        return ""
    return object_file(cache_dir, out.md5, out.legacy)


def object_file(cache_dir: str, md5: str, legacy: bool) -> str:
    """Where DVC keeps the object `md5` (a file, or a directory's `.dir` manifest)."""
    head, tail = md5[:2], md5[2:]
    if legacy:
        return posixpath.join(cache_dir, head, tail)
    return posixpath.join(cache_dir, "files", "md5", head, tail)
