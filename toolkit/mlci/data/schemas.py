"""Data schemas in pandera's YAML format: inferred from a reference table, loaded for checks.

`infer` streams the table once (bounded memory) and writes per column: dtype, nullable, a
numeric range widened by a margin, the categories of low-cardinality text columns and
uniqueness where it holds, under a header saying the schema was inferred and must be
reviewed. pandera reads the file unchanged (`DataFrameSchema.from_yaml`), and so does `load`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandera.pandas as pandera
import pyarrow as pa
import pyarrow.compute as pc

from mlci.data import tables
from mlci.errors import ConfigError, MlciError

MAX_CATEGORIES = 20
MARGIN = 0.1
HEADER = """\
# Data schema INFERRED by `mlci data infer` from {source} ({rows:,} rows).
# REVIEW IT before relying on it: an inferred schema only says "the data looks like last time".
# Ranges are the observed minimum and maximum widened by {margin:g} of their span (edit them);
# `isin` lists every value seen in text columns with at most {categories} distinct values;
# `unique: true` marks integer and text columns whose values were all different.
# Format: pandera's YAML schema (pandera.pandas.DataFrameSchema.from_yaml reads it);
# check data against it with `mlci data validate DATA --schema THIS_FILE`.
"""


@dataclass
class _Column:
    """What one column held, accumulated batch by batch."""

    type: Any
    rows: int = 0
    nulls: int = 0
    low: Any = None
    high: Any = None
    categories: set[Any] | None = field(default_factory=set)  # None: too many
    seen: list[Any] | None = field(default_factory=list)  # chunks kept to test uniqueness


def infer(path: Path, source: str, margin: float = MARGIN,
          max_categories: int = MAX_CATEGORIES) -> str:
    """The YAML text of a schema for the table at `path` (`source` names it in the header)."""
    columns: dict[str, _Column] = {}
    rows = 0
    for batch in tables.batches(path):
        rows += batch.num_rows
        for name, array in zip(batch.schema.names, batch.columns, strict=True):
            _add(columns.setdefault(name, _Column(array.type)), array, max_categories)
    if not columns:
        columns = {f.name: _Column(f.type) for f in tables.schema(path)}
    schema = _schema({name: _pandera_column(stats, margin, pa) for name, stats in
                      columns.items()})
    header = HEADER.format(source=source, rows=rows, margin=margin, categories=max_categories)
    return header + (schema.to_yaml() or "")


def _add(stats: _Column, array: pa.Array, max_categories: int) -> None:
    stats.rows += len(array)
    stats.nulls += array.null_count
    kind = array.type
    if (pa.types.is_integer(kind) or pa.types.is_floating(kind)) and len(array) > array.null_count:
        low, high = pc.min_max(array).values()
        stats.low = _extreme(min, stats.low, low.as_py())
        stats.high = _extreme(max, stats.high, high.as_py())
    if _is_text(kind) and stats.categories is not None:
        stats.categories.update(pc.unique(array.drop_null()).to_pylist())
        if len(stats.categories) > max_categories:
            stats.categories = None
    if stats.seen is not None:
        unique_type = pa.types.is_integer(kind) or _is_text(kind)
        stats.seen = [*stats.seen, array] if unique_type and not array.null_count else None


def _extreme(pick: Any, old: Any, new: Any) -> Any:
    if isinstance(new, float) and math.isnan(new):
        return old
    return new if old is None else pick(old, new)


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _pandera_column(stats: _Column, margin: float, pa: Any) -> pandera.Column:
    checks = []
    if stats.low is not None and stats.high is not None:
        low, high = widened(stats.low, stats.high, margin, pa.types.is_integer(stats.type))
        checks.append(pandera.Check.in_range(low, high))
    non_null = stats.rows - stats.nulls
    if stats.categories and len(stats.categories) * 2 <= non_null:
        checks.append(pandera.Check.isin(sorted(stats.categories)))
    return pandera.Column(dtype_name(stats.type, stats.nulls > 0), checks,
                          nullable=stats.nulls > 0, unique=_unique(stats),
                          description=_observed(stats))


def _unique(stats: _Column) -> bool:
    if stats.seen is None or stats.rows < 2:
        return False
    return bool(pc.count_distinct(pa.chunked_array(stats.seen)).as_py() == stats.rows)


def _observed(stats: _Column) -> str:
    nulls = f"{stats.nulls:,} missing" if stats.nulls else "none missing"
    if stats.low is None:
        return f"{stats.rows:,} values, {nulls}"
    return f"observed {_num(stats.low)} to {_num(stats.high)} in {stats.rows:,} values, {nulls}"


def _num(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.6g}"


def widened(low: float, high: float, margin: float, integer: bool) -> tuple[float, float]:
    """[low, high] widened by `margin` of its span on both sides (pure).

    Bounds round outwards to two significant digits of the span; integers stay integers;
    a range of non-negative values stays non-negative.
    """
    span = (high - low) or abs(high) or 1.0
    if integer:  # whole steps only: a 0/1 column stays [0, 1]
        pad = math.floor(margin * span)
        return max(low - pad, 0) if low >= 0 else low - pad, high + pad
    new_low, new_high = low - margin * span, high + margin * span
    if low >= 0:
        new_low = max(new_low, 0.0)
    step = 10.0 ** (math.floor(math.log10(span)) - 2)
    new_low = math.floor(new_low / step) * step
    new_high = math.ceil(new_high / step) * step
    digits = max(0, 2 - math.floor(math.log10(span)))
    return round(new_low, digits), round(new_high, digits)


def dtype_name(kind: pa.DataType, nullable: bool = False) -> str | None:
    """The pandas dtype pandera checks for an arrow type (None: not checked) (pure)."""
    if pa.types.is_integer(kind):
        name = str(kind)
        return name.capitalize().replace("Uint", "UInt") if nullable else name
    if pa.types.is_floating(kind):
        return {16: "float16", 32: "float32"}.get(kind.bit_width, "float64")
    if pa.types.is_boolean(kind):
        return "boolean" if nullable else "bool"
    if _is_text(kind):
        return "str"
    if pa.types.is_timestamp(kind) and kind.tz is None:
        return "datetime64[ns]"
    return None


def _schema(columns: dict[str, pandera.Column]) -> pandera.DataFrameSchema:
    return pandera.DataFrameSchema(columns, coerce=True)


def load(path: Path) -> pandera.DataFrameSchema:
    """The pandera schema in the YAML file at `path`; a clear error when it is not one."""
    require_pandera()

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MlciError(f"{path}: no such schema file",
                        hint=f"write one with `mlci data infer DATA -o {path}` and review it"
                        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MlciError(f"{path}: cannot read: {exc}") from None
    try:
        schema = pandera.DataFrameSchema.from_yaml(text)
    except Exception as exc:  # noqa: BLE001 - pandera raises anything from yaml to KeyError
        raise ConfigError(f"{path}: not a pandera YAML schema: {_first_line(exc)}",
                          hint="see https://pandera.readthedocs.io (schema serialization), "
                          "or infer one with `mlci data infer`") from None
    if not isinstance(schema, pandera.DataFrameSchema):
        raise ConfigError(f"{path}: not a pandera DataFrame schema")
    return schema


def _first_line(exc: Exception) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


def require_pandera() -> None:
    """An error saying how to install pandera (an optional extra), when it is missing."""
    try:
        import pandera.pandas  # noqa: F401
    except ImportError:
        raise MlciError("data schemas need pandera, which is not installed",
                        hint="pip install 'mlci[data]'") from None
