"""Live KPIs (pure): scikit-learn's numbers from batches of labels, predictions, probabilities."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from mlci.monitoring.kpis import Kpis


def batches(kpis: Kpis, truth: list, predicted: list, proba: np.ndarray | None) -> None:
    for start in range(0, len(truth), 7):
        kpis.add(truth[start:start + 7], predicted[start:start + 7],
                 None if proba is None else proba[start:start + 7])


def test_binary_classification_matches_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 200)
    proba1 = np.clip(truth * 0.6 + rng.normal(0.2, 0.25, 200), 0, 1).round(2)  # ties on purpose
    proba = np.column_stack([1 - proba1, proba1])
    predicted = (proba1 >= 0.5).astype(int)
    kpis = Kpis([0, 1])
    # labels read from a CSV may be floats; a missing label is skipped
    batches(kpis, [*(float(t) for t in truth), None], [*predicted, 1],
            np.vstack([proba, [[0.5, 0.5]]]))
    got = kpis.values()
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(truth, predicted), abs=0)
    assert got["f1"] == pytest.approx(metrics.f1_score(truth, predicted), rel=1e-12)
    assert got["precision"] == pytest.approx(metrics.precision_score(truth, predicted), rel=1e-12)
    assert got["recall"] == pytest.approx(metrics.recall_score(truth, predicted), rel=1e-12)
    assert got["roc_auc"] == pytest.approx(metrics.roc_auc_score(truth, proba1), rel=1e-12)
    assert got["log_loss"] == pytest.approx(metrics.log_loss(truth, proba), rel=1e-9)


def test_multiclass_uses_macro_averages() -> None:
    rng = np.random.default_rng(1)
    truth, predicted = rng.choice(["a", "b", "c"], 90), rng.choice(["a", "b", "c"], 90)
    kpis = Kpis(["a", "b", "c"])
    batches(kpis, list(truth), list(predicted), None)
    got = kpis.values()
    assert got["f1"] == pytest.approx(metrics.f1_score(truth, predicted, average="macro"))
    assert "roc_auc" not in got


def test_regression_and_no_labels() -> None:
    truth, predicted = np.array([1.0, 2.0, 4.0, 8.0]), np.array([1.5, 2.0, 3.0, 9.0])
    kpis = Kpis([])
    kpis.add(list(truth), list(predicted), None)
    got = kpis.values()
    assert got["mae"] == pytest.approx(metrics.mean_absolute_error(truth, predicted))
    assert got["rmse"] == pytest.approx(metrics.root_mean_squared_error(truth, predicted))
    assert got["r2"] == pytest.approx(metrics.r2_score(truth, predicted))
    empty = Kpis([0, 1])
    empty.add([None, None], [0, 1], None)
    assert empty.values() == {}


def test_arrow_columns_and_mixed_labels_give_the_same_numbers() -> None:
    """A pyarrow column (as `mlci monitor` reads it, nulls and NaN unlabelled), a list of
    labels of mixed kinds (row by row) and plain lists all count alike."""
    import pyarrow as pa

    truth = [1.0, 0.0, None, 1.0, float("nan"), 0.0, 1.0]
    predicted = np.array([1, 1, 0, 1, 0, 0, 0])
    from_arrow, from_list, mixed = Kpis([0, 1]), Kpis([0, 1]), Kpis([0, 1])
    from_arrow.add(pa.array(truth, from_pandas=True), predicted, None)
    from_list.add(truth, list(predicted), None)
    mixed.add(["1", 0, None, 1, None, "0", 1.0], list(predicted), None)  # pyarrow refuses these
    assert from_arrow.rows == from_list.rows == mixed.rows == 5
    assert from_arrow.values() == from_list.values() == mixed.values()
    assert from_arrow.values()["accuracy"] == pytest.approx(3 / 5)
    unknown = Kpis(["a", "b"])
    unknown.add(pa.array(["a", "c", None]), np.array(["a", "a", "b"]), None)
    assert unknown.rows == 2 and unknown.values()["accuracy"] == 0.5
