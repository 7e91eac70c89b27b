"""The pipeline's shape as DVC sees it: which parameters each stage reads, upstream included."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from mlci.pipeline.session import dvc_logging, open_repo


def stage_params(root: Path) -> dict[str, tuple[str, ...]]:
    """{stage: `FILE:KEY` prefixes it or any stage upstream reads (`FILE:` for a whole file)}."""
    from dvc.dependency.param import ParamsDependency

    with dvc_logging(io.StringIO()), open_repo(root) as repo:
        graph = repo.index.graph  # edges point from a stage to the stages it depends on
        own = {
            stage: {f"{_relative(dep.fs_path, root)}:{key}"
                    for dep in stage.deps if isinstance(dep, ParamsDependency)
                    for key in (dep.params or [""])}
            for stage in repo.index.stages
        }
        return {stage.addressing: tuple(sorted({entry for node in _upstream(graph, stage)
                                                for entry in own.get(node, ())}))
                for stage in own}


def _upstream(graph: Any, stage: Any) -> list[Any]:
    """`stage` and every stage it depends on, directly or not."""
    seen, todo = [stage], [stage]
    while todo:
        for node in graph.successors(todo.pop()):
            if node not in seen:
                seen.append(node)
                todo.append(node)
    return seen


def _relative(path: str, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()
