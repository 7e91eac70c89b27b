"""Tabular files (CSV, Parquet, JSONL) read in bounded-memory batches and written atomically.

The one place mlci reads and writes tables: data checks, monitoring and batch predictions all
stream through here, so every file format, chunking and typing rule is decided once. pyarrow
does the work (imported inside the functions: `mlci --help` never pays for it).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, get_args

import pyarrow as pa

from mlci.data import csv_ranges
from mlci.errors import MlciError

Format = Literal["csv", "parquet", "jsonl"]
FORMATS: tuple[Format, ...] = get_args(Format)
SUFFIXES: dict[str, Format] = {
    ".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl",
}
BATCH_ROWS = 65_536  # rows per batch: a few MB for typical tables
_CSV_BLOCK = 2 << 20  # bytes per block; the first decides column types; ~30 are read ahead
# pyarrow's words for a value that does not fit its column: CSV, then JSON
_TYPE_CHANGE = re.compile(r"conversion error|Column\(.*\) changed from \w+ to \w+")


def format_of(path: Path, explicit: str | None = None) -> Format:
    """The table format of `path`: `explicit` if given, else by suffix."""
    if explicit is not None:
        if explicit not in FORMATS:
            raise MlciError(f"unknown table format {explicit!r}",
                            hint=f"one of: {', '.join(FORMATS)}")
        return explicit
    found = SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise MlciError(f"{path}: not a table file mlci reads",
                        hint=f"use one of {', '.join(SUFFIXES)} (or name the format)")
    return found


def require_pyarrow() -> None:
    """An error saying how to install pyarrow, when it is missing (it is an optional extra)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise MlciError("reading tables needs pyarrow, which is not installed",
                        hint="pip install 'mlci[data]'") from None


