"""Inputs of every shape, checked against a signature and turned into typed columns.

Requests (Open Inference Protocol tensors, MLflow's four JSON layouts, CSV) and tables (pyarrow
batches, pandas frames) all end as `Columns`: one 1-D numpy array per signature column, in
signature order, of the signature's dtype. Anything else is a `BadInput` naming the column and
the problem, with the HTTP status the server answers (422: the request is well-formed but
does not fit the model).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mlci.errors import MlciError
from mlci.serving.loaders.base import Columns
from mlci.serving.signature import Column, Signature

_NUMPY = {"float64": "float64", "float32": "float32", "int64": "int64", "int32": "int32",
          "bool": "bool", "string": "object"}


class BadInput(MlciError):
    """Input the model cannot take; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def coerce(signature: Signature, raw: Mapping[str, Any]) -> Columns:
    """{column: values} with exactly the signature's names and equal lengths, typed."""
    check_names(signature, list(raw))
    columns = {c.name: typed(c, raw[c.name]) for c in signature.inputs}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise BadInput(f"columns have different lengths: {sorted(lengths)}")
    return columns


def check_names(signature: Signature, names: Sequence[str]) -> None:
    """Exactly the signature's column names (any order), else a 422 naming the difference."""
    wanted = signature.names
    missing = [n for n in wanted if n not in names]
    unknown = [n for n in names if n not in wanted]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise BadInput(f"duplicate column names: {_few(twice)}")
    if missing or unknown:
        parts = ([f"missing column(s) {_few(missing)}"] if missing else []) + (
            [f"unknown column(s) {_few(unknown)}"] if unknown else [])
        raise BadInput("; ".join(parts) + f" (the model takes {len(wanted)}: {_few(list(wanted))})")


def typed(column: Column, values: Any) -> Any:
    """`values` as a 1-D array of the column's dtype; JSON null is NaN in float columns."""
    try:
        array = np.asarray(values)
    except ValueError as exc:
        raise BadInput(f"column {column.name!r}: {exc}") from None
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.reshape(-1)
    if array.ndim != 1:
        raise BadInput(f"column {column.name!r}: expected one value per row, got shape "
                       f"{list(array.shape)}")
    return _cast(column, array)


def _cast(column: Column, array: Any) -> Any:
    kind = array.dtype.kind
    if column.dtype == "string":
        if kind in "US" or (kind == "O" and all(v is None or isinstance(v, str) for v in array)):
            return array.astype(object)
        raise BadInput(f"column {column.name!r}: expected strings, got {_sample(array)}")
    if kind == "O":
        array = _numbers(column, array)
    elif kind not in "fiub":
        raise BadInput(f"column {column.name!r}: expected numbers ({column.dtype}), got "
                       f"{_sample(array)}")
    if column.dtype.startswith("int") and array.dtype.kind == "f" and not (
            np.all(np.isfinite(array)) and np.all(array == np.round(array))):
        raise BadInput(f"column {column.name!r}: expected whole numbers ({column.dtype}), "
                       f"got {_sample(array)}")
    return array.astype(_NUMPY[column.dtype], copy=False)


def _numbers(column: Column, array: Any) -> Any:
    """An object array of numbers (JSON null: NaN) as float64, else a BadInput."""
    if not all(v is None or _is_number(v) for v in array):
        raise BadInput(f"column {column.name!r}: expected numbers ({column.dtype}), got "
                       f"{_sample(array)}")
    return np.array([np.nan if v is None else v for v in array], dtype="float64")


def from_matrix(signature: Signature, rows: Any, names: Sequence[str] | None = None) -> Columns:
    """Row-major data (a list of rows or a 2-D array) whose columns are `names`, else the
    signature's order; each row must have one value per column."""
    order = list(names) if names is not None else list(signature.names)
    try:
        matrix = np.asarray(rows, dtype=object if _has_strings(signature) else "float64")
    except (ValueError, TypeError):
        if not _ragged_ok(rows):
            raise BadInput("rows must be lists of values of equal length (numbers for "
                           f"the columns {_few(list(signature.names))})", 400) from None
        matrix = np.asarray(rows, dtype=object)
    if matrix.ndim == 1 and len(order) == 1:
        matrix = matrix.reshape(-1, 1)
    if matrix.ndim != 2 or matrix.shape[1] != len(order):
        width = matrix.shape[1] if matrix.ndim == 2 else "?"
        raise BadInput(f"expected rows of {len(order)} values ({_few(order)}), got {width} "
                       f"per row (shape {list(matrix.shape)})")
    return coerce(signature, {name: matrix[:, i] for i, name in enumerate(order)})


def from_records(signature: Signature, records: Sequence[Any]) -> Columns:
    """A list of {column: value} rows."""
    if not all(isinstance(r, dict) for r in records):
        raise BadInput("each record must be an object of {column: value}", status=400)
    names = list(records[0]) if records else list(signature.names)
    for i, record in enumerate(records):
        if list(record) != names and set(record) != set(names):
            raise BadInput(f"record {i} has columns {_few(sorted(record))}, record 0 has "
                           f"{_few(sorted(names))}")
    return coerce(signature, {n: [r[n] for r in records] for n in names})


def from_table(signature: Signature, table: Any) -> Columns:
    """A pyarrow RecordBatch/Table or a pandas DataFrame; columns beyond the signature's are
    ignored (batch files carry ids and labels)."""
    present = list(table.column_names if hasattr(table, "column_names") else table.columns)
    missing = [n for n in signature.names if n not in present]
    if missing:
        raise BadInput(f"missing column(s) {_few(missing)} (the model takes "
                       f"{_few(list(signature.names))})")
    return {c.name: typed(c, _values(table, c.name)) for c in signature.inputs}


def _values(table: Any, name: str) -> Any:
    column = table.column(name) if hasattr(table, "column_names") else table[name]
    if hasattr(column, "to_numpy") and hasattr(column, "null_count"):  # pyarrow
        return column.to_numpy(zero_copy_only=False)
    return column.to_numpy()


def _has_strings(signature: Signature) -> bool:
    return any(c.dtype == "string" for c in signature.inputs)


def _ragged_ok(rows: Any) -> bool:
    return isinstance(rows, list) and all(isinstance(r, list) for r in rows) and \
        len({len(r) for r in rows}) <= 1


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) or (hasattr(value, "dtype") and
                                               value.dtype.kind in "fiub")


def _sample(array: Any) -> str:
    return repr(array[:3].tolist())[:80] + ("..." if len(array) > 3 else "")


def _few(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:8])
    return shown + (f", ... ({len(names)} in all)" if len(names) > 8 else "")
