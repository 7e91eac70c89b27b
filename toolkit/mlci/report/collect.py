"""`mlci report`: gather base, head and the default branch's history into a report."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.data import checks
from mlci.data.checks import Outcome
from mlci.errors import RevisionNotFound
from mlci.metrics import comparison
from mlci.metrics.gate import judge, load_scan
from mlci.project import dvcfiles, snapshot
from mlci.project.context import Project
from mlci.project.snapshot import Snapshot
from mlci.project.values import is_number, last_field, lookup, rows
from mlci.report.document import (
    DataChange,
    MetricRow,
    ParamRow,
    PlotKind,
    PlotPair,
    Report,
    SchemaCheck,
    Trend,
    Unreadable,
)
from mlci.report.render import render
from mlci.shared import gitrepo

MAX_TRENDS = 6  # charts, when mlci.yaml names no key metrics
INDEX = "step"  # what DVC calls the record index it draws when a plot names no x


@dataclass(frozen=True)
class ReportRequest:
    """`mlci report`: base None = merge-base with the default branch; head None = workspace."""

    project: Project
    base: str | None = None
    head: str | None = None
    trend: int = 10
    privacy: Path | None = None  # a `mlci data scan --output` result to show and gate on


def build(request: ReportRequest) -> str:
    """The report's Markdown (at most render.LIMIT characters)."""
    return render(collect(request))


def collect(request: ReportRequest) -> Report:
    """Read everything the report shows: two snapshots with plots, then the trend history."""
    project = request.project
    root, settings = project.root, project.config
    branch_ref = default_ref(root, settings.default_branch)
    head_source = project.resolve(request.head)  # an unknown --head fails here, clearly
    base_rev = request.base or default_base(root, branch_ref, settings.default_branch,
                                            head_source.sha or "HEAD")
    want = snapshot.Want(plots=True)
    base, head = project.read_sources([project.resolve(base_rev), head_source], want)
    compared = comparison.between(base, head, comparison.directions(settings), all=True)
    head_sha = head.sha or gitrepo.head_sha(root)
    history = _history(project, branch_ref, request.trend, head_sha)
    base_checks, head_checks = checks.read(root, [base, head])
    scan = load_scan(request.privacy) if request.privacy is not None else None
    return Report(
        base=base.label, head=head_sha[:7] if head_sha else head.label,
        workspace=head.sha is None,
        gate=judge(settings.metrics, base, head, head_checks, scan),
        checks=schema_checks(base_checks, head_checks), privacy=scan,
        branch=settings.default_branch,
        stages=dvcfiles.changed_stages(base.lock, head.lock),
        metrics=_metric_rows(compared), params=_param_rows(compared),
        trends=_trends([*history, head], compared), plots=_plots(base, head),
        data=data_changes(root, base, head),
        unreadable=_unreadable(base, head, history, settings.default_branch),
        has_config=project.has_config,
    )


def default_ref(root: Path, branch: str) -> str | None:
    """`origin/<branch>` when it exists, else `<branch>`, else None."""
    for ref in (f"origin/{branch}", branch):
        if gitrepo.ref_exists(root, ref):
            return ref
    return None


def default_base(root: Path, ref: str | None, branch: str, head: str = "HEAD") -> str:
    """The merge-base of head with the default branch, or a clear error saying how to fix it."""
    if ref is None:
        raise RevisionNotFound(
            f"no branch '{branch}' or 'origin/{branch}' to compare with",
            hint="pass --base REV, or fetch the default branch "
            f"(`git fetch origin {branch}`)",
        )
    found = gitrepo.merge_base(root, head, ref)
    if found:
        return found
    if gitrepo.is_shallow(root):
        raise RevisionNotFound(
            f"no merge-base of {head} and {ref}: this clone is shallow",
            hint=f"fetch the history: `git fetch --unshallow origin {branch}` (in GitHub "
            "Actions: actions/checkout with fetch-depth: 0)",
        )
    raise RevisionNotFound(f"{head} and {ref} share no history", hint="pass --base REV")


