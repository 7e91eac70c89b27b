"""The pull-request report as data: what `collect` gathers and `render` draws (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mlci.data.results import Failure, ScanResult
from mlci.metrics.diff import fmt, verdict
from mlci.metrics.rules import GateResult

PlotKind = Literal["curve", "confusion", "other"]


@dataclass(frozen=True)
class MetricRow:
    name: str  # `key`, or `file:key` when the report shows several metrics files
    base: Any
    head: Any
    direction: str | None = None
    unavailable: str | None = None  # "base" / "head": that side's file could not be read

    @property
    def verdict(self) -> str:
        if self.unavailable is not None:
            return "unavailable"
        return verdict(self.direction, self.base, self.head) or "changed"

    def shown(self, side: str) -> str:
        """The value at `side` as the tables show it."""
        if side == self.unavailable:
            return "unavailable"
        return fmt(self.base if side == "base" else self.head)


@dataclass(frozen=True)
class ParamRow:
    name: str
    base: Any
    head: Any


@dataclass(frozen=True)
class Trend:
    """One key metric over the default branch's last commits plus head."""

    metric: str
    direction: str | None
    labels: tuple[str, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class PlotPair:
    """One DVC plot at base and head: records plus how to read them."""

    path: str
    title: str
    kind: PlotKind
    x: str
    y: str
    base: tuple[dict[str, Any], ...]
    head: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class DataChange:
    path: str
    change: str  # "added" | "modified" | "deleted"
    base_size: int | None
    head_size: int | None
    files: int | None = None


@dataclass(frozen=True)
class SchemaCheck:
    """A data check at base and head: valid (True), failed (False), no result (None)."""

    data: str
    schema: str
    base: bool | None
    head: bool | None
    failures: tuple[Failure, ...] = ()  # head's
    problem: str = ""  # why head has no result


@dataclass(frozen=True)
class Unreadable:
    """Metrics files that exist at some revisions but could not be read there, and why."""

    revisions: tuple[str, ...]  # "base `abc1234`", "head", "main `def5678`"
    path: str
    reason: str


@dataclass(frozen=True)
class Report:
    """Everything the report shows, gathered by `mlci.review`."""

    base: str  # short SHA
    head: str  # short SHA ("workspace" in a repository without commits)
    gate: GateResult
    workspace: bool = False  # head is the working tree on top of that commit
    branch: str = "main"
    stages: tuple[str, ...] = ()
    metrics: tuple[MetricRow, ...] = ()
    params: tuple[ParamRow, ...] = ()
    trends: tuple[Trend, ...] = ()
    plots: tuple[PlotPair, ...] = ()
    data: tuple[DataChange, ...] = ()
    checks: tuple[SchemaCheck, ...] = ()
    privacy: ScanResult | None = None  # masked findings of `mlci data scan`
    plot_tables: bool = True  # the collapsed numbers under each plot
    check_rows: int = 20  # failures and findings shown per table
    cuts: tuple[str, ...] = ()  # what was left out to fit the limit
    unreadable: tuple[Unreadable, ...] = ()
    has_config: bool = True  # the project has an mlci.yaml
