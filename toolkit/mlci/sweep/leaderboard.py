"""The sweep's results (pure): one Run per combination from its repro outcome, ranked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from mlci.metrics.rules import evaluate
from mlci.project.grid import Combination
from mlci.project.values import is_number, lookup, short_names

if TYPE_CHECKING:
    from mlci.config import MetricPolicy
    from mlci.training.experiment import ReproOutcome

Status = Literal["ok", "failed"]
Verdict = Literal["pass", "fail"]


@dataclass(frozen=True)
class Failure:
    """Why a combination has no result: the stage that failed (if one did) and the error."""

    stage: str | None
    message: str


@dataclass(frozen=True)
class Run:
    """One combination's outcome; `metrics` are keyed as mlci.yaml keys them."""

    combination: Combination
    status: Status
    metrics: dict[str, Any] = field(default_factory=dict)
    gate: Verdict = "fail"
    gate_note: str = ""  # the gate's one-line description
    error: Failure | None = None

    def to_json(self) -> dict[str, Any]:
        """One entry of `runs` in `mlci sweep --json`."""
        error = None if self.error is None else {"stage": self.error.stage,
                                                 "message": self.error.message}
        return {"params": self.combination.as_dict(), "metrics": self.metrics,
                "gate": self.gate, "status": self.status, "error": error}


@dataclass(frozen=True)
class Judge:
    """How runs are judged: mlci.yaml's metric policy against the base's values."""

    policy: Mapping[str, MetricPolicy]
    base_values: Mapping[str, Any] | None
    base_label: str | None  # e.g. "HEAD (abc1234)"


def failed(combination: Combination, stage: str | None, message: str) -> Run:
    """A combination that produced no metrics."""
    return Run(combination, "failed", gate_note="no metrics", error=Failure(stage, message))


def record(combination: Combination, outcome: ReproOutcome, judge: Judge) -> Run:
    """The Run of a combination from its repro outcome."""
    if outcome.error is not None:
        return failed(combination, outcome.error.stage, outcome.error.message)
    values = lookup(outcome.metrics)
    result = evaluate(judge.policy, judge.base_values, values)
    return Run(combination, "ok", short_names(values), "pass" if result.passed else "fail",
               result.describe())


@dataclass(frozen=True)
class Leaderboard:
    """Every run, best first by `rank_by` (passing the gate first, failed runs last)."""

    runs: tuple[Run, ...]
    rank_by: str
    direction: str  # "higher" | "lower"
    base_label: str | None = None
    pushed: int | None = None  # files sent to the DVC remote with --push

    @property
    def best(self) -> Run | None:
        """The top run, when it succeeded and has the rank metric."""
        top = self.runs[0] if self.runs else None
        if top is None or top.status != "ok" or not is_number(top.metrics.get(self.rank_by)):
            return None
        return top

    @property
    def failed(self) -> tuple[Run, ...]:
        return tuple(run for run in self.runs if run.status == "failed")

    def to_json(self) -> dict[str, Any]:
        """`{"runs": [...], "best": <one of runs> | null}`, as the issue's `--json` gives it."""
        best = self.best
        return {"runs": [run.to_json() for run in self.runs],
                "best": None if best is None else best.to_json()}


def rank(runs: Sequence[Run], rank_by: str, direction: str, base_label: str | None = None,
         pushed: int | None = None) -> Leaderboard:
    """Order runs: succeeded before failed, gate pass before fail, then by the metric (its
    direction), then grid order."""
    def key(run: Run) -> tuple[bool, bool, bool, float, int]:
        value = run.metrics.get(rank_by)
        number = float(value) if is_number(value) and value is not None else 0.0
        return (run.status != "ok", run.gate != "pass", not is_number(value),
                -number if direction == "higher" else number, run.combination.id)

    return Leaderboard(tuple(sorted(runs, key=key)), rank_by, direction, base_label, pushed)
