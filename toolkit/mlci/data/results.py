"""What the data checks report, as values (pure): `mlci data validate` and `mlci data scan`
results, written as JSON and read back (by `mlci gate` and `mlci report`, maybe from another
job: `from_json` checks every field). No pyarrow or pandera here: the gate runs without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from mlci.data.detectors import Kind


def default_schema(data: str) -> str:
    """Where `mlci data validate DATA` looks for a schema: DATA's name + `.schema.yaml`."""
    path = PurePosixPath(data)
    return str(path.with_name(path.name.split(".", 1)[0] + ".schema.yaml"))


@dataclass(frozen=True)
class Failure:
    """One check of one column that some rows fail (column None: the whole table)."""

    column: str | None
    check: str
    failing_rows: int
    examples: tuple[Any, ...]

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "check": self.check, "failing_rows": self.failing_rows,
                "examples": list(self.examples)}


@dataclass(frozen=True)
class ValidationResult:
    failures: tuple[Failure, ...]
    rows: int | None = None  # rows checked (not in the JSON)

    @property
    def valid(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        """`{"valid": bool, "failures": [{"column", "check", "failing_rows", "examples"}]}`."""
        return {"valid": self.valid, "failures": [f.to_json() for f in self.failures]}

    @classmethod
    def from_json(cls, data: Any) -> ValidationResult:
        """A result `to_json` wrote (maybe by another job: every field is checked) (pure)."""
        if not isinstance(data, dict) or not isinstance(data.get("failures"), list):
            raise ValueError('expected {"valid": ..., "failures": [...]}')
        failures = []
        for item in data["failures"]:
            if not isinstance(item, dict) or not isinstance(item.get("failing_rows"), int):
                raise ValueError("each failure needs column, check, failing_rows and examples")
            column = item.get("column")
            failures.append(Failure(None if column is None else str(column), str(item.get("check")),
                                    item["failing_rows"], tuple(item.get("examples") or ())))
        return cls(tuple(failures))


@dataclass(frozen=True)
class Finding:
    """A column (None: a text file) flagged for one kind of personal data or secret."""

    path: str
    column: str | None
    kind: Kind
    distinct_hits: int
    share: float  # of the sampled non-empty values (lines of a text file)
    examples: tuple[str, ...]  # masked

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "column": self.column, "kind": self.kind,
                "distinct_hits": self.distinct_hits, "share": self.share,
                "examples": list(self.examples)}


@dataclass(frozen=True)
class ScanResult:
    flagged: tuple[Finding, ...]
    files: int
    rows: int
    columns: int
    allowed: tuple[Finding, ...] = ()  # accepted by privacy.allow (not in the JSON)
    skipped: tuple[str, ...] = ()  # why files were not scanned (binary, missing)

    @property
    def clean(self) -> bool:
        return not self.flagged

    def to_json(self) -> dict[str, Any]:
        """`{"flagged": [...], "scanned": {"files", "rows", "columns"}}`."""
        return {"flagged": [f.to_json() for f in self.flagged],
                "scanned": {"files": self.files, "rows": self.rows, "columns": self.columns}}

    @classmethod
    def from_json(cls, data: Any) -> ScanResult:
        """A result `to_json` wrote (maybe by a pull request's job: every field is checked)."""
        scanned = data.get("scanned") if isinstance(data, dict) else None
        if not isinstance(scanned, dict) or not isinstance(data.get("flagged"), list):
            raise ValueError('expected {"flagged": [...], "scanned": {...}}')
        flagged = []
        for item in data["flagged"]:
            if not isinstance(item, dict) or not isinstance(item.get("distinct_hits"), int):
                raise ValueError(
                    "each flagged entry needs path, column, kind, distinct_hits, share")
            column = item.get("column")
            flagged.append(Finding(str(item.get("path")), None if column is None else str(column),
                                   str(item.get("kind")),  # type: ignore[arg-type]
                                   item["distinct_hits"], float(item.get("share") or 0),
                                   tuple(str(e) for e in item.get("examples") or ())))
        files, rows, columns = (scanned.get(k) for k in ("files", "rows", "columns"))
        if not (isinstance(files, int) and isinstance(rows, int) and isinstance(columns, int)):
            raise ValueError('"scanned" needs whole numbers: files, rows, columns')
        return cls(tuple(flagged), files, rows, columns)
