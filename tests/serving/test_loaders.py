"""Each loader with a real model file: predictions equal the model's own, signatures right."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlci.serving.columns import from_table
from mlci.serving.loaders import LoadError, choose
from mlci.serving.signature import Column, Signature


@pytest.fixture(scope="module")
def iris() -> tuple[pd.DataFrame, Any]:
    data = load_iris(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame.columns = [c.replace(" (cm)", "").replace(" ", "_") for c in frame.columns]
    return frame, data.target.to_numpy()


@pytest.fixture(scope="module")
def fitted(iris: tuple[pd.DataFrame, Any]) -> Any:
    frame, target = iris
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(frame, target)


def _same_as_estimator(model: Any, estimator: Any, frame: pd.DataFrame) -> None:
    prediction = model.predict(from_table(model.signature, frame))
    np.testing.assert_array_equal(prediction.labels, estimator.predict(frame))
    np.testing.assert_allclose(prediction.proba, estimator.predict_proba(frame))


def test_sklearn_pickle_and_joblib(tmp_path: Path, fitted: Any,
                                   iris: tuple[pd.DataFrame, Any]) -> None:
    import joblib

    frame, _ = iris
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(fitted))
    joblib.dump(fitted, tmp_path / "m.joblib")
    for name in ("m.pkl", "m.joblib"):
        loader = choose(name, {})
        assert loader.NAME == "sklearn"
        model = loader.load(tmp_path / name, {})
        assert model.signature.names == tuple(frame.columns)
        assert model.signature.classes == (0, 1, 2) and model.signature.proba
        _same_as_estimator(model, fitted, frame)


def test_unnamed_estimator_gets_positional_columns(tmp_path: Path,
                                                   iris: tuple[pd.DataFrame, Any]) -> None:
    frame, target = iris
    bare = LogisticRegression(max_iter=500).fit(frame.to_numpy(), target)
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(bare))
    model = choose("m.pkl", {}).load(tmp_path / "m.pkl", {})
    assert model.signature.names == ("x0", "x1", "x2", "x3")
    columns = {f"x{i}": frame.iloc[:, i].to_numpy() for i in range(4)}
    np.testing.assert_array_equal(model.predict(columns).labels, bare.predict(frame.to_numpy()))


def test_meta_signature_names_the_inputs(tmp_path: Path, fitted: Any) -> None:
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(fitted))
    declared = {"inputs": [{"name": "sepal_length", "dtype": "float32"}, "sepal_width",
                           "petal_length", "petal_width"]}
    model = choose("m.pkl", {}).load(tmp_path / "m.pkl", {"signature": declared})
    assert model.signature.inputs[0] == Column("sepal_length", "float32")
    assert model.signature.source == "meta" and model.signature.classes == (0, 1, 2)


def test_skops_loads_trusted_types_only(tmp_path: Path, fitted: Any,
                                        iris: tuple[pd.DataFrame, Any]) -> None:
    import skops.io as sio

    frame, _ = iris
    sio.dump(fitted, tmp_path / "m.skops")
    model = choose("m.skops", {}).load(tmp_path / "m.skops", {})
    _same_as_estimator(model, fitted, frame)

    sio.dump({"model": fitted, "extra": Path("x")}, tmp_path / "odd.skops")
    with pytest.raises(LoadError, match="pathlib"):
        choose("odd.skops", {}).load(tmp_path / "odd.skops", {})


def _onnx_logistic(path: Path, weights: Any, bias: Any, per_column: bool) -> None:
    """A softmax regression written with onnx.helper: label = argmax, probabilities."""
    from onnx import TensorProto, helper, numpy_helper, save

    n = weights.shape[0]
    nodes, inputs = [], []
    if per_column:
        inputs = [helper.make_tensor_value_info(f"c{i}", TensorProto.DOUBLE, [None, 1])
                  for i in range(n)]
        nodes.append(helper.make_node("Concat", [f"c{i}" for i in range(n)], ["X"], axis=1))
    else:
        inputs = [helper.make_tensor_value_info("X", TensorProto.DOUBLE, [None, n])]
    nodes += [helper.make_node("MatMul", ["X", "W"], ["XW"]),
              helper.make_node("Add", ["XW", "B"], ["Z"]),
              helper.make_node("Softmax", ["Z"], ["probabilities"], axis=1),
              helper.make_node("ArgMax", ["Z"], ["label"], axis=1, keepdims=0)]
    graph = helper.make_graph(
        nodes, "softmax", inputs,
        [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
         helper.make_tensor_value_info("probabilities", TensorProto.DOUBLE, [None, 3])],
        [numpy_helper.from_array(weights, "W"), numpy_helper.from_array(bias, "B")])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


@pytest.mark.parametrize("per_column", [False, True])
def test_onnx(tmp_path: Path, iris: tuple[pd.DataFrame, Any], per_column: bool) -> None:
    frame, _ = iris
    rng = np.random.default_rng(7)
    weights, bias = rng.normal(size=(4, 3)), rng.normal(size=3)
    _onnx_logistic(tmp_path / "m.onnx", weights, bias, per_column)
    declared = {"signature": {"inputs": list(frame.columns), "outputs": {"classes": [0, 1, 2]}}}
    meta = {} if per_column else declared
    model = choose("m.onnx", meta).load(tmp_path / "m.onnx", meta)
    expected_names = tuple(f"c{i}" for i in range(4)) if per_column else tuple(frame.columns)
    assert model.signature.names == expected_names and model.signature.proba
    columns = {name: frame.iloc[:, i].to_numpy() for i, name in enumerate(expected_names)}
    prediction = model.predict(columns)
    z = frame.to_numpy() @ weights + bias
    np.testing.assert_array_equal(prediction.labels, z.argmax(axis=1))
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(prediction.proba, expected, rtol=1e-6)


PROJECT_LOADER = '''
import pickle


class Doubler:
    """A project's own model: predicts twice the first column, has no predict_proba."""

    feature_names_in_ = ["a", "b"]

    def predict(self, frame):
        return (frame["a"] * 2).to_numpy()


