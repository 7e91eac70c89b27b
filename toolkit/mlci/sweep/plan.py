"""What a sweep is about: mlci.yaml's grid, and the commit its gate compares against."""

from __future__ import annotations

from dataclasses import dataclass

from mlci import config
from mlci.config import Config, SweepConfig
from mlci.errors import ConfigError, RevisionNotFound
from mlci.project import grid, snapshot
from mlci.project.context import Project
from mlci.project.grid import Combination
from mlci.project.values import lookup
from mlci.sweep.leaderboard import Judge

EXAMPLE = "sweep: {params: {train.C: [0.1, 1.0]}, rank_by: roc_auc}"


@dataclass(frozen=True)
class Plan:
    """The sweep mlci.yaml asks for."""

    config: Config
    settings: SweepConfig
    combinations: tuple[Combination, ...]

    @property
    def direction(self) -> str:
        """Which way the rank metric is better (config.load checked it has one)."""
        return self.config.metrics[self.settings.rank_by].direction or "higher"


def load_plan(project: Project) -> Plan:
    """mlci.yaml's sweep, expanded; a ConfigError when it has none."""
    cfg = project.config
    if cfg.sweep is None:
        raise ConfigError(f"{config.CONFIG_FILE}: no sweep: section",
                          hint=f"add one, e.g. {EXAMPLE}")
    return Plan(cfg, cfg.sweep, grid.expand(cfg.sweep.params))


def head_judge(project: Project, plan: Plan) -> Judge:
    """mlci.yaml's metric policy against HEAD's committed metrics (none before a commit)."""
    try:
        [head] = project.snapshots(["HEAD"], snapshot.Want(params=False))
    except RevisionNotFound:
        return Judge(plan.config.metrics, None, None)
    return Judge(plan.config.metrics, lookup(head.flat_metrics()), f"HEAD ({head.label})")
