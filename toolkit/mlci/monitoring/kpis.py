"""Live KPIs of a model on labelled current data, accumulated batch by batch. Pure (numpy).

Classifiers (the model knows its classes): accuracy, precision, recall and f1 (binary: the
last class is the positive one, as scikit-learn's pos_label=1 for 0/1 labels; more classes:
macro averages), and with probabilities roc_auc (binary) and log_loss. Regressors: mae,
rmse, r2. The names are the keys `monitor.NAME.performance` judges; the numbers are
scikit-learn's (tests/monitoring/test_kpis.py compares them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.stats import rankdata

from mlci.monitoring.profile import category_key

Values = np.ndarray[Any, Any]
Labels = Sequence[Any] | Values | Any  # a list, a numpy array or a pyarrow array of labels
_MISSING = -2  # the code of a row without a label


class Kpis:
    """Accumulates labels, predictions and positive-class probabilities of labelled rows."""

    def __init__(self, classes: Sequence[Any]) -> None:
        self.classes = [category_key(c) for c in classes]
        self.index = {key: i for i, key in enumerate(self.classes) if key is not None}
        self.truth: list[Values] = []
        self.predicted: list[Values] = []
        self.proba: list[Values] = []
        self.rows = 0

    def add(self, truth: Labels, predicted: Labels, proba: Values | None) -> None:
        """One batch: true labels (None/NaN: unlabelled, skipped), predictions, probabilities."""
        if self.classes:
            codes = self._codes(truth)
            keep = codes != _MISSING
            if keep.any():
                self.truth.append(codes[keep])
                self.predicted.append(self._codes(predicted)[keep])
                if proba is not None:
                    self.proba.append(np.asarray(proba, dtype=np.float64)[keep])
        else:
            values = _floats(truth)
            keep = np.isfinite(values)
            if keep.any():
                self.truth.append(values[keep])
                self.predicted.append(_floats(predicted)[keep])
        self.rows += int(keep.sum())

    def _codes(self, labels: Labels) -> Values:
        """Class positions; a label the model never predicts is -1 (always an error), a
        missing one _MISSING. Each distinct value is looked up once, not each row."""
        distinct, positions = _encoded(labels)
        lookup = [_MISSING if (key := category_key(v)) is None else self.index.get(key, -1)
                  for v in distinct]
        return np.array([*lookup, _MISSING], np.int64)[positions]  # position -1: a null

    def values(self) -> dict[str, float]:
        """The KPIs, or {} when no row was labelled."""
        if not self.rows:
            return {}
        truth, predicted = np.concatenate(self.truth), np.concatenate(self.predicted)
        if not self.classes:
            return regression(truth, predicted)
        proba = np.concatenate(self.proba) if self.proba else None
        return classification(truth, predicted, proba, len(self.classes))


def classification(truth: Values, predicted: Values, proba: Values | None,
                   classes: int) -> dict[str, float]:
    """Accuracy, precision, recall, f1 (+ roc_auc, log_loss with probabilities) from codes."""
    out = {"accuracy": float(np.mean(truth == predicted))}
    positives = [classes - 1] if classes == 2 else list(range(classes))
    scores = [_precision_recall_f1(truth, predicted, c) for c in positives]
    for i, name in enumerate(("precision", "recall", "f1")):
        out[name] = float(np.mean([s[i] for s in scores]))
    if proba is not None and proba.ndim == 2 and proba.shape[1] == classes:
        if classes == 2:
            out["roc_auc"] = roc_auc(truth == 1, proba[:, 1])
        out["log_loss"] = log_loss(truth, proba)
    return out


def _precision_recall_f1(truth: Values, predicted: Values, positive: int) -> tuple[float, ...]:
    hits = float(np.sum((predicted == positive) & (truth == positive)))
    said, real = float(np.sum(predicted == positive)), float(np.sum(truth == positive))
    precision = hits / said if said else 0.0
    recall = hits / real if real else 0.0
    f1 = 2 * hits / (said + real) if said + real else 0.0
    return precision, recall, f1


def roc_auc(positive: Values, score: Values) -> float:
    """Area under the ROC curve: the Mann-Whitney U with tied scores counted half."""
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        return math.nan  # undefined with one class only, as scikit-learn warns
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def log_loss(truth: Values, proba: Values) -> float:
    """Mean negative log-likelihood of the true class (probabilities clipped as scikit-learn's)."""
    eps = np.finfo(proba.dtype).eps
    rows = proba / proba.sum(axis=1, keepdims=True)
    known = truth >= 0
    chosen = np.where(known, rows[np.arange(len(truth)), np.clip(truth, 0, None)], 0.0)
    return float(-np.mean(np.log(np.clip(chosen, eps, 1 - eps))))


def regression(truth: Values, predicted: Values) -> dict[str, float]:
    """Mean absolute error, root mean squared error and R²."""
    error = truth - predicted
    total = float(np.sum((truth - truth.mean()) ** 2))
    r2 = 1 - float(np.sum(error**2)) / total if total else math.nan
    return {"mae": float(np.mean(np.abs(error))), "rmse": float(np.sqrt(np.mean(error**2))),
            "r2": r2}


def _encoded(labels: Labels) -> tuple[list[Any], Values]:
    """The distinct values of `labels` and each row's position among them (-1: null), by
    pyarrow's dictionary encoding; labels pyarrow cannot type (mixed kinds) row by row."""
    try:
        array = labels if isinstance(labels, pa.Array | pa.ChunkedArray) else pa.array(labels)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        rows = list(labels)
        distinct = list(dict.fromkeys(v for v in rows if v is not None))
        where = {v: i for i, v in enumerate(distinct)}
        return distinct, np.array([-1 if v is None else where[v] for v in rows], np.int64)
    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    return (encoded.dictionary.to_pylist(),
            encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64))


def _floats(values: Labels) -> Values:
    """Numbers as float64, a missing one (None/null) NaN."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return np.asarray(values.cast(pa.float64()).to_numpy(zero_copy_only=False), np.float64)
    return np.array([np.nan if v is None else v for v in values], np.float64)
