"""`mlci serve --log-predictions DIR`: every scored row, appended to rotating files.

A request hands its inputs and outputs to a bounded queue and returns at once (a full queue
drops the entry and counts it: logging never blocks or fails a request). One thread writes:
rows of one model version go to `predictions-<UTC time>-<pid>-<n>.<jsonl|parquet>.part`, which
is renamed without `.part` when it is full (`max_rows`), old (`max_seconds`), the served
version changes, or the server stops; readers (`mlci monitor`) only see complete files.
Each row: `request_id`, `time` (UTC ISO 8601), `model`, `version`, the input columns (minus
`privacy.exclude`, with `privacy.hash` hashed), `prediction`, and `proba_<class>` columns.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from mlci.data.redaction import redact

LogFormat = Literal["jsonl", "parquet"]
_STOP = object()


@dataclass(frozen=True)
class Entry:
    """One request's rows: handed over as arrays, turned into rows in the writer thread."""

    request_id: str
    when: float
    model: str
    version: str
    columns: dict[str, Any]
    labels: Any
    proba: Any
    classes: tuple[Any, ...]


@dataclass(frozen=True)
class LogSettings:
    directory: Path
    fmt: LogFormat = "jsonl"
    exclude: tuple[str, ...] = ()
    hashed: tuple[str, ...] = ()
    max_rows: int = 100_000
    max_seconds: float = 600.0
    queue_size: int = 10_000


class PredictionLog:
    """The bounded queue and its writer thread (see the module docstring)."""

    def __init__(self, settings: LogSettings, on_drop: Callable[[int], None]) -> None:
        settings.directory.mkdir(parents=True, exist_ok=True)
        self.settings, self._on_drop = settings, on_drop
        self._queue: queue.Queue[Any] = queue.Queue(settings.queue_size)
        self._file: _File | None = None
        self._count = 0
        self._thread = threading.Thread(target=self._run, name="mlci-prediction-log",
                                        daemon=True)
        self._thread.start()

    def submit(self, entry: Entry) -> bool:
        """Queue `entry` without waiting; False (and counted) when the queue is full."""
        try:
            self._queue.put_nowait(entry)
            return True
        except queue.Full:
            self._on_drop(len(entry.labels))
            return False

    def close(self) -> None:
        """Write everything queued, finish the current file and stop the thread."""
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=1.0)
            except queue.Empty:
                self._rotate_if_old()
                continue
            if item is _STOP:
                self._finish()
                return
            self._write(item)

    def _write(self, entry: Entry) -> None:
        key = (entry.model, entry.version)
        if self._file is not None and self._file.key != key:
            self._finish()
        if self._file is None:
            self._count += 1
            self._file = _File.open(self.settings, key, self._count)
        self._file.write(_rows(entry, self.settings))
        if self._file.rows >= self.settings.max_rows:
            self._finish()

    def _rotate_if_old(self) -> None:
        if self._file is not None and time.monotonic() - self._file.opened > \
                self.settings.max_seconds:
            self._finish()

    def _finish(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _rows(entry: Entry, settings: LogSettings) -> dict[str, list[Any]]:
    """Columns of the entry's rows, redacted, outputs appended."""
    count = len(entry.labels)
    stamp = datetime.fromtimestamp(entry.when, timezone.utc).isoformat(timespec="milliseconds")
    inputs = redact({k: _plain(v) for k, v in entry.columns.items()}, settings.exclude,
                    settings.hashed)
    columns: dict[str, list[Any]] = {
        "request_id": [entry.request_id] * count, "time": [stamp] * count,
        "model": [entry.model] * count, "version": [entry.version] * count, **inputs,
        "prediction": _plain(entry.labels),
    }
    if entry.proba is not None:
        for i, label in enumerate(entry.classes):
            columns[f"proba_{label}"] = _plain(entry.proba[:, i])
    return columns


def _plain(values: Any) -> list[Any]:
    """numpy values as Python ones (NaN as None: JSON has no NaN)."""
    listed = values.tolist() if hasattr(values, "tolist") else list(values)
    return [None if isinstance(v, float) and v != v else v for v in listed]


class _File:
    """The file being written: JSONL lines, or Parquet row groups."""

    def __init__(self, path: Path, fmt: LogFormat, key: tuple[str, str]) -> None:
        self.path, self.fmt, self.key = path, fmt, key
        self.rows, self.opened = 0, time.monotonic()
        self._handle: Any = path.open("w", encoding="utf-8") if fmt == "jsonl" else None

    @classmethod
    def open(cls, settings: LogSettings, key: tuple[str, str], count: int) -> _File:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"predictions-{stamp}-{os.getpid()}-{count}.{settings.fmt}.part"
        return cls(settings.directory / name, settings.fmt, key)

    def write(self, columns: dict[str, list[Any]]) -> None:
        count = len(columns["prediction"])
        if self.fmt == "jsonl":
            names = list(columns)
            lines = (json.dumps(dict(zip(names, row, strict=True)), default=str) + "\n"
                     for row in zip(*columns.values(), strict=True))
            self._handle.write("".join(lines))
            self._handle.flush()
        else:
            self._write_parquet(columns)
        self.rows += count

    def _write_parquet(self, columns: dict[str, list[Any]]) -> None:
        import pyarrow as pa  # only when --log-format parquet (the serve extra has no pyarrow)
        import pyarrow.parquet as pq

        table = pa.table(columns)
        if self._handle is None:
            self._handle = pq.ParquetWriter(self.path, table.schema)
        self._handle.write_table(table.cast(self._handle.schema))

    def close(self) -> None:
        """Finish the file and take `.part` off its name."""
        if self._handle is not None:
            self._handle.close()
        if self.rows:
            self.path.replace(self.path.with_suffix(""))
        else:
            self.path.unlink(missing_ok=True)
