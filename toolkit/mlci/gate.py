"""`mlci gate`: judge head's metrics (and the change from base) by mlci.yaml's policy."""

from __future__ import annotations

from pathlib import Path

from mlci import config, gates, metrics, snapshot
from mlci.gates import GateResult
from mlci.snapshot import Snapshot


def gate(root: Path, base: str | None, head: str | None) -> GateResult:
    """Evaluate mlci.yaml's policy at `head` (None: workspace) against `base` (None: no base)."""
    revs: list[str | None] = [head] if base is None else [base, head]
    snaps = snapshot.read(root, revs, snapshot.Want(params=False))
    return judge(root, snaps[0] if base is not None else None, snaps[-1])


def judge(root: Path, base: Snapshot | None, head: Snapshot) -> GateResult:
    """The gate on snapshots already read (the report reads them once for everything)."""
    rules = config.load(root).metrics
    base_values = metrics.lookup(base.flat_metrics()) if base is not None else None
    return gates.evaluate(rules, base_values, metrics.lookup(head.flat_metrics()))