def load(path):
    assert path.read_bytes() == b"weights"
    return Doubler()
'''


def test_project_loader(tmp_path: Path) -> None:
    (tmp_path / "mlci_test_project_loader.py").write_text(PROJECT_LOADER)
    (tmp_path / "model.bin").write_bytes(b"weights")
    meta = {"loader": "mlci_test_project_loader:load"}
    sys.path.insert(0, str(tmp_path))
    try:
        model = choose("model.bin", meta).load(tmp_path / "model.bin", meta)
    finally:
        sys.path.remove(str(tmp_path))
    assert model.signature == Signature((Column("a"), Column("b")))
    prediction = model.predict({"a": np.array([1.0, 2.5]), "b": np.array([0.0, 0.0])})
    np.testing.assert_array_equal(prediction.labels, [2.0, 5.0])
    assert prediction.proba is None


@pytest.mark.parametrize(("path", "meta", "message"), [
    ("model.bin", {}, "no loader for .bin"),
    ("model.pkl", {"loader": "tensorflow"}, "unknown loader 'tensorflow'"),
    ("model.bin", {"loader": "nosuchmodule_xyz:load"}, "cannot import nosuchmodule_xyz"),
])
def test_loader_errors(tmp_path: Path, path: str, meta: dict[str, Any], message: str) -> None:
    (tmp_path / path).write_bytes(b"x")
    with pytest.raises(LoadError, match=message):
        choose(path, meta).load(tmp_path / path, meta)


def test_a_pickle_without_predict_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.pkl").write_bytes(pickle.dumps({"not": "a model"}))
    with pytest.raises(LoadError, match="has no predict"):
        choose("m.pkl", {}).load(tmp_path / "m.pkl", {})
