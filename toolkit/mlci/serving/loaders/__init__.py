"""Model loaders, one module each (pre-commit's `languages/` shape), behind `base.Loader`.

Chosen by the artifact's `meta.loader` in dvc.yaml (a loader's name, or a project's own
`module:function`), else by the file's suffix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlci.serving.loaders import onnx, project, sklearn, skops
from mlci.serving.loaders.base import Loader, LoadError

LOADERS: dict[str, Loader] = {m.NAME: m for m in (sklearn, skops, onnx, project)}

__all__ = ["LOADERS", "LoadError", "Loader", "choose"]


def choose(path: str, meta: dict[str, Any]) -> Loader:
    """The loader for an artifact at `path` with `meta` (pure)."""
    named = meta.get("loader")
    if isinstance(named, str) and named:
        if named in LOADERS:
            return LOADERS[named]
        if project.SPEC.fullmatch(named):
            return project
        raise LoadError(f"meta.loader: unknown loader {named!r}; use one of "
                        f"{', '.join(n for n in LOADERS if n != 'project')} or \"module:function\"")
    suffix = Path(path).suffix.lower()
    for loader in LOADERS.values():
        if suffix in loader.SUFFIXES:
            return loader
    known = sorted(s for loader in LOADERS.values() for s in loader.SUFFIXES)
    raise LoadError(f"{path}: no loader for {suffix or 'files without a suffix'} "
                    f"(known: {', '.join(known)})",)