def files(path: Path) -> list[Path]:
    """`path` itself, or every table file under the directory `path`, in name order."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise MlciError(f"{path}: no such file or directory")
    found = sorted(p for p in path.rglob("*")
                   if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith("."))
    if not found:
        raise MlciError(f"{path}: holds no table files",
                        hint=f"mlci reads {', '.join(sorted(SUFFIXES))} files")
    return found


class TableTypeError(MlciError):
    """A value does not fit its column's type: a CSV value (types inferred from the first rows,
    or asked for), or a JSONL column whose kind changes (a number, then text)."""


def batches(path: Path, columns: Sequence[str] | None = None, batch_rows: int = BATCH_ROWS,
            fmt: str | None = None, types: Mapping[str, pa.DataType] | None = None,
            ) -> Iterator[pa.RecordBatch]:
    """Record batches of `path` (a file or a directory of them), at most `batch_rows` rows each.

    Memory stays bounded by one batch. `columns` selects and orders columns; a missing one is
    an error naming the file. `types` fixes CSV column types instead of inferring them (a
    value that does not fit raises TableTypeError); other formats carry their own types.
    """
    require_pyarrow()
    for file in files(path):
        yield from _file_batches(file, format_of(file, fmt), columns, batch_rows, types)


def text_batches(path: Path, text: Collection[str], batch_rows: int = BATCH_ROWS,
                 ) -> Iterator[pa.RecordBatch]:
    """As `batches`, with the columns `text` read as text whatever their values, so that a
    value that does not fit its column (text in a number column, a JSONL column whose kind
    changes mid-file) reaches the checks instead of failing the read. CSV: those columns typed
    as strings; JSONL: read line by line with Python's json, a non-string value kept as its
    JSON text (slower than pyarrow's reader: for the rare file that needs it)."""
    require_pyarrow()
    for file in files(path):
        fmt = format_of(file)
        if fmt == "jsonl":
            yield from _jsonl_text(file, frozenset(text), batch_rows)
        else:
            yield from _file_batches(file, fmt, None, batch_rows,
                                     {name: pa.string() for name in text})


def _jsonl_text(file: Path, text: frozenset[str], batch_rows: int) -> Iterator[pa.RecordBatch]:

    def as_text(value: Any) -> Any:
        return value if value is None or isinstance(value, str) else json.dumps(value)

    def unreadable(why: str) -> MlciError:
        return MlciError(f"{file}: not readable as JSONL: {why}", hint=_hint("jsonl"))

    rows: list[dict[str, Any]] = []
    try:
        with file.open("r", encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as exc:
                    raise unreadable(f"line {number}: {_first_line(exc)}") from None
                if not isinstance(row, dict):
                    raise unreadable(f"line {number}: not a JSON object")
                rows.append({k: as_text(v) if k in text else v for k, v in row.items()})
                if len(rows) == batch_rows:
                    yield pa.RecordBatch.from_pylist(rows)
                    rows = []
        if rows:
            yield pa.RecordBatch.from_pylist(rows)
    except (UnicodeDecodeError, pa.ArrowException) as exc:  # a column of mixed kinds, untyped
        raise unreadable(_first_line(exc)) from None
    except OSError as exc:
        raise MlciError(f"{file}: cannot read: {exc.strerror or exc}") from None


def schema(path: Path, fmt: str | None = None) -> pa.Schema:
    """Column names and types of the first file of `path` (reads one batch at most)."""
    require_pyarrow()
    first = files(path)[0]
    for batch in _file_batches(first, format_of(first, fmt), None, 1024, None):
        return batch.schema
    return _empty(first, None, fmt).schema


def _file_batches(file: Path, fmt: Format, columns: Sequence[str] | None,
                  batch_rows: int, types: Mapping[str, pa.DataType] | None = None,
                  ) -> Iterator[pa.RecordBatch]:
    try:
        for batch in _raw_batches(file, fmt, columns, batch_rows, types):
            for offset in range(0, batch.num_rows, batch_rows):
                yield batch.slice(offset, batch_rows)
    except pa.ArrowInvalid as exc:
        error = TableTypeError if _TYPE_CHANGE.search(str(exc)) else MlciError
        raise error(f"{file}: not readable as {fmt.upper()}: {_first_line(exc)}",
                    hint=_hint(fmt)) from None
    except OSError as exc:
        raise MlciError(f"{file}: cannot read: {exc.strerror or exc}") from None


def _raw_batches(file: Path, fmt: Format, columns: Sequence[str] | None,
                 batch_rows: int, types: Mapping[str, pa.DataType] | None,
                 ) -> Iterator[pa.RecordBatch]:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(file)
        _check_columns(file, parquet.schema_arrow.names, columns)
        yield from parquet.iter_batches(batch_size=batch_rows, columns=columns)
        return
    if fmt == "csv" and file.stat().st_size > 2 * csv_ranges.RANGE:
        with file.open("rb") as handle:
            _check_columns(file, csv_ranges.header_names(handle.readline()), columns)
        yield from csv_ranges.batches(file, columns, types=types)  # in parallel, in file order
        return
    if fmt == "csv":
        import pyarrow.csv as csv

        convert = csv.ConvertOptions(strings_can_be_null=True, column_types=dict(types or {}))
        # quoted fields may hold line breaks: blocks must be cut outside quotes
        reader = csv.open_csv(file, read_options=csv.ReadOptions(block_size=_CSV_BLOCK),
                              parse_options=csv.ParseOptions(newlines_in_values=True),
                              convert_options=convert)
    else:
        import pyarrow.json as json

        reader = json.open_json(file, read_options=json.ReadOptions(block_size=_CSV_BLOCK))
    _check_columns(file, reader.schema.names, columns)
    for batch in reader:
        yield batch.select(list(columns)) if columns is not None else batch


def _check_columns(file: Path, names: list[str], columns: Sequence[str] | None) -> None:
    missing = [c for c in columns or () if c not in names]
    if missing:
        raise MlciError(f"{file}: no column {', '.join(map(repr, missing))}",
                        hint=f"its columns: {', '.join(names) or '(none)'}")


def _empty(path: Path, columns: Sequence[str] | None, fmt: str | None) -> pa.Table:
    return pa.table({name: pa.array([], pa.null()) for name in columns or ()})


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def _hint(fmt: Format) -> str:
    if fmt == "csv":
        return ("a column's type comes from its first rows; a later value that does not fit "
                "(text in a number column) needs fixing in the data")
    if fmt == "jsonl":
        return "one JSON object per line, the same keys and value types on every line"
    return "is it a complete Parquet file?"


@contextmanager
def writer(path: Path, fmt: Format) -> Iterator[TableWriter]:
    """Write record batches to `path` as `fmt`: a temporary file renamed at the end, so a
    reader never sees a half-written table and a failure leaves nothing behind."""
    require_pyarrow()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    out = TableWriter(Path(temp), fmt)
    try:
        yield out
        out.close()
        Path(temp).replace(path)
    except BaseException:
        out.close()
        Path(temp).unlink(missing_ok=True)
        raise


class TableWriter:
    """Appends record batches to one CSV, Parquet or JSONL file (see `writer`)."""

    def __init__(self, path: Path, fmt: Format) -> None:
        self.path, self.fmt, self.rows = path, fmt, 0
        self._sink: Any = None  # a pyarrow writer, or the JSONL text file

    def write(self, batch: pa.RecordBatch) -> None:
        """Append `batch`; the first batch fixes the columns."""
        if self._sink is None:
            self._open(batch.schema)
        if self.fmt == "jsonl":
            self._write_jsonl(batch)
        else:
            self._sink.write(batch)
        self.rows += batch.num_rows

    def _open(self, schema: pa.Schema) -> None:
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            self._sink = pq.ParquetWriter(self.path, schema)
        elif self.fmt == "csv":
            import pyarrow.csv as csv

            self._sink = csv.CSVWriter(self.path, schema)
        else:
            self._sink = self.path.open("w", encoding="utf-8")

    def _write_jsonl(self, batch: pa.RecordBatch) -> None:
        self._sink.write("".join(json.dumps(row, default=str) + "\n" for row in batch.to_pylist()))

    def close(self) -> None:
        """Finish the file (Parquet writes its footer here); safe to call twice."""
        if self._sink is not None:
            self._sink.close()
            self._sink = None
