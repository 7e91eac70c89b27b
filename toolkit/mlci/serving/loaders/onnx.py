"""ONNX models (`.onnx`) run by onnxruntime (extra `mlci[onnx]`).

Inputs: either one 2-D tensor `[rows, features]` (columns named by `meta.signature`, else
x0..xN) or one tensor per column named as the column. Outputs: the first is the label, a
second (a `[rows, classes]` tensor, or skl2onnx's list of {class: probability} maps) the
probabilities.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mlci.serving.loaders.base import Columns, LoadError, Prediction, Predictor
from mlci.serving.signature import Column, Dtype, Signature, declared_in, merged, unnamed

NAME = "onnx"
SUFFIXES = (".onnx",)
_DTYPES: dict[str, Dtype] = {"tensor(double)": "float64", "tensor(float)": "float32",
                             "tensor(int64)": "int64", "tensor(int32)": "int32",
                             "tensor(bool)": "bool", "tensor(string)": "string"}


def load(path: Path, meta: dict[str, Any]) -> Predictor:
    """Open an inference session on the CPU."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise LoadError("loading .onnx models needs onnxruntime: pip install 'mlci[onnx]'") \
            from None
    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own untyped errors
        raise LoadError(f"onnxruntime cannot open it: {' '.join(str(exc).split())[:300]}") \
            from None
    declared = declared_in(meta)
    return OnnxModel(session, declared)


class OnnxModel:
    """An onnxruntime session behind the Predictor protocol."""

    def __init__(self, session: Any, declared: Signature | None) -> None:
        self.session = session
        self._inputs = session.get_inputs()
        self._outputs = [o.name for o in session.get_outputs()]
        self._matrix = len(self._inputs) == 1 and len(self._inputs[0].shape or ()) == 2 \
            and isinstance(self._inputs[0].shape[1], int) and self._inputs[0].shape[1] > 1
        self._signature = merged(declared, self._found())

    @property
    def signature(self) -> Signature:
        return self._signature

    def _found(self) -> Signature:
        first = self._inputs[0]
        dtype = _DTYPES.get(first.type, "float32")
        if self._matrix:
            columns = tuple(Column(c.name, dtype) for c in unnamed(first.shape[1]))
        else:
            columns = tuple(Column(i.name, _DTYPES.get(i.type, "float32")) for i in self._inputs)
        return Signature(columns, (), len(self._outputs) > 1)

    def predict(self, columns: Columns, proba: bool = True) -> Prediction:
        """Run the session; probabilities become a [rows, classes] array."""
        if self._matrix:
            dtype = _numpy_dtype(self._inputs[0].type)
            feed = {self._inputs[0].name: np.column_stack(list(columns.values())).astype(dtype)}
        else:
            feed = {i.name: _column(columns[name], i) for i, name in
                    zip(self._inputs, self._signature.names, strict=True)}
        wanted = self._outputs[:2] if proba and self._signature.proba else self._outputs[:1]
        results = self.session.run(wanted, feed)
        labels = np.asarray(results[0]).reshape(-1)
        scores = _proba(results[1], self._signature.classes) if len(results) > 1 else None
        return Prediction(labels, scores)


def _numpy_dtype(onnx_type: str) -> str:
    return {"tensor(double)": "float64", "tensor(int64)": "int64", "tensor(int32)": "int32",
            "tensor(bool)": "bool", "tensor(string)": "object"}.get(onnx_type, "float32")


def _column(values: Any, spec: Any) -> Any:
    array = values.astype(_numpy_dtype(spec.type))
    return array.reshape(-1, 1) if len(spec.shape or ()) == 2 else array


def _proba(value: Any, classes: tuple[Any, ...]) -> Any:
    if isinstance(value, list):  # skl2onnx's ZipMap: one {class: probability} per row
        keys = list(classes) or list(value[0]) if value else list(classes)
        return np.asarray([[row[k] for k in keys] for row in value], dtype="float64")
    return np.asarray(value, dtype="float64")
