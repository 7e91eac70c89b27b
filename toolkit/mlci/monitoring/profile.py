"""A data set's profile: per column its kind, counts and distribution, built in one streamed pass.

The reference profile of a model version is built once from its training data (by `mlci
publish`, or by `mlci monitor` for versions published before) and stored as JSON; monitoring
builds the same kind of profile from the current data and compares the two, so neither side
is ever held in memory. Column kinds follow Evidently's rules: floats are numerical; integers
are categorical when the reference has at most 5 distinct values and no missing ones, else
numerical; booleans and text are categorical; dates and times are not tested.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as t

from mlci.data import redaction
from mlci.monitoring.distribution import (
    CategoricalBuilder,
    Distribution,
    Floats,
    Numeric,
    NumericBuilder,
    as_categorical,
    number_key,
)

Kind = Literal["numerical", "categorical", "datetime", "unsupported"]
FEW_VALUES = 5
HASHED = re.compile(re.escape(redaction.PREFIX) + "[0-9a-f]{64}")
ANCHORED_UP_TO = 1000  # Evidently's KS reference size
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True, eq=False)
class ColumnProfile:
    """One column: its kind, how many rows it had, how many were missing, its distribution."""

    name: str
    kind: Kind
    dtype: str
    rows: int
    missing: int
    dist: Distribution | None = None  # None when every value was missing, or not tested
    hashed: bool = False  # categories are hashes of the values (privacy.hash)

    @property
    def missing_share(self) -> float:
        return self.missing / self.rows if self.rows else 0.0


@dataclass(frozen=True, eq=False)
class Profile:
    """A data set summarised: rows, columns (in file order) and where it came from."""

    rows: int
    columns: dict[str, ColumnProfile]
    source: dict[str, str] = field(default_factory=dict)
    prediction: ColumnProfile | None = None  # the model's predictions on these rows


@dataclass(frozen=True)
class Spec:
    """How to profile: fixed kinds (the current side takes the reference's), skipped,
    categorical and hashed columns, and a row cap (`--sample`)."""

    kinds: Mapping[str, Kind] = field(default_factory=dict)
    categorical: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    hashed: frozenset[str] = frozenset()
    max_rows: int | None = None
    anchors: Mapping[str, Floats] = field(default_factory=dict)


def current_spec(reference: Profile, spec: Spec) -> Spec:
    """How to profile current data against `reference`: its kinds, and for a small numeric
    reference its values as anchors (so the KS statistic is exact at any current size)."""
    kinds = {name: column.kind for name, column in reference.columns.items()}
    anchors = {name: column.dist.breakpoints() for name, column in reference.columns.items()
               if isinstance(column.dist, Numeric) and column.dist.exact
               and column.dist.count <= ANCHORED_UP_TO}
    return replace(spec, kinds=kinds, anchors=anchors)


def build(batches: Iterable[pa.RecordBatch], spec: Spec, source: dict[str, str] | None = None,
          progress: Any = None) -> Profile:
    """The profile of a stream of record batches (memory bounded by one batch per column)."""
    builder = Builder(spec)
    for batch in batches:
        if not builder.add(batch):
            break
        if progress is not None:
            progress(batch.num_rows)
    return builder.finish(source or {})


class Builder:
    """Profiles a stream of record batches added one at a time."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.rows = 0
        self.columns: dict[str, _Column] = {}

    def add(self, batch: pa.RecordBatch) -> bool:
        """Add a batch (cut at the row cap); False once the cap is reached."""
        cap = self.spec.max_rows
        if cap is not None and self.rows + batch.num_rows > cap:
            batch = batch.slice(0, cap - self.rows)
        for name, column in zip(batch.schema.names, batch.columns, strict=False):
            if name in self.spec.exclude:
                continue
            if name not in self.columns:
                self.columns[name] = _Column(name, column.type, self.spec)
            self.columns[name].add(column)
        self.rows += batch.num_rows
        return cap is None or self.rows < cap

    def finish(self, source: dict[str, str] | None = None) -> Profile:
        """The profile of every row added."""
        columns = {name: col.finish(self.rows) for name, col in self.columns.items()}
        return Profile(self.rows, columns, source or {})


class _Column:
    """The accumulator of one column, chosen by its arrow type (or the kind it must have)."""

    def __init__(self, name: str, dtype: pa.DataType, spec: Spec) -> None:
        self.name, self.dtype = name, dtype
        self.hashed = name in spec.hashed
        self.missing = self.present = 0  # rows of batches (files) without the column: missing
        self.fixed = spec.kinds.get(name)
        numeric = t.is_integer(dtype) or t.is_floating(dtype) or t.is_decimal(dtype)
        self.kind: Kind = _kind(dtype, numeric, name in spec.categorical or self.hashed)
        if self.fixed in ("categorical", "numerical"):
            self.kind = self.fixed
        self.integer = t.is_integer(dtype)
        self.numbers = NumericBuilder(self.integer, spec.anchors.get(name)) \
            if self.kind == "numerical" else None
        self.categories = CategoricalBuilder() if self.kind == "categorical" else None

    def add(self, column: pa.Array) -> None:
        self.present += len(column)
        if self.numbers is not None:
            values = _floats(column)
            finite = values[np.isfinite(values)]
            self.missing += len(values) - len(finite)
            self.integer = self.integer and t.is_integer(column.type) and not column.null_count
            self.numbers.add(finite)
        elif self.categories is not None:
            keys, counts, missing = _categories(column, self.hashed)
            self.categories.add(keys, counts)
            self.missing += missing
        else:
            self.missing += column.null_count

    def finish(self, rows: int) -> ColumnProfile:
        dist: Distribution | None = None
        kind, self.missing = self.kind, self.missing + rows - self.present
        if self.numbers is not None:
            dist = self.numbers.finish()
            if self.fixed is None and _few_integers(dist, self.integer, self.missing):
                assert isinstance(dist, Numeric)
                kind, dist = "categorical", as_categorical(dist)
        elif self.categories is not None:
            dist = self.categories.finish()
        return ColumnProfile(self.name, kind, str(self.dtype), rows, self.missing, dist,
                             self.hashed)


def _kind(dtype: pa.DataType, numeric: bool, categorical: bool) -> Kind:
    if categorical or t.is_boolean(dtype) or t.is_string(dtype) or t.is_large_string(dtype) \
            or t.is_dictionary(dtype) or t.is_null(dtype):
        return "categorical"
    if numeric:
        return "numerical"
    if t.is_temporal(dtype):
        return "datetime"
    return "unsupported"


def _few_integers(dist: Distribution | None, integer: bool, missing: int) -> bool:
    """Evidently reads an integer column with at most 5 values as categorical (pandas: an
    integer column with missing values is a float column, so it stays numerical)."""
    return (isinstance(dist, Numeric) and integer and not missing and dist.exact
            and dist.distinct <= FEW_VALUES)


def _floats(column: pa.Array) -> np.ndarray[Any, np.dtype[np.float64]]:
    if t.is_null(column.type):
        return np.full(len(column), np.nan)
    try:
        floats = pc.cast(column, pa.float64(), safe=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # text in a numeric column
        floats = pa.array([_number(v) for v in column.to_pylist()], pa.float64())
    return np.asarray(floats.to_numpy(zero_copy_only=False), dtype=np.float64)


def _number(value: Any) -> float | None:
    """A value that is not a number is missing."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _categories(column: pa.Array, hashed: bool) -> tuple[list[str], list[int], int]:
    """The batch's categories as text keys with their counts, and how many values were missing."""
    counted = column.value_counts()
    values = counted.field("values").to_pylist()
    counts = counted.field("counts").to_pylist()
    keys, kept, missing = [], [], 0
    for value, n in zip(values, counts, strict=False):
        key = category_key(value)
        if key is None:
            missing += n
            continue
        keys.append(_hash(value) if hashed else key)
        kept.append(n)
    return keys, kept, missing


def category_key(value: Any) -> str | None:
    """A value as a category (None: missing); 3, 3.0 and "3" read from different formats agree."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return None if not math.isfinite(value) else number_key(value)
    return str(value)


def _hash(value: Any) -> str:
    """As `mlci serve --log-predictions` hashes `privacy.hash` columns; a logged value is
    already such a hash and stays as it is."""
    text = str(value)
    return text if HASHED.fullmatch(text) else redaction.hash_text(text)
