"""`mlci repro` as a domain function: overrides applied, DVC's repro, the metrics vs HEAD.

The outcome is one typed value with `to_json`/`from_json`: the CLI prints it, a sweep reads it
back from each combination's run (and from the files CI matrix jobs upload, which are data
from jobs that ran a pull request's code: `from_json` checks every field).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

from mlci import pipeline
from mlci.errors import MlciError, StageFailed
from mlci.metrics.comparison import Comparison, against_head
from mlci.pipeline import ReproRequest, StageRun, StageStatus
from mlci.project import params
from mlci.project.context import Project
from mlci.project.params import Change, Override


@dataclass(frozen=True)
class ReproError:
    """Why the run failed: the message and hint the CLI prints, and the stage that failed."""

    message: str
    hint: str | None = None
    stage: str | None = None


@dataclass(frozen=True)
class ReproOutcome:
    """One run: the overrides as applied, each stage, the metrics, or the error.

    `comparison` (the workspace's metrics vs HEAD's, for the table) lives only in the process
    that ran; `metrics` and `metrics_vs_head` are what travels as JSON.
    """

    changes: tuple[Change, ...] = ()
    stages: tuple[StageRun, ...] = ()
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)  # file -> flat metrics
    metrics_vs_head: dict[str, Any] | None = None
    pushed: int | None = None
    error: ReproError | None = None
    metrics_error: str | None = None  # why metrics vs HEAD are missing (the run succeeded)
    comparison: Comparison | None = field(default=None, compare=False, repr=False)
    raised: MlciError | None = field(default=None, compare=False, repr=False)

    @property
    def failed(self) -> bool:
        return self.error is not None

    def to_json(self) -> dict[str, Any]:
        """`mlci repro --json`: the same keys on success and failure."""
        return {
            "params": [{"param": k, "old": old, "new": new} for k, old, new in self.changes],
            "stages": [{"name": s.name, "status": s.status, "seconds": round(s.seconds, 3)}
                       for s in self.stages],
            "metrics": self.metrics,
            "metrics_vs_head": self.metrics_vs_head,
            "pushed": self.pushed,
            "error": None if self.error is None else {
                "message": self.error.message, "hint": self.error.hint,
                "stage": self.error.stage},
        }

    @classmethod
    def from_json(cls, data: Any) -> ReproOutcome:
        """What `to_json` wrote (maybe in another job); ValueError when it is not that."""
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        error = data.get("error")
        if error is not None:
            if not isinstance(error, dict):
                raise ValueError('"error" must be an object or null')
            return cls(stages=_stages(data.get("stages")), error=ReproError(
                str(error.get("message") or "mlci repro failed"), _text(error.get("hint")),
                _text(error.get("stage"))))
        metrics = data.get("metrics")
        if not isinstance(metrics, dict) or not all(isinstance(v, dict) for v in metrics.values()):
            raise ValueError('"metrics" must map files to objects')
        return cls(stages=_stages(data.get("stages")),
                   metrics={str(k): dict(v) for k, v in metrics.items()})


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _stages(data: Any) -> tuple[StageRun, ...]:
    statuses = get_args(StageStatus)
    items = data if isinstance(data, list) else []
    return tuple(StageRun(str(s.get("name")), s["status"], float(s.get("seconds") or 0))
                 for s in items if isinstance(s, dict) and s.get("status") in statuses
                 and isinstance(s.get("seconds", 0), (int, float)))


@dataclass(frozen=True)
class RunRequest:
    """`mlci repro [-S ...]`: DVC's part (`repro`) and the parameters to set first."""

    project: Project
    repro: ReproRequest
    overrides: Sequence[Override] = ()


def run(request: RunRequest) -> ReproOutcome:
    """Apply the overrides (a dry run puts them back), reproduce, compare metrics with HEAD.

    An expected failure is part of the outcome (`error`; `raised` holds the exception for the
    CLI to re-raise), so the parameters set before it and the failed stage are reported too."""
    changes: list[Change] = []
    try:
        pipeline.require_project(request.project.root)
        with params.applied(request.project.root, list(request.overrides),
                            keep=not request.repro.dry_run) as changes:
            result = pipeline.reproduce(request.repro)
    except MlciError as exc:
        stage = exc.stage if isinstance(exc, StageFailed) else None
        return ReproOutcome(tuple(changes), (StageRun(stage, "failed", 0.0),) if stage else (),
                            error=ReproError(exc.message, exc.hint, stage), raised=exc)
    comparison, why = _metrics_vs_head(request.project, fetch=not request.repro.dry_run)
    return ReproOutcome(
        tuple(changes), result.stages, comparison.head.flat_metrics() if comparison else {},
        comparison.metrics if comparison else None, result.pushed, metrics_error=why,
        comparison=comparison)


def _metrics_vs_head(project: Project, fetch: bool) -> tuple[Comparison | None, str | None]:
    try:
        return against_head(project, fetch), None
    except MlciError as exc:
        return None, exc.message
