"""Any object with scikit-learn's `predict` (and `predict_proba`) as a Predictor.

An estimator fitted on named columns (`feature_names_in_`), or given a declared signature,
gets a pandas DataFrame with those names, so column transformers that select by name work;
otherwise a 2-D array in signature order. Building a DataFrame and validating it costs
scikit-learn ~10x the model's own work on a small request, so an estimator with numeric
inputs is probed once at load: when it gives exactly the same labels and probabilities for
an array in signature order as for the DataFrame, it gets arrays from then on.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from mlci.serving.loaders.base import Columns, Prediction
from mlci.serving.signature import Column, Signature, merged, unnamed


class EstimatorModel:
    """A scikit-learn-like estimator behind the Predictor protocol."""

    def __init__(self, estimator: Any, declared: Signature | None = None) -> None:
        self.estimator = estimator
        self._signature = merged(declared, describe(estimator))
        self._has_proba = self._signature.proba
        self._named = hasattr(estimator, "feature_names_in_") or declared is not None
        if self._named and positional_safe(self):
            self._named = False

    @property
    def signature(self) -> Signature:
        return self._signature

    def predict(self, columns: Columns, proba: bool = True) -> Prediction:
        """Labels from the estimator's own `predict`, probabilities from `predict_proba`."""
        x = self._input(columns)
        labels = np.asarray(self.estimator.predict(x))
        scores = np.asarray(self.estimator.predict_proba(x)) if proba and self._has_proba \
            else None
        return Prediction(labels, scores)

    def _input(self, columns: Columns) -> Any:
        if self._named:
            import pandas as pd

            return pd.DataFrame(columns, copy=False)

        return np.column_stack(list(columns.values()))


def positional_safe(model: EstimatorModel) -> bool:
    """Whether the estimator answers an array in signature order as the DataFrame: the same
    labels and probabilities (to 1e-9) on a few fixed rows; numeric inputs only, any error
    means no."""
    if not model.signature.inputs or any(c.dtype == "string" for c in model.signature.inputs):
        return False
    probe = np.random.default_rng(0).normal(size=(4, len(model.signature.inputs)))
    columns = {c.name: probe[:, i].astype(_numpy(c.dtype))
               for i, c in enumerate(model.signature.inputs)}
    _quiet_feature_name_warnings()
    try:
        framed = model.predict(columns)
        model._named = False
        plain = model.predict(columns)
    except Exception:  # noqa: BLE001 - any failure of the array path keeps the DataFrame
        return False
    finally:
        model._named = True
    same_labels = np.array_equal(framed.labels, plain.labels)
    # probabilities may differ in the last bits (memory layout changes the summation order)
    if framed.proba is None or plain.proba is None:
        return same_labels and framed.proba is plain.proba
    return same_labels and bool(np.allclose(framed.proba, plain.proba, rtol=1e-9, atol=1e-12))


def _numpy(dtype: str) -> str:
    return "float64" if dtype.startswith("float") else dtype


def _quiet_feature_name_warnings() -> None:
    """scikit-learn warns on every array given to an estimator fitted with names; the names
    were checked by mlci (the signature) and the order was proven equivalent."""
    warnings.filterwarnings("ignore", message="X does not have valid feature names",
                            category=UserWarning)


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
