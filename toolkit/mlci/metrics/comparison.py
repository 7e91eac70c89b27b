"""`mlci diff`: metrics and params of two revisions, compared the way DVC compares them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mlci.config import Config
from mlci.metrics.diff import Changes, diff, verdict
from mlci.project import snapshot
from mlci.project.context import Project
from mlci.project.snapshot import Snapshot
from mlci.shared import gitrepo

Side = Literal["base", "head"]


@dataclass(frozen=True)
class DiffRequest:
    """`mlci diff A B`: A defaults to HEAD, B to the workspace (None)."""

    project: Project
    a_rev: str = "HEAD"
    b_rev: str | None = None
    all: bool = False
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    """Two snapshots, their changes in DVC's shape, and each metric's direction from mlci.yaml."""

    base: Snapshot
    head: Snapshot
    metrics: Changes
    params: Changes
    directions: dict[str, str]  # metric name (as in mlci.yaml) -> "higher" | "lower"

    def direction(self, path: str, key: str) -> str | None:
        """The direction mlci.yaml gives `key` of metrics file `path`, if any."""
        return self.directions.get(f"{path}:{key}") or self.directions.get(key)

    def unavailable(self, path: str, change: dict[str, Any]) -> Side | None:
        """"base" or "head" when metrics file `path` exists there but could not be read, so
        that side of `change` has no value."""
        sides: tuple[tuple[Side, Snapshot], ...] = (("base", self.base), ("head", self.head))
        for side, snap in sides:
            if path in snap.missing_metrics():
                return side if change["old" if side == "base" else "new"] is None else None
        return None

    def verdict(self, path: str, key: str, change: dict[str, Any]) -> str | None:
        """The verdict of one change; "unavailable" where one side's file could not be read."""
        if self.unavailable(path, change) is not None:
            return "unavailable"
        return verdict(self.direction(path, key), change["old"], change["new"])

    def notes(self) -> list[str]:
        """Which revision's metrics files could not be read, and why (one line each)."""
        return [f"{path} {snap.where} is {why}" for snap in (self.base, self.head)
                for path, why in snap.missing_metrics().items()]

    def to_json(self) -> dict[str, Any]:
        """`{"metrics": ..., "params": ...}` as DVC's --json, plus direction and verdict, and
        `unavailable` ({"base": {file: why}, "head": ...}) when a file could not be read."""
        annotated: Changes = {}
        for path, changes in self.metrics.items():
            annotated[path] = {key: self._annotate(path, key, change)
                               for key, change in changes.items()}
        found: dict[str, Any] = {"metrics": annotated, "params": self.params}
        if self.notes():
            found["unavailable"] = {"base": self.base.missing_metrics(),
                                    "head": self.head.missing_metrics()}
        return found

    def _annotate(self, path: str, key: str, change: dict[str, Any]) -> dict[str, Any]:
        direction = self.direction(path, key)
        judged = self.verdict(path, key, change)
        if direction is None and judged != "unavailable":
            return change
        return {**change, **({"direction": direction} if direction else {}),
                **({"verdict": judged} if judged else {})}


def compare(request: DiffRequest) -> Comparison:
    """Read both revisions (no checkout) and diff them; see `mlci.metrics.diff` for DVC's rules."""
    want = snapshot.Want(targets=request.targets)
    base, head = request.project.snapshots([request.a_rev, request.b_rev], want)
    return between(base, head, directions(request.project.config), request.all)


def against_head(project: Project, fetch: bool = True) -> Comparison:
    """The workspace vs HEAD, every metric included; before the first commit, vs nothing.
    Without `fetch`, DVC-cached metrics the cache lacks are not fetched (a dry run)."""
    sha = gitrepo.head_sha(project.root)  # resolved once: `mlci repro` runs this after every run
    sources = [snapshot.source(sha, "HEAD")] if sha else []
    want = snapshot.Want(fetch=fetch)
    *base, head = project.read_sources([*sources, project.resolve(None)], want)
    return between(base[0] if base else Snapshot("no commit", None), head,
                   directions(project.config), all=True)


def between(base: Snapshot, head: Snapshot, directions: dict[str, str],
            all: bool = False) -> Comparison:
    """Compare two snapshots already read; `directions` as `directions()` gives them."""
    return Comparison(
        base, head,
        diff(base.metrics, head.metrics, with_unchanged=all),
        diff(base.params, head.params, with_unchanged=all),
        directions,
    )


def directions(settings: Config) -> dict[str, str]:
    """Metric name -> direction, from mlci.yaml's metric policy."""
    return {name: rule.direction for name, rule in settings.metrics.items() if rule.direction}
