"""The privacy scan's counting: which values of a column (or lines of a text) hold personal data.

pyarrow.compute runs the detectors' patterns over whole columns (RE2, vectorised); Python
looks only at the distinct candidates of the kinds that need a check (Luhn, mod-97...). A
column's verdict is `flag` (pure): enough distinct findings that are a large enough share of
its values, so one stray match flags nothing; a credential is flagged at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from mlci.data import detectors
from mlci.data.detectors import DETECTORS, Kind

HEAD_ROWS = 65_536  # a table's first rows are all looked at ...
STRIDE = 8  # ... then every 8th row
RUN = 65_536  # values of a column matched at once (each pyarrow call compiles its patterns)
MAX_DISTINCT = 100_000  # distinct findings remembered per column and kind (memory stays bounded)
EXAMPLES = 3
CARD_MIN = 10**12  # an integer column can only hold card numbers (13+ digits)


@dataclass
class Tally:
    """What one column (or one text file, column None) held so far."""

    values: int = 0  # non-empty values looked at
    hits: dict[Kind, int] = field(default_factory=dict)  # values holding a finding of the kind
    distinct: dict[Kind, dict[str, None]] = field(default_factory=dict)  # findings, in order


@dataclass(frozen=True)
class Thresholds:
    """When a column is flagged: at least `min_distinct_hits` distinct findings that are at
    least `min_share` of its non-empty values (a text file: the distinct findings alone)."""

    min_distinct_hits: int = 5
    min_share: float = 0.1


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    distinct_hits: int
    share: float
    examples: tuple[str, ...]  # masked


class Columns:
    """The tallies of one table's columns, fed batch by batch: rows sampled (all of the first
    HEAD_ROWS, then every STRIDE-th), values counted in runs of RUN."""

    def __init__(self) -> None:
        self.tallies: dict[str, Tally] = {}
        self.rows = 0
        self._pending: dict[str, list[Any]] = {}

    def add(self, batch: pa.RecordBatch) -> None:
        """Take the sampled rows of the next batch."""
        picked = _sample(batch, self.rows)
        self.rows += batch.num_rows
        for name, array in zip(picked.schema.names, picked.columns, strict=True):
            pending = self._pending.setdefault(name, [])
            if pending and pending[0].type != array.type:
                self._flush(name)
            self._pending[name].append(array)
            if sum(len(a) for a in self._pending[name]) >= RUN:
                self._flush(name)

    def finish(self) -> dict[str, Tally]:
        """Every column's tally, the last values counted."""
        for name in list(self._pending):
            self._flush(name)
        return self.tallies

    def _flush(self, name: str) -> None:
        arrays, self._pending[name] = self._pending[name], []
        tally = self.tallies.setdefault(name, Tally())
        if arrays:
            count(tally, pa.concat_arrays(arrays))


def _sample(batch: pa.RecordBatch, start: int) -> pa.RecordBatch:
    """The rows of `batch` (its first row is row `start` of the table) the scan looks at."""
    end = start + batch.num_rows
    if end <= HEAD_ROWS:
        return batch
    first = max(start, HEAD_ROWS)
    first += -(first - HEAD_ROWS) % STRIDE
    indices = [*range(start, min(end, HEAD_ROWS)), *range(first, end, STRIDE)]
    return batch.take(pa.array([i - start for i in indices], pa.int64()))


def count(tally: Tally, array: pa.Array | pa.ChunkedArray) -> None:
    """Add the values of one column chunk to its tally (strings; integers for card numbers)."""
    kinds: tuple[detectors.Detector, ...] = DETECTORS
    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)
    if pa.types.is_integer(array.type):
        tally.values += len(array) - array.null_count
        array = array.filter(pc.greater_equal(array, CARD_MIN)).cast(pa.string())
        kinds = (detectors.by_kind("card"),)
    elif _is_text(array.type):
        if pa.types.is_string_view(array.type):
            array = array.cast(pa.string())
        tally.values += pc.sum(pc.greater(pc.utf8_length(array), 0)).as_py() or 0
    else:
        return
    candidates = array.filter(pc.match_substring_regex(array, detectors.PREFILTER))
    for detector in kinds if len(candidates) else ():
        if detector.check is None:
            _match(tally, detector, candidates)
            continue
        matched = candidates.filter(pc.match_substring_regex(candidates, detector.core))
        if len(matched):
            _check(tally, detector, pc.value_counts(matched))


def _match(tally: Tally, detector: detectors.Detector, candidates: Any) -> None:
    """A kind its pattern decides: the first value of each text, all in RE2."""
    found = pc.extract_regex(candidates, detector.re2).flatten()[0]
    hits = len(found) - found.null_count
    if hits:
        tally.hits[detector.kind] = tally.hits.get(detector.kind, 0) + hits
        _remember(tally, detector.kind, pc.unique(found.drop_null()).to_pylist())


def _remember(tally: Tally, kind: Kind, found: list[str]) -> None:
    seen = tally.distinct.setdefault(kind, {})
    room = MAX_DISTINCT - len(seen)
    if room > 0:
        seen.update(dict.fromkeys(found[:room]))


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_string_view(kind))


def _check(tally: Tally, detector: detectors.Detector, counts: Any) -> None:
    """Check each distinct candidate once; its count says how many values held it."""
    hits = 0
    found: list[str] = []
    for text, times in zip(counts.field("values").to_pylist(),
                           counts.field("counts").to_pylist(), strict=True):
        values = detectors.values(detector, text)
        if values:
            hits += times
            found.extend(values)
    if hits:
        tally.hits[detector.kind] = tally.hits.get(detector.kind, 0) + hits
        _remember(tally, detector.kind, found)


def flag(tally: Tally, thresholds: Thresholds, text: bool = False) -> list[Verdict]:
    """The kinds this tally is flagged for, in detector order (pure)."""
    verdicts = []
    for detector in DETECTORS:
        distinct = tally.distinct.get(detector.kind) or {}
        share = tally.hits.get(detector.kind, 0) / tally.values if tally.values else 0.0
        if detector.secret:
            flagged = len(distinct) >= 1
        else:
            flagged = len(distinct) >= thresholds.min_distinct_hits and (
                text or share >= thresholds.min_share)
        if flagged:
            masked = dict.fromkeys(detector.mask(v) for v in list(distinct)[:50])
            examples = tuple(masked)[:EXAMPLES]
            verdicts.append(Verdict(detector.kind, len(distinct), round(share, 4), examples))
    return verdicts
