"""What a sweep is about: mlci.yaml's grid, and the commit its gate compares against."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlci import config as config_module
from mlci.config import Config, SweepConfig
from mlci.errors import ConfigError, RevisionNotFound
from mlci.project import grid, snapshot
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


def load(root: Path) -> Plan:
    """mlci.yaml's sweep, expanded; a ConfigError when it has none."""
    cfg = config_module.load(root)
    if cfg.sweep is None:
        raise ConfigError(f"{config_module.CONFIG_FILE}: no sweep: section",
                          hint=f"add one, e.g. {EXAMPLE}")
    return Plan(cfg, cfg.sweep, grid.expand(cfg.sweep.params))


def judge(root: Path, plan: Plan) -> Judge:
    """mlci.yaml's metric policy against HEAD's committed metrics (none before a commit)."""
    try:
        [head] = snapshot.read(root, ["HEAD"], snapshot.Want(params=False))
    except RevisionNotFound:
        return Judge(plan.config.metrics, None, None)
    return Judge(plan.config.metrics, lookup(head.flat_metrics()), f"HEAD ({head.label})")
