"""`mlci gate`: judge head's metrics (and the change from base) by mlci.yaml's policy."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from mlci import config, gates, metrics, snapshot
from mlci.config import MetricPolicy
from mlci.gates import GateResult
from mlci.snapshot import Snapshot


def gate(root: Path, base: str | None, head: str | None,
         policy: Mapping[str, MetricPolicy] | None = None) -> GateResult:
    """Evaluate `policy` (default: mlci.yaml's) at `head` (None: workspace) against `base`
    (None: no base)."""
    rules = config.load(root).metrics if policy is None else policy
    revs: list[str | None] = [head] if base is None else [base, head]
    snaps = snapshot.read(root, revs, snapshot.Want(params=False))
    return judge(rules, snaps[0] if base is not None else None, snaps[-1])


def judge(rules: Mapping[str, MetricPolicy], base: Snapshot | None,
          head: Snapshot) -> GateResult:
    """The gate on snapshots already read (the report reads them once for everything)."""
    base_values = metrics.lookup(base.flat_metrics()) if base is not None else None
    return gates.evaluate(rules, base_values, metrics.lookup(head.flat_metrics()))
