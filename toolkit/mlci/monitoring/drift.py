"""Drift between a reference and a current profile: per column, the data set, data quality. Pure.

Each column shared by both sides gets Evidently's default test (or the one `stattest` names),
its statistic, threshold and verdict, and its PSI; the data set drifts when the share of
drifted columns reaches `drift_share`. Data quality looks at what the tests do not: missing
values, categories the reference never had, values outside the reference's range.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from mlci.errors import MlciError
from mlci.monitoring import stattests
from mlci.monitoring.distribution import Categorical, Numeric
from mlci.monitoring.profile import ColumnProfile, Profile
from mlci.monitoring.stattests import Stattest

TESTED = ("numerical", "categorical")
MISSING_RISE = 0.05  # a missing share this much above the reference's is reported
Check = Literal["missing column", "missing values", "unseen categories", "out of range",
                "no values"]


@dataclass(frozen=True)
class Options:
    """What mlci.yaml's `monitor.NAME` says about the comparison."""

    drift_share: float = 0.5
    stattest: Mapping[str, str] = field(default_factory=dict)
    target: str | None = None


@dataclass(frozen=True, eq=False)
class ColumnDrift:
    """One column's test: which, its statistic and threshold, the verdict, and its PSI."""

    name: str
    kind: str
    test: Stattest
    statistic: float
    threshold: float
    drifted: bool
    psi: float
    reference: ColumnProfile
    current: ColumnProfile

    @property
    def severity(self) -> float:
        """How far past (> 1) or below (< 1) its threshold the statistic is."""
        if self.test.p_value:
            return self.threshold / self.statistic if self.statistic > 0 else math.inf
        return self.statistic / self.threshold if self.threshold > 0 else math.inf


@dataclass(frozen=True)
class Finding:
    """A data-quality observation on a column (never a raw value of a private column)."""

    column: str
    check: Check
    detail: str
    share: float | None = None


@dataclass(frozen=True, eq=False)
class Drift:
    """The comparison of two profiles; `columns` sorted most drifted first."""

    columns: tuple[ColumnDrift, ...]
    drift_share: float
    quality: tuple[Finding, ...] = ()

    @property
    def drifted(self) -> tuple[ColumnDrift, ...]:
        return tuple(c for c in self.columns if c.drifted)

    @property
    def share(self) -> float:
        """The share of tested columns that drifted."""
        return len(self.drifted) / len(self.columns) if self.columns else 0.0

    @property
    def dataset_drift(self) -> bool:
        return bool(self.columns) and self.share >= self.drift_share


def compare(reference: Profile, current: Profile, options: Options) -> Drift:
    """Test every column both profiles have values for; report what could not be tested."""
    tested, quality = [], []
    for name, ref in reference.columns.items():
        cur = current.columns.get(name)
        if cur is None:
            if name != options.target:
                quality.append(Finding(name, "missing column", "not in the current data"))
            continue
        quality.extend(findings(ref, cur))
        if ref.kind in TESTED and ref.dist is not None and cur.dist is not None:
            tested.append(column_drift(ref, cur, options.stattest.get(name)))
    ordered = sorted(tested, key=lambda c: (not c.drifted, -c.severity, c.name))
    return Drift(tuple(ordered), options.drift_share, tuple(quality))


def column_drift(ref: ColumnProfile, cur: ColumnProfile, override: str | None) -> ColumnDrift:
    """One column (or the prediction): its test, statistic, verdict and PSI."""
    assert ref.dist is not None and cur.dist is not None
    kind = ref.kind
    assert kind == "numerical" or kind == "categorical"
    test = _override(ref, override) if override else stattests.choose(kind, ref.dist, cur.dist)
    score = test.score(ref.dist, cur.dist)
    psi = stattests.psi(ref.dist, cur.dist)
    return ColumnDrift(ref.name, kind, test, score, test.threshold, test.judge(score), psi, ref,
                       cur)


def _override(ref: ColumnProfile, name: str) -> Stattest:
    test = stattests.TESTS[name]
    if ref.kind not in test.kinds:
        allowed = [t.name for t in stattests.TESTS.values() if ref.kind in t.kinds]
        raise MlciError(f"stattest {name!r} does not apply to {ref.kind} column {ref.name!r}",
                        hint=f"for {ref.kind} columns use one of: {', '.join(allowed)}")
    return test


def findings(ref: ColumnProfile, cur: ColumnProfile) -> list[Finding]:
    """Data-quality findings for one column: missing values, new categories, out of range."""
    found = []
    if (cur.rows and cur.missing_share > ref.missing_share + MISSING_RISE) or (
            cur.missing and not ref.missing):
        found.append(Finding(ref.name, "missing values", f"{_percent(ref.missing_share)} in the "
                             f"reference, {_percent(cur.missing_share)} now", cur.missing_share))
    if ref.kind in TESTED and ref.dist is not None and cur.dist is None and cur.rows:
        found.append(Finding(ref.name, "no values", "every current value is missing", 1.0))
    if isinstance(ref.dist, Categorical) and isinstance(cur.dist, Categorical):
        found.extend(_unseen(ref, ref.dist, cur.dist))
    if isinstance(ref.dist, Numeric) and isinstance(cur.dist, Numeric):
        found.extend(_out_of_range(ref, ref.dist, cur.dist))
    return found


def _unseen(ref: ColumnProfile, reference: Categorical, current: Categorical) -> list[Finding]:
    new = {k: n for k, n in current.categories.items() if k not in reference.categories}
    if not new:
        return []
    rows = sum(new.values())
    shown = "" if ref.hashed else ": " + ", ".join(sorted(new, key=lambda k: -new[k])[:5])
    detail = f"{len(new)} categor{'y' if len(new) == 1 else 'ies'} the reference never had{shown}"
    return [Finding(ref.name, "unseen categories", detail, rows / current.count)]


def _out_of_range(ref: ColumnProfile, reference: Numeric, current: Numeric) -> list[Finding]:
    low = float(current.below(np.array([reference.minimum]), "left")[0])
    high = current.count - float(current.below(np.array([reference.maximum]), "right")[0])
    outside = (low + high) / current.count
    if outside <= 0:
        return []
    detail = (f"{_percent(outside)} of values outside the reference range "
              f"[{_number(reference.minimum)}, {_number(reference.maximum)}]")
    return [Finding(ref.name, "out of range", detail, outside)]


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _number(value: float) -> str:
    return f"{value:.6g}"
