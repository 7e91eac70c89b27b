"""`mlci repro`: parameter overrides, then DVC's reproduction, then the metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlci import params, pipeline
from mlci.files import atomic_write


@dataclass(frozen=True)
class ReproOutcome:
    changes: tuple[tuple[str, Any, Any], ...]  # (file:key, old, new) per -S override
    result: pipeline.ReproResult


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
    return ReproOutcome(tuple(changes), result)
