"""`mlci data scan`: personal data and secrets in the pipeline's data, reported masked.

Tables (CSV, Parquet, JSONL) are judged column by column on a sample of every batch; other
text files line by line; binary files (models) are skipped. By default the scan covers what
the pipeline holds: every output of dvc.yaml's stages and of `.dvc` files, and the table files
its stages read from git. Findings that `privacy.allow` in mlci.yaml accepts are left out.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from mlci.config import PrivacyAllow, PrivacyConfig
from mlci.data import privacy, tables
from mlci.data.privacy import Tally, Thresholds
from mlci.data.results import Finding, ScanResult
from mlci.errors import MlciError
from mlci.project import snapshot

TEXT_LINES = 65_536  # lines of a text file looked at together
_PROBE = 8_192  # bytes read to tell text from binary (a NUL byte: binary, as git decides)


@dataclass(frozen=True)
class ScanRequest:
    root: Path
    paths: tuple[Path, ...] = ()  # none: the pipeline's data
    thresholds: Thresholds = field(default_factory=Thresholds)
    allow: tuple[PrivacyAllow, ...] = ()


def configured(root: Path, privacy: PrivacyConfig, paths: Sequence[Path] = (),
               min_hits: int | None = None, min_share: float | None = None) -> ScanRequest:
    """The scan mlci.yaml's `privacy:` asks for: its thresholds (explicit ones win) and the
    findings accepted after review."""
    thresholds = Thresholds(privacy.min_distinct_hits if min_hits is None else min_hits,
                            privacy.min_share if min_share is None else min_share)
    return ScanRequest(root, tuple(paths), thresholds, privacy.allow)


@dataclass
class _Totals:
    files: int = 0
    rows: int = 0
    columns: int = 0
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def scan(request: ScanRequest) -> ScanResult:
    """Scan the files of `request` (or the pipeline's data) and judge each column."""
    tables.require_pyarrow()
    totals = _Totals()
    for path, explicit in _targets(request):
        if not path.exists():
            if explicit:
                raise MlciError(f"{path}: no such file or directory")
            totals.skipped.append(f"{_name(request.root, path)}: not in the workspace "
                                  "(`mlci repro` or `dvc pull` brings it)")
            continue
        for file in _files(path):
            _scan_file(request, file, totals)
    allowed = [f for f in totals.findings if _allowed(f, request.allow)]
    return ScanResult(tuple(f for f in totals.findings if f not in allowed), totals.files,
                      totals.rows, totals.columns, tuple(allowed), tuple(totals.skipped))


def _targets(request: ScanRequest) -> Iterator[tuple[Path, bool]]:
    if request.paths:
        yield from ((path, True) for path in request.paths)
        return
    for name in pipeline_data(request.root):
        yield request.root / name, False


def pipeline_data(root: Path) -> list[str]:
    """The pipeline's data: dvc.yaml's stage outputs, `.dvc` outputs, table files it reads."""
    layout = snapshot.layout(root)
    tables_read = [d for d in layout.deps
                   if Path(d).suffix.lower() in tables.SUFFIXES and d not in layout.outs]
    return list(dict.fromkeys([*layout.outs, *snapshot.added_outs(root), *tables_read]))


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))


def _scan_file(request: ScanRequest, file: Path, totals: _Totals) -> None:
    name = _name(request.root, file)
    if file.suffix.lower() in tables.SUFFIXES:
        try:
            _scan_table(request, file, name, totals)
            totals.files += 1
            return
        except MlciError:  # unreadable as a table: its text is scanned all the same
            totals.skipped.append(f"{name}: not readable as a table, scanned as text")
    if _is_binary(file):
        totals.skipped.append(f"{name}: binary")
        return
    _scan_text(request, file, name, totals)
    totals.files += 1


def _scan_table(request: ScanRequest, file: Path, name: str, totals: _Totals) -> None:
    columns = privacy.Columns()
    for batch in tables.batches(file):
        columns.add(_flat(batch))
    tallies = columns.finish()
    totals.rows += columns.rows
    totals.columns += len(tallies) or len(tables.schema(file).names)
    for column, tally in tallies.items():
        totals.findings.extend(_findings(name, column, tally, request.thresholds))


def _flat(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Nested JSONL objects as dotted columns (`user.email`)."""
    if not any(pa.types.is_struct(f.type) for f in batch.schema):
        return batch
    flat: pa.RecordBatch = pa.Table.from_batches([batch]).flatten().combine_chunks().to_batches()[0]
    return flat


def _scan_text(request: ScanRequest, file: Path, name: str, totals: _Totals) -> None:
    tally = Tally()
    with file.open("r", encoding="utf-8", errors="replace") as handle:
        lines: list[str] = []
        for line in handle:
            lines.append(line.rstrip("\r\n"))
            if len(lines) == TEXT_LINES:
                privacy.count(tally, pa.array(lines, pa.large_string()))
                totals.rows += len(lines)
                lines = []
        privacy.count(tally, pa.array(lines, pa.large_string()))
        totals.rows += len(lines)
    totals.findings.extend(_findings(name, None, tally, request.thresholds))


def _findings(path: str, column: str | None, tally: Tally,
              thresholds: Thresholds) -> list[Finding]:
    return [Finding(path, column, v.kind, v.distinct_hits, v.share, v.examples)
            for v in privacy.flag(tally, thresholds, text=column is None)]


def _is_binary(file: Path) -> bool:
    with file.open("rb") as handle:
        return b"\0" in handle.read(_PROBE)


def _allowed(finding: Finding, allow: tuple[PrivacyAllow, ...]) -> bool:
    return any(fnmatch.fnmatchcase(finding.path, entry.path)
               and (entry.column is None or entry.column == finding.column) for entry in allow)


def _name(root: Path, path: Path) -> str:
    """A repository path when `path` is inside the repository, else the path as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