def _history(project: Project, ref: str | None, count: int, head: str | None,
             ) -> list[Snapshot]:
    """The default branch's last commits, oldest first, without head's own commit (head is
    the last point already); a commit whose metrics cannot be read is kept, with why."""
    if not ref or count <= 0:
        return []
    shas = [sha for sha in gitrepo.first_parent_log(project.root, ref, count) if sha != head]
    sources = [snapshot.source(sha) for sha in reversed(shas)]
    return project.read_sources(sources, snapshot.Want(params=False, lenient=True))


def _unreadable(base: Snapshot, head: Snapshot, history: list[Snapshot],
                branch: str) -> tuple[Unreadable, ...]:
    """Metrics files that could not be read, grouped by file and reason, revisions listed."""
    found: dict[tuple[str, str], list[str]] = {}
    points = [(f"base `{base.label}`", base), (f"head `{head.label}`", head),
              *((f"{branch} `{snap.label}`", snap) for snap in history
                if snap.sha not in (base.sha, head.sha))]
    for label, snap in points:
        for path, why in snap.missing_metrics().items():
            found.setdefault((path, why), []).append(label)
    return tuple(Unreadable(tuple(revs), path, why) for (path, why), revs in found.items())


def _names(compared: comparison.Comparison) -> dict[tuple[str, str], str]:
    """Display name of each (file, key): the key, or `file:key` with several metrics files."""
    files = set(compared.base.metrics) | set(compared.head.metrics)
    keys = [(path, key) for path, changes in compared.metrics.items() for key in changes]
    return {(path, key): key if len(files) <= 1 else f"{path}:{key}" for path, key in keys}


def _metric_rows(compared: comparison.Comparison) -> tuple[MetricRow, ...]:
    names = _names(compared)
    rows = []
    for path, changes in compared.metrics.items():
        for key, change in changes.items():
            rows.append(MetricRow(names[(path, key)], change["old"], change["new"],
                                         compared.direction(path, key),
                                         compared.unavailable(path, change)))
    return tuple(rows)


def _param_rows(compared: comparison.Comparison) -> tuple[ParamRow, ...]:
    return tuple(
        ParamRow(key if path == dvcfiles.DEFAULT_PARAMS else f"{path}:{key}",
                        change["old"], change["new"])
        for path, changes in compared.params.items() for key, change in changes.items()
        if change["old"] != change["new"]
    )


def _trends(points: list[Snapshot], compared: comparison.Comparison) -> tuple[Trend, ...]:
    if len(points) < 2:
        return ()
    names = list(compared.directions) or [row.name for row in _metric_rows(compared)]
    values = [lookup(p.flat_metrics()) for p in points]
    labels = [p.label if i < len(points) - 1 else f"head {p.label}" if p.sha else "head"
              for i, p in enumerate(points)]
    trends = []
    for name in names[:MAX_TRENDS]:
        kept = [(label, v[name]) for label, v in zip(labels, values, strict=True)
                if _drawable(v.get(name))]
        if len(kept) >= 2:
            trends.append(Trend(name, compared.directions.get(name),
                                       tuple(k[0] for k in kept), tuple(float(k[1]) for k in kept)))
    return tuple(trends)


def _drawable(value: Any) -> bool:
    return is_number(value) and math.isfinite(value)


def _plots(base: Snapshot, head: Snapshot) -> tuple[PlotPair, ...]:
    """Every series DVC would draw at head, one chart each: a plot's files (a directory's
    files, `y: {file: field}`) and fields; x defaults to the record index ("step") and y to
    the last field, as in DVC."""
    pairs = []
    for plot in head.layout.plots:
        series = [(source, name) for source in plot.sources
                  for name in head.plot_files.get(source.path, ()) if name in head.plots]
        for source, name in series:
            fields = source.y or _fields(head.plots[name])
            for field in fields:
                title = _title(plot, source, name) + (f" ({field})" if len(fields) > 1 else "")
                pairs.append(_pair(plot, source, name, field, title, base, head))
    return tuple(pairs)


