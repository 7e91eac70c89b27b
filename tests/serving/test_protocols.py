"""The request parsers (pure): every layout gives the same columns; misfits name the problem."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
import pytest

from mlci.data.redaction import hash_value, redact
from mlci.serving import invocations, oip
from mlci.serving.columns import BadInput
from mlci.serving.loaders.base import Prediction
from mlci.serving.signature import Column, Signature

SIG = Signature((Column("age", "int64"), Column("height"), Column("city", "string")),
                ("no", "yes"), True)
ROWS = [[31, 1.7, "Oslo"], [45, None, "Rome"]]
EXPECTED = {"age": [31, 45], "height": [1.7, np.nan], "city": ["Oslo", "Rome"]}


def _equal(columns: dict[str, Any]) -> None:
    assert list(columns) == ["age", "height", "city"]
    assert columns["age"].dtype == np.int64 and columns["height"].dtype == np.float64
    for name, values in EXPECTED.items():
        np.testing.assert_array_equal(columns[name], np.array(values, dtype=columns[name].dtype))


RECORDS = [{"city": r[2], "age": r[0], "height": r[1]} for r in ROWS]


@pytest.mark.parametrize("body", [
    {"dataframe_split": {"columns": ["age", "height", "city"], "data": ROWS}},
    {"dataframe_split": {"columns": ["city", "age", "height"],
                         "data": [[r[2], r[0], r[1]] for r in ROWS]}},
    {"dataframe_split": {"data": ROWS}},
    {"dataframe_records": RECORDS},
    {"instances": RECORDS},
    {"instances": ROWS},
    {"inputs": {"age": [31, 45], "height": [1.7, None], "city": ["Oslo", "Rome"]}},
    {"inputs": ROWS, "params": {}},
], ids=["split", "split-reordered", "split-positional", "records", "instances-records",
        "instances-rows", "inputs-columns", "inputs-rows"])
def test_mlflow_layouts(body: dict[str, Any]) -> None:
    _equal(invocations.parse("application/json", json.dumps(body).encode(), SIG))


def test_mlflow_csv() -> None:
    _equal(invocations.parse("text/csv; charset=utf-8",
                             b"city,age,height\nOslo,31,1.7\nRome,45,\n", SIG))


@pytest.mark.parametrize(("content_type", "body", "status", "message"), [
    ("application/json", b"[]", 400, "JSON object"),
    ("application/json", b'{"dataframe_split": [1]}', 400, "dataframe_split"),
    ("application/json", b'{"dataframe_records": [1, 2]}', 400, "record"),
    ("application/json", b'{"instances": [{"age": 1, "height": 2, "city": "x"}, {"age": 1}]}',
     422, "record 1"),
    ("application/json", b'{"inputs": {"age": [1.5], "height": [1], "city": ["x"]}}', 422,
     "whole numbers"),
    ("application/json", b'{"inputs": {"age": [1], "height": ["tall"], "city": ["x"]}}', 422,
     "'height': expected numbers"),
    ("application/json", b'{"inputs": {"age": [1], "height": [1.0], "city": [3]}}', 422,
     "'city': expected strings"),
    ("application/json", b'{"inputs": {"age": [1, 2], "height": [1.0], "city": ["x"]}}', 422,
     "different lengths"),
    ("text/csv", b"", 400, "empty"),
    ("text/csv", b"age,height,city\n1,2\n", 422, "3 values"),
    ("application/xml", b"<a/>", 415, "not supported"),
])
def test_mlflow_misfits(content_type: str, body: bytes, status: int, message: str) -> None:
    with pytest.raises(BadInput, match=message) as caught:
        invocations.parse(content_type, body, SIG)
    assert caught.value.status == status


NUMBERS = Signature((Column("a"), Column("b")), (0, 1), True)


def _infer(inputs: list[dict[str, Any]], **extra: Any) -> bytes:
    return json.dumps({"inputs": inputs, **extra}).encode()


def test_oip_matrix_columns_and_binary_agree() -> None:
    matrix = np.array([[1.0, 2.0], [3.0, 4.0]])
    as_json = oip.parse(_infer([{"name": "x", "shape": [2, 2], "datatype": "FP64",
                                 "data": matrix.reshape(-1).tolist()}]), None, NUMBERS)
    by_column = oip.parse(_infer([
        {"name": "b", "shape": [2], "datatype": "FP32", "data": [2, 4]},
        {"name": "a", "shape": [2, 1], "datatype": "INT64", "data": [[1], [3]]}]), None, NUMBERS)
    header = json.dumps({"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64",
                                     "parameters": {"binary_data_size": 32}}],
                         "parameters": {"binary_data_output": True}}).encode()
    binary = oip.parse(header + matrix.astype("<f8").tobytes(), str(len(header)), NUMBERS)
    for parsed in (as_json, by_column, binary):
        np.testing.assert_array_equal(parsed.columns["a"], [1.0, 3.0])
        np.testing.assert_array_equal(parsed.columns["b"], [2.0, 4.0])
    assert as_json.outputs == ("predict", "predict_proba") and not as_json.binary
    assert binary.binary == {"predict", "predict_proba"}


def test_oip_binary_response_round_trips() -> None:
    parsed = oip.InferRequest({}, ("predict", "predict_proba"), frozenset({"predict_proba"}),
                              None)
    proba = np.array([[0.25, 0.75]])
    body, length = oip.response("m", "v1", parsed, Prediction(np.array([1]), proba), "id-1")
    assert length is not None
    header = json.loads(body[:length])
    assert header["outputs"][0] == {"name": "predict", "datatype": "INT64", "shape": [1],
                                    "data": [1]}
    assert header["outputs"][1]["parameters"] == {"binary_data_size": 16}
    np.testing.assert_array_equal(np.frombuffer(body[length:], "<f8"), [0.25, 0.75])


@pytest.mark.parametrize(("inputs", "status", "message"), [
    ([{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}], 422,
     r"expected shape \[rows, 2\]"),
    ([{"name": "a", "shape": [1], "datatype": "FP64", "data": [1]}], 422,
     "missing column.*'b'"),
    ([{"name": "a", "shape": [1], "datatype": "BYTES", "data": ["1"]},
      {"name": "b", "shape": [1], "datatype": "FP64", "data": [1]}], 422, "datatype BYTES"),
    ([{"name": "a", "shape": [-1], "datatype": "FP64", "data": [1]}], 400, "shape"),
    ([{"name": "a", "shape": [1], "datatype": "FP64"}], 400, "no data"),
])
def test_oip_misfits(inputs: list[dict[str, Any]], status: int, message: str) -> None:
    with pytest.raises(BadInput, match=message) as caught:
        oip.parse(_infer(inputs), None, NUMBERS)
    assert caught.value.status == status


def test_oip_metadata() -> None:
    meta = oip.metadata("m", "v1.0.0", SIG, "mlci-sklearn")
    assert meta["inputs"][0] == {"name": "age", "datatype": "INT64", "shape": [-1]}
    assert meta["inputs"][2]["datatype"] == "BYTES"
    assert meta["outputs"] == [{"name": "predict", "datatype": "BYTES", "shape": [-1]},
                               {"name": "predict_proba", "datatype": "FP64", "shape": [-1, 2]}]


def test_redaction() -> None:
    rows = {"email": ["a@x.org", None], "phone": ["1", "2"], "age": [3, 4]}
    assert redact(rows, ["phone"], ["email"]) == {
        "email": [hash_value("a@x.org"), None], "age": [3, 4]}
    assert hash_value("a@x.org") == "sha256:" + hashlib.sha256(b"a@x.org").hexdigest()
