"""A project's own loader: `meta.loader: "module:function"` on the artifact in dvc.yaml.

The function is called with the verified file's path and returns either a Predictor (an object
with `signature` and `predict(columns, proba)`) or an object with scikit-learn's `predict`
(and `predict_proba`), which then gets a pandas DataFrame of the signature's columns. The
module comes from the installed project, or from the repository root when serving a checkout.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any, cast

from mlci.serving.loaders.base import LoadError, Predictor
from mlci.serving.loaders.estimator import EstimatorModel
from mlci.serving.signature import declared_in

NAME = "project"
SUFFIXES: tuple[str, ...] = ()  # chosen by meta.loader only
SPEC = re.compile(r"(?P<module>[A-Za-z_][\w.]*):(?P<function>[A-Za-z_]\w*)")


def load(path: Path, meta: dict[str, Any]) -> Predictor:
    """Import `module`, call `function(path)`, wrap what it returns."""
    function = resolve(str(meta.get("loader", "")))
    made = function(path)
    if hasattr(made, "signature") and hasattr(made, "predict") and not hasattr(made, "fit"):
        return cast(Predictor, made)
    if not hasattr(made, "predict"):
        raise LoadError(f"{meta['loader']} returned a {type(made).__name__}, which has no "
                        "predict()")
    declared = declared_in(meta)
    if declared is None and not hasattr(made, "feature_names_in_"):
        raise LoadError(f"{meta['loader']}: the model has no feature names; declare its "
                        "inputs under the artifact's meta.signature")
    return EstimatorModel(made, declared)


def resolve(spec: str) -> Any:
    """The function `module:function` names (the caller puts a checkout's root on sys.path)."""
    match = SPEC.fullmatch(spec)
    if match is None:
        raise LoadError(f"meta.loader: expected \"module:function\", got {spec!r}")
    try:
        module = importlib.import_module(match["module"])
    except ImportError as exc:
        raise LoadError(f"meta.loader: cannot import {match['module']}: {exc}") from None
    function = getattr(module, match["function"], None)
    if not callable(function):
        raise LoadError(f"meta.loader: {match['module']} has no function {match['function']}")
    return function