def _title(plot: dvcfiles.Plot, source: dvcfiles.PlotSource, name: str) -> str:
    """DVC's title: the plot's own, else its id; a directory's files and the files of a
    `y: {file: field}` plot are each named."""
    if name != source.path:  # a file in a directory plot
        return f"{plot.title}: {name[len(source.path) + 1:]}" if plot.title else name
    title = plot.title or plot.path
    return f"{title}: {name}" if len(plot.sources) > 1 else title


def _fields(data: Any) -> tuple[str, ...]:
    field = last_field(data)
    return (field,) if field else ()


def _pair(plot: dvcfiles.Plot, source: dvcfiles.PlotSource, name: str, field: str, title: str,
          base: Snapshot, head: Snapshot) -> PlotPair:
    confusion = bool(plot.template and "confusion" in plot.template and source.x)
    kind: PlotKind = "confusion" if confusion else "curve"
    return PlotPair(name, title, kind, source.x or INDEX, field,
                           tuple(_records(base.plots.get(name), source.x)),
                           tuple(_records(head.plots[name], source.x)))


def _records(data: Any, x: str | None) -> list[dict[str, Any]]:
    """A plot file's records; without an x field each gets its index as "step", as in DVC."""
    found = rows(data) if data is not None else []
    return found if x else [{**row, INDEX: i} for i, row in enumerate(found)]


def data_changes(root: Path, base: Snapshot, head: Snapshot) -> tuple[DataChange, ...]:
    """DVC-tracked data added, modified or deleted: pipeline outputs (dvc.lock), `.dvc` files."""
    old, new = dvcfiles.outs(base.lock), dvcfiles.outs(head.lock)
    if base.sha is not None:
        added_old, added_new = _dvcfile_outs(root, base, head)
        old.update(added_old)
        new.update(added_new)
    in_git = _git_tracked(base) | _git_tracked(head)
    changes = []
    for path in sorted((set(old) | set(new)) - in_git):
        a, b = old.get(path), new.get(path)
        if a is not None and b is not None and a.md5 == b.md5:
            continue
        change = "added" if a is None else "deleted" if b is None else "modified"
        files = b.nfiles if b else a.nfiles if a else None
        changes.append(DataChange(path, change, a.size if a else None,
                                         b.size if b else None, files))
    return tuple(changes)


Outs = dict[str, dvcfiles.Out]


def _dvcfile_outs(root: Path, base: Snapshot, head: Snapshot) -> tuple[Outs, Outs]:
    """Outputs of the `.dvc` files that differ between base and head (one git diff, one read)."""
    assert base.sha is not None
    names = gitrepo.changed_files(root, base.sha, head.sha, "*.dvc")
    if not names:
        return {}, {}
    old, new = snapshot.read_yaml(root, [base, head], names)
    return _outs_of(old), _outs_of(new)


def _outs_of(files: dict[str, Any]) -> Outs:
    found: Outs = {}
    for name, data in files.items():
        found.update(dvcfiles.dvcfile_outs(data, name))
    return found


def _git_tracked(snap: Snapshot) -> set[str]:
    """Metrics, plots and other outputs kept in git (cache: false): not DVC-tracked data."""
    declared = set(snap.layout.metrics) | {s.path for p in snap.layout.plots for s in p.sources}
    return (declared - snap.layout.cached) | {p for p, cached in snap.layout.outs.items()
                                               if not cached}


def schema_checks(base: tuple[Outcome, ...],
                  head: tuple[Outcome, ...]) -> tuple[SchemaCheck, ...]:
    """Each check of head with its verdict at base and head (None: no result there)."""
    before = {o.check.result: o.result for o in base}
    return tuple(SchemaCheck(
        o.check.data, o.check.schema, _valid(before.get(o.check.result)), _valid(o.result),
        o.result.failures if o.result is not None else (), o.problem) for o in head)


def _valid(result: Any) -> bool | None:
    return None if result is None else bool(result.valid)
