"""Large CSV files parsed in parallel: line-aligned byte ranges, each parsed by pyarrow in a
worker thread (pyarrow releases the GIL), batches handed out in file order.

A range ends at a line break outside quotes: the number of `"` before it is even (RFC 4180
quoting, `""` escapes included), so a quoted field holding a line break is never cut. The
first range decides the column types, as the first block does for pyarrow's streaming
reader; the others are parsed with those types. Memory: a few ranges (RANGE bytes each).
"""

from __future__ import annotations

import io
import os
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.csv as csv

RANGE = 8 << 20  # bytes per range: ten thousand rows or more of a typical table
WORKERS = max(1, min(os.cpu_count() or 1, 8))


def batches(file: Path, columns: Sequence[str] | None, range_bytes: int = RANGE,
            types: Mapping[str, pa.DataType] | None = None) -> Iterator[pa.RecordBatch]:
    """The record batches of `file` in order (at most one range's rows each); `types` fixes
    column types as in `tables.batches` (the others are inferred from the first range)."""
    with file.open("rb") as handle, ThreadPoolExecutor(WORKERS) as pool:
        header = handle.readline()
        chunks = _chunks(handle, range_bytes)
        first = next(chunks, b"")
        table = _parse(header + first, columns, None, dict(types or {}))
        yield from table.to_batches()
        known = {field.name: field.type for field in table.schema}
        names = header_names(header)
        pending: deque[Future[pa.Table]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_parse, chunk, columns, names, known))
            if len(pending) > WORKERS:
                yield from pending.popleft().result().to_batches()
        while pending:
            yield from pending.popleft().result().to_batches()


def header_names(header: bytes) -> list[str]:
    """The column names of a CSV header line."""
    return list(csv.read_csv(io.BytesIO(header)).schema.names)


def _parse(data: bytes, columns: Sequence[str] | None, names: list[str] | None,
           types: dict[str, Any]) -> pa.Table:
    read = csv.ReadOptions(use_threads=False, column_names=names)
    # the range was cut outside quotes; inside it, pyarrow's own blocks must be cut that way too
    parse = csv.ParseOptions(newlines_in_values=True)
    convert = csv.ConvertOptions(strings_can_be_null=True, include_columns=columns,
                                 column_types=types)
    return csv.read_csv(pa.BufferReader(data), read_options=read, parse_options=parse,
                        convert_options=convert)


def _chunks(handle: BinaryIO, range_bytes: int) -> Iterator[bytes]:
    """The rest of the file in pieces of about `range_bytes`, each ending at a safe line break."""
    carry = b""
    while block := handle.read(range_bytes):
        carry += block
        cut = safe_cut(carry)
        if cut > 0:
            yield carry[:cut]
            carry = carry[cut:]
    if carry:
        yield carry


def safe_cut(data: bytes) -> int:
    """The index just after the last line break of `data` outside quotes; 0 if none (pure)."""
    end = data.rfind(b"\n")
    quotes = data.count(b'"', 0, end) if end >= 0 else 0
    while end >= 0:
        if quotes % 2 == 0:
            return end + 1
        previous = data.rfind(b"\n", 0, end)
        quotes -= data.count(b'"', previous + 1, end)
        end = previous
    return 0
