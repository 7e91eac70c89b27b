"""`mlci predict`: batch scoring of a table file in chunks, with bounded memory.

Reads and writes only through `mlci.data.tables` (CSV, Parquet, JSONL). Output rows are in
input order: the `--keep` columns, `prediction`, then `proba_<class>` per class. A failure
leaves no output file (the writer renames a finished temporary file only).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pyarrow as pa

from mlci.data import tables
from mlci.errors import MlciError
from mlci.project.context import Project
from mlci.serving import loading

if TYPE_CHECKING:
    from mlci.serving.loaders.base import Predictor

DEFAULT_CHUNK = 100_000
T = TypeVar("T")


@dataclass(frozen=True)
class PredictRequest:
    """What `mlci predict` was asked; `bundle` replaces `root`/`ref`."""

    input: Path
    project: Project | None = None
    ref: str | None = None
    bundle: Path | None = None
    output: Path | None = None
    fmt: str | None = None
    chunk_size: int = DEFAULT_CHUNK
    keep: tuple[str, ...] = ()


@dataclass(frozen=True)
class PredictResult:
    """Which exact version scored how many rows into which file."""

    info: loading.ModelInfo
    rows: int
    output: Path
    fmt: str
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {**self.info.to_json(), "rows": self.rows, "output": str(self.output),
                "format": self.fmt, "seconds": round(self.seconds, 3)}


def output_path(input_path: Path, fmt: str | None) -> Path:
    """`data/x.csv` -> `data/x.predictions.csv` (the suffix of `fmt` when given)."""
    suffix = f".{fmt}" if fmt else (input_path.suffix if input_path.is_file() else ".csv")
    return input_path.with_name(f"{input_path.stem}.predictions{suffix or '.csv'}")


def predict(request: PredictRequest, progress: Callable[[int], None] | None = None
            ) -> PredictResult:
    """Load the model (verified), score every chunk of the input, write the output."""
    if request.chunk_size < 1:
        raise MlciError("--chunk-size: expected a positive number of rows")
    tables.require_pyarrow()
    started = time.perf_counter()
    loaded = _load(request)
    output = request.output or output_path(request.input, request.fmt)
    fmt = tables.format_of(output, request.fmt) if request.fmt or output.suffix else "csv"
    wanted = list(dict.fromkeys([*loaded.model.signature.names, *request.keep]))
    rows = 0
    with tables.writer(output, fmt) as out:
        for batch in prefetched(tables.batches(request.input, wanted, request.chunk_size)):
            out.write(scored(loaded.model, batch, request.keep))
            rows += batch.num_rows
            if progress is not None:
                progress(rows)
    return PredictResult(loaded.info, rows, output, fmt, time.perf_counter() - started)


def prefetched(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """`items`, produced by a thread up to `depth` ahead: the next chunk is parsed (pyarrow
    releases the GIL) while this one is scored and written. Memory: `depth` + 1 chunks."""
    done = object()
    ahead: queue.Queue[Any] = queue.Queue(depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ahead.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ahead.put((done, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            ahead.put((done, exc))

    thread = threading.Thread(target=produce, name="mlci-predict-reader", daemon=True)
    thread.start()
    try:
        while True:
            item, error = ahead.get()
            if item is done:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join()


def _load(request: PredictRequest) -> loading.Loaded:
    if request.bundle is not None:
        return loading.load_bundle(request.bundle)
    if request.project is None:
        raise MlciError("no model: run in a git checkout of the project, or pass --bundle DIR")
    return loading.load(request.project, request.ref)


def scored(model: Predictor, batch: pa.RecordBatch, keep: tuple[str, ...] = ()) -> pa.RecordBatch:
    """The `keep` columns of `batch`, then `prediction` and `proba_<class>` columns."""
    prediction = loading.score(model, batch)
    arrays = [batch.column(name) for name in keep]
    names = list(keep)
    arrays.append(pa.array(prediction.labels))
    names.append("prediction")
    if prediction.proba is not None:
        classes = model.signature.classes or tuple(range(prediction.proba.shape[1]))
        for i, label in enumerate(classes):
            arrays.append(pa.array(prediction.proba[:, i]))
            names.append(f"proba_{label}")
    return pa.RecordBatch.from_arrays(arrays, names=names)
