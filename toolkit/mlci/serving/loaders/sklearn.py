"""scikit-learn models saved with pickle or joblib (`.pkl`, `.pickle`, `.joblib`).

Unpickling runs code: this loader is only ever handed a file whose md5 matched the registry.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from mlci.serving.loaders.base import LoadError, Predictor
from mlci.serving.loaders.estimator import EstimatorModel
from mlci.serving.signature import declared_in

NAME = "sklearn"
SUFFIXES = (".pkl", ".pickle", ".joblib")


def load(path: Path, meta: dict[str, Any]) -> Predictor:
    """Unpickle the estimator (joblib reads plain pickles too) and wrap it."""
    try:
        import joblib

        estimator = joblib.load(path)
    except ImportError:
        estimator = pickle.loads(path.read_bytes())
    except (pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise LoadError(f"not a pickle or joblib file: {exc}") from None
    if not hasattr(estimator, "predict"):
        raise LoadError(f"the unpickled {type(estimator).__name__} has no predict()")
    declared = declared_in(meta)
    return EstimatorModel(estimator, declared)
