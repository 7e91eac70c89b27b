"""`mlci data validate`: a table checked against a pandera schema, chunk by chunk.

pandera checks each chunk lazily (every failure, not the first); mlci adds what chunking and
a report need: column types are set once for the whole file with pyarrow (a value that does
not fit its type is a `dtype(...)` failure with its rows, not a crash half-way), uniqueness is
judged across all chunks, and each (column, check) gets one line: failing rows and at most
five example values, masked when they look like personal data.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pandera
import pyarrow as pa
import pyarrow.compute as pc

from mlci.data import schemas, tables
from mlci.data.detectors import mask_text
from mlci.data.results import Failure, ValidationResult

CHUNK_ROWS = 200_000  # rows pandera checks at once: its cost per call is paid ~25 times per 5M
EXAMPLES = 5
MASKED = "***"


@dataclass(frozen=True)
class ValidateRequest:
    data: Path
    schema: Path
    masked: frozenset[str] = frozenset()  # columns whose values never show (privacy.exclude/hash)
    chunk_rows: int = CHUNK_ROWS


def validate(request: ValidateRequest) -> ValidationResult:
    """Check every row of `request.data` against the schema; all failures, summarised."""
    plan = _plan(schemas.load(request.schema))
    try:
        return _run(request, plan, tables.batches(request.data, types=plan.casts))
    except tables.TableTypeError:  # a value that does not fit: read text, cast per chunk
        return _run(request, plan, tables.text_batches(request.data, plan.casts))


@dataclass(frozen=True)
class _Plan:
    """What mlci does itself (types, uniqueness) and the schema pandera checks the rest with."""

    checker: pandera.DataFrameSchema
    casts: dict[str, pa.DataType]
    unique: tuple[tuple[str, ...], ...]
    order: tuple[str, ...]


def _plan(schema: pandera.DataFrameSchema) -> _Plan:
    casts = {name: kind for name, column in schema.columns.items()
             if not column.regex and (kind := arrow_type(column.dtype)) is not None}
    single = [name for name, column in schema.columns.items()
              if column.unique and not column.regex]
    updates: dict[str, dict[str, Any]] = {name: {"dtype": None} for name in casts}
    for name in single:
        updates.setdefault(name, {})["unique"] = False
    checker = copy.copy(schema.update_columns(updates) if updates else schema)
    checker.unique = None
    unique = [(name,) for name in single] + ([tuple(schema.unique)] if schema.unique else [])
    return _Plan(checker, casts, tuple(unique), tuple(schema.columns))


def arrow_type(dtype: Any) -> pa.DataType | None:
    """The arrow type of a pandera dtype mlci sets itself (numbers, bools, text, naive times)."""
    native = getattr(dtype, "type", None)
    if isinstance(native, pd.StringDtype):
        return pa.string()
    numpy = getattr(native, "numpy_dtype", native)
    if not isinstance(numpy, np.dtype):
        return None
    if numpy.kind in "iufb":
        return pa.from_numpy_dtype(numpy)
    if numpy.kind == "M":
        return pa.timestamp(np.datetime_data(numpy)[0])
    return None


@dataclass
class _Tally:
    """Failures so far, by (column, check), in the order first seen."""

    order: tuple[str, ...]
    masked: frozenset[str]
    rows: dict[tuple[str | None, str], int] = field(default_factory=dict)
    examples: dict[tuple[str | None, str], dict[str, Any]] = field(default_factory=dict)
    kept: dict[tuple[str, ...], list[pa.Table]] = field(default_factory=dict)

    def add(self, column: str | None, check: str, rows: int, examples: Iterable[Any]) -> None:
        key = (column, check)
        self.rows[key] = self.rows.get(key, 0) + rows
        shown = self.examples.setdefault(key, {})
        for value in examples:
            if len(shown) >= EXAMPLES:
                break
            value = self.shown(column, value)
            shown.setdefault(repr(value), value)

    def shown(self, column: str | None, value: Any) -> Any:
        """A JSON value for an example; masked in a private column or when it looks personal."""
        value = _plain(value)
        if column in self.masked and value is not None:
            return MASKED
        masked = None if value is None or isinstance(value, bool) else mask_text(str(value))
        return value if masked is None else masked

    def result(self, total: int) -> ValidationResult:
        rank = {name: i for i, name in enumerate(self.order)}
        keys = sorted(self.rows, key=lambda k: rank.get(k[0] or "", len(rank)))
        return ValidationResult(tuple(
            Failure(column, check, self.rows[(column, check)],
                    tuple(self.examples[(column, check)].values()))
            for column, check in keys), total)


def _run(request: ValidateRequest, plan: _Plan, batches: Iterator[pa.RecordBatch]
         ) -> ValidationResult:
    tally = _Tally(plan.order, request.masked)
    offset = 0
    for chunk in _chunks(batches, request.chunk_rows):
        _check(chunk, offset, plan, tally)
        offset += chunk.num_rows
    for columns in plan.unique:
        _uniqueness(tally, columns)
    return tally.result(offset)


def _chunks(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.Table]:
    """Batches gathered into tables of about `rows` rows (a new file's schema starts a new one)."""
    taken: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        if taken and (count >= rows or not batch.schema.equals(taken[0].schema)):
            yield pa.Table.from_batches(taken)
            taken, count = [], 0
        taken.append(batch)
        count += batch.num_rows
    if taken:
        yield pa.Table.from_batches(taken)


def _check(table: pa.Table, offset: int, plan: _Plan, tally: _Tally) -> None:
    unfit: dict[str, set[int]] = {}
    for name, kind in plan.casts.items():
        if name in table.column_names and table.schema.field(name).type != kind:
            table = _cast_column(table, name, kind, offset, tally, unfit)
    for columns in plan.unique:
        if all(c in table.column_names for c in columns):
            tally.kept.setdefault(columns, []).append(table.select(list(columns)))
    frame = table.to_pandas()
    frame.index = pd.RangeIndex(offset, offset + table.num_rows)
    try:
        plan.checker.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        _cases(tally, exc.failure_cases, table.num_rows, unfit)


def _cast_column(table: pa.Table, name: str, kind: pa.DataType, offset: int, tally: _Tally,
                 unfit: dict[str, set[int]]) -> pa.Table:
    """The column cast to `kind`; values that do not fit become nulls and a dtype failure."""
    column = table.column(name)
    try:
        cast = column.cast(kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        bad = [value for value in pc.unique(column).to_pylist() if not _fits(value, kind)]
        wrong = pc.is_in(column, value_set=pa.array(bad, column.type))
        rows = pc.indices_nonzero(wrong).to_pylist()
        unfit[name] = {offset + i for i in rows}
        tally.add(name, f"dtype('{schemas.dtype_name(kind)}')", len(rows), bad)
        cast = pc.if_else(wrong, pa.scalar(None, column.type), column).cast(kind)
    return table.set_column(table.column_names.index(name), name, cast)


def _fits(value: Any, kind: pa.DataType) -> bool:
    try:
        pa.scalar(value).cast(kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OverflowError):
        return False
    return True


def _cases(tally: _Tally, cases: pd.DataFrame, rows: int, unfit: dict[str, set[int]]) -> None:
    """Add pandera's failure cases of one chunk; a failure with no row fails every row."""
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        column = None if column is None or column != column else str(column)
        if check in ("column_in_dataframe", "column_in_schema"):
            for name in group["failure_case"]:
                tally.add(str(name), str(check), rows, ())
            continue
        if check == "not_nullable" and column in unfit:
            group = group[~group["index"].isin(unfit[column])]
            if group.empty:
                continue
        indexed = int(group["index"].notna().sum())
        tally.add(column, str(check), indexed or rows, group["failure_case"].head(100))


def _uniqueness(tally: _Tally, columns: tuple[str, ...]) -> None:
    """Rows whose value (of all `columns`) repeats, across every chunk: pandera's count."""
    kept = tally.kept.pop(columns, None)
    if not kept:
        return
    if len(columns) == 1:
        chunks = [chunk for t in kept for chunk in t.column(0).chunks]
        values = pa.chunked_array(chunks, kept[0].schema.field(0).type).combine_chunks()
        del kept
        repeated, rows = _repeats(values)
        if rows:
            tally.add(columns[0], "field_uniqueness", rows, repeated)
        return
    table = pa.concat_tables(kept, promote_options="permissive")
    counts = table.group_by(list(columns)).aggregate([([], "count_all")])
    repeated_rows = counts.filter(pc.greater(counts["count_all"], 1))
    if repeated_rows.num_rows:
        shown = repeated_rows.select(list(columns)).slice(0, EXAMPLES).to_pylist()
        tally.add(None, "multiple_fields_uniqueness",
                  int(pc.sum(repeated_rows["count_all"]).as_py()), [str(r) for r in shown])


def _repeats(values: pa.Array) -> tuple[list[Any], int]:
    """The repeated values (first ones in row order) and how many rows hold one; nulls never
    repeat (as in pandera). Sorting needs less memory than a hash table of millions of values."""
    present = values.drop_null()
    ordered = present.take(pc.sort_indices(present))
    same = pc.equal(ordered.slice(1), ordered.slice(0, max(len(ordered) - 1, 0)))
    if not pc.any(same).as_py():
        return [], 0
    false = pa.array([False])
    after = pa.concat_arrays([same, false])  # equal to the next value
    before = pa.concat_arrays([false, same])  # equal to the previous one
    rows = pc.sum(pc.or_(after, before)).as_py()
    dups = pc.unique(ordered.slice(1).filter(same))
    first = pc.unique(present.filter(pc.is_in(present, value_set=dups))).slice(0, EXAMPLES)
    return first.to_pylist(), int(rows)


def _plain(value: Any) -> Any:
    """A JSON value: numpy scalars as Python ones, NaN/NaT as null, the rest as text."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        with contextlib.suppress(ValueError, TypeError):
            value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, int, float, str)):
        return value
    text = str(value)
    return None if text in ("NaT", "<NA>", "nan") else text
