"""`mlci repro`: parameter overrides, then DVC's reproduction, then the metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlci import params, pipeline
from mlci.comparison import Comparison, against_head
from mlci.errors import MlciError
from mlci.files import atomic_write


@dataclass(frozen=True)
class ReproOutcome:
    changes: tuple[tuple[str, Any, Any], ...]  # (file:key, old, new) per -S override
    result: pipeline.ReproResult
    metrics: Comparison | None  # the workspace's metrics vs HEAD's
    metrics_error: str | None = None  # why they could not be compared (the run still succeeded)


def repro(request: pipeline.ReproRequest, overrides: list[params.Override]) -> ReproOutcome:
    """Apply -S overrides, reproduce. A dry run puts the params files back as they were."""
    pipeline.require_project(request.root)
    originals = {
        o.file: (request.root / o.file).read_text(encoding="utf-8")
        for o in overrides
        if request.dry_run and (request.root / o.file).exists()
    }
    changes = params.apply(request.root, overrides) if overrides else []
    try:
        result = pipeline.reproduce(request)
    finally:
        for file, text in originals.items():
            atomic_write(request.root / file, text)
    try:
        return ReproOutcome(tuple(changes), result, against_head(request.root))
    except MlciError as exc:
        return ReproOutcome(tuple(changes), result, None, exc.message)
