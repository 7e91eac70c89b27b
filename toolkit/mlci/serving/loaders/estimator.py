"""Any object with scikit-learn's `predict` (and `predict_proba`) as a Model.

The input is a pandas DataFrame with the signature's column names when the estimator was
fitted on one (`feature_names_in_`) or the project declared the signature, so column
transformers that select by name work; otherwise a 2-D array in signature order.
"""

from __future__ import annotations

from typing import Any

from mlci.serving.loaders.base import Columns, Prediction
from mlci.serving.signature import Column, Signature, merged, unnamed


class EstimatorModel:
    """A scikit-learn-like estimator behind the Model protocol."""

    def __init__(self, estimator: Any, declared: Signature | None = None) -> None:
        self.estimator = estimator
        self._signature = merged(declared, describe(estimator))
        self._named = hasattr(estimator, "feature_names_in_") or declared is not None
        self._has_proba = self._signature.proba

    @property
    def signature(self) -> Signature:
        return self._signature

    def predict(self, columns: Columns, proba: bool = True) -> Prediction:
        """Labels from the estimator's own `predict`, probabilities from `predict_proba`."""
        import numpy as np

        x = self._input(columns)
        labels = np.asarray(self.estimator.predict(x))
        scores = np.asarray(self.estimator.predict_proba(x)) if proba and self._has_proba \
            else None
        return Prediction(labels, scores)

    def _input(self, columns: Columns) -> Any:
        if self._named:
            import pandas as pd

            return pd.DataFrame(columns, copy=False)
        import numpy as np

        return np.column_stack(list(columns.values()))


def describe(estimator: Any) -> Signature:
    """The signature an estimator carries: names (or x0..xN), classes, predict_proba."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        inputs = tuple(Column(str(n)) for n in names)
    else:
        inputs = unnamed(int(getattr(estimator, "n_features_in_", 0) or 0))
    classes = getattr(estimator, "classes_", None)
    labels = tuple(_plain(c) for c in classes) if classes is not None else ()
    return Signature(inputs, labels, bool(labels) and hasattr(estimator, "predict_proba"))


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value JSON can hold."""
    return value.item() if hasattr(value, "item") else value
