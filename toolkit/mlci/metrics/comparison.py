"""`mlci diff`: metrics and params of two revisions, compared the way DVC compares them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci import config
from mlci.config import Config
from mlci.metrics.diff import Changes, diff, verdict
from mlci.project import snapshot
from mlci.project.snapshot import Snapshot


@dataclass(frozen=True)
class DiffRequest:
    """`mlci diff A B`: A defaults to HEAD, B to the workspace (None)."""

    root: Path
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

    def to_json(self) -> dict[str, Any]:
        """`{"metrics": ..., "params": ...}` as DVC's --json, plus direction and verdict."""
        annotated: Changes = {}
        for path, changes in self.metrics.items():
            annotated[path] = {key: self._annotate(path, key, change)
                               for key, change in changes.items()}
        return {"metrics": annotated, "params": self.params}

    def _annotate(self, path: str, key: str, change: dict[str, Any]) -> dict[str, Any]:
        direction = self.direction(path, key)
        if direction is None:
            return change
        judged = verdict(direction, change["old"], change["new"])
        return {**change, "direction": direction, **({"verdict": judged} if judged else {})}


def compare(request: DiffRequest) -> Comparison:
    """Read both revisions (no checkout) and diff them; see `mlci.metrics.diff` for DVC's rules."""
    want = snapshot.Want(targets=request.targets)
    base, head = snapshot.read(request.root, [request.a_rev, request.b_rev], want)
    return between(base, head, directions(config.load(request.root)), request.all)


def against_head(root: Path) -> Comparison:
    """The workspace vs HEAD, every metric included; before the first commit, vs nothing."""
    from mlci.shared import gitrepo

    sha = gitrepo.head_sha(root)  # resolved once: `mlci repro` runs this after every run
    sources = [snapshot.source(sha, "HEAD")] if sha else []
    *base, head = snapshot.read_sources(root, [*sources, snapshot.resolve(root, None)])
    return between(base[0] if base else Snapshot("no commit", None), head,
                   directions(config.load(root)), all=True)


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
