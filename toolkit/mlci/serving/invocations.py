"""MLflow's scoring protocol (`mlflow/pyfunc/scoring_server`), so MLflow clients work unchanged:
`POST /invocations` with JSON holding exactly one of `dataframe_split`, `dataframe_records`,
`instances` or `inputs` (plus optional `params`), or a CSV body with a header row. Pure.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from mlci.serving.columns import BadInput, coerce, from_matrix, from_records
from mlci.serving.loaders.base import Columns, Prediction
from mlci.serving.signature import Signature

KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")


def parse(content_type: str, body: bytes, signature: Signature) -> Columns:
    """The request's rows as columns; BadInput (400 malformed, 415 type, 422 misfit)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "text/csv":
        return _csv(body, signature)
    if kind != "application/json":
        raise BadInput(f"content type {content_type or '(none)'!r} is not supported; send "
                       "application/json or text/csv", 415)
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise BadInput(f"the body is not JSON: {exc}", 400) from None
    if not isinstance(data, dict):
        raise BadInput(f"expected a JSON object with one of the keys {', '.join(KEYS)}", 400)
    given = [k for k in KEYS if k in data]
    unknown = [k for k in data if k not in (*KEYS, "params")]
    if len(given) != 1 or unknown:
        raise BadInput(f"the JSON object must have exactly one of {', '.join(KEYS)} (and "
                       f"optionally params); it has {', '.join(map(str, data)) or 'no keys'}",
                       400)
    if data.get("params"):
        raise BadInput("params: this model takes no inference parameters", 400)
    return _layout(given[0], data[given[0]], signature)


def _layout(key: str, value: Any, signature: Signature) -> Columns:
    if key == "dataframe_split":
        if not isinstance(value, dict) or not isinstance(value.get("data"), list):
            raise BadInput('dataframe_split: expected {"columns": [...], "data": [[...], ...]}',
                           400)
        columns = value.get("columns")
        if columns is not None and not (isinstance(columns, list)
                                        and all(isinstance(c, str) for c in columns)):
            raise BadInput("dataframe_split.columns: expected a list of names", 400)
        return from_matrix(signature, value["data"], columns)
    if key == "dataframe_records":
        if not isinstance(value, list):
            raise BadInput("dataframe_records: expected a list of {column: value} objects", 400)
        return from_records(signature, value)
    return _tensor_layout(key, value, signature)


def _tensor_layout(key: str, value: Any, signature: Signature) -> Columns:
    """`instances` / `inputs` (TF serving): rows as objects or lists, or {column: values}."""
    if isinstance(value, dict):
        return coerce(signature, value)
    if not isinstance(value, list):
        raise BadInput(f"{key}: expected a list of rows or an object of columns", 400)
    if value and all(isinstance(row, dict) for row in value):
        return from_records(signature, value)
    return from_matrix(signature, value)


def _csv(body: bytes, signature: Signature) -> Columns:
    try:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BadInput(f"the CSV body cannot be read: {exc}", 400) from None
    if not rows:
        raise BadInput("the CSV body is empty; send a header row, then data rows", 400)
    header, data = rows[0], [row for row in rows[1:] if row]
    text = {c.name for c in signature.inputs if c.dtype == "string"}
    cells = [[_cell(value, name in text) for name, value in zip(header, row, strict=False)]
             for row in data]
    if any(len(row) != len(header) for row in data):
        raise BadInput(f"every CSV row needs {len(header)} values, one per header column")
    return coerce(signature, {name: [row[i] for row in cells] for i, name in enumerate(header)})


def _cell(value: str, text: bool) -> Any:
    """A CSV value as a number (empty: missing), unless its column holds text."""
    if text:
        return value
    if value == "":
        return None
    try:
        return float(value)
    except ValueError:
        return value  # rejected by the column's dtype check, with the column's name


def response(prediction: Prediction) -> bytes:
    """`{"predictions": [...]}`: the labels, as MLflow's scikit-learn flavour answers."""
    return json.dumps({"predictions": prediction.labels.tolist()}).encode()
