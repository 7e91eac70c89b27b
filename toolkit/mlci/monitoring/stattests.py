"""The drift tests, as Evidently (0.7, legacy API) defines them: a plugin table. Pure.

Each test compares a reference and a current `Distribution` and returns a number; the same
formulas as Evidently's `legacy/calculations/stattests/*.py`, computed from counts instead of
rows, so the numbers are Evidently's (tests/monitoring/test_evidently.py compares them).
`choose` is Evidently's `_get_default_stattest`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats
from scipy.spatial import distance

from mlci.monitoring.distribution import (
    Categorical,
    Distribution,
    Floats,
    Numeric,
    aligned,
    discrete,
)

Kind = Literal["numerical", "categorical"]
SMALL_REFERENCE = 1000  # Evidently: reference rows up to this: p-value tests, else distances
FEW_VALUES = 5  # Evidently: a numeric column with at most this many values is tested as categories
BINNED_ABOVE = 20  # PSI and Jensen-Shannon bin numeric columns with more distinct values
KS_EXACT_UP_TO = 10_000  # scipy's ks_2samp(method="auto") is exact up to this sample size


@dataclass(frozen=True)
class Stattest:
    """One drift test: Evidently's name and label, what it applies to, when it says drift."""

    name: str
    label: str  # Evidently's `stattest_name`
    kinds: tuple[Kind, ...]
    threshold: float
    score: Callable[[Distribution, Distribution], float]
    drifted: Callable[[float, float], bool]  # (score, threshold)
    p_value: bool

    def judge(self, score: float, threshold: float | None = None) -> bool:
        """Whether `score` means drift at `threshold` (default: the test's own)."""
        return bool(self.drifted(score, self.threshold if threshold is None else threshold))


def ks(reference: Distribution, current: Distribution) -> float:
    """Two-sample Kolmogorov-Smirnov p-value (scipy's ks_2samp, method auto)."""
    assert isinstance(reference, Numeric) and isinstance(current, Numeric)
    n1, n2 = reference.count, current.count
    if max(n1, n2) <= KS_EXACT_UP_TO and reference.exact and current.exact:
        return float(stats.ks_2samp(_rows(reference), _rows(current)).pvalue)
    statistic = _ks_statistic(reference, current)
    big, small = sorted([float(n1), float(n2)], reverse=True)
    return float(np.clip(stats.kstwo.sf(statistic, np.round(big * small / (big + small))), 0, 1))


def _ks_statistic(reference: Numeric, current: Numeric) -> float:
    """sup |F_ref - F_cur|; exact when the current side counted values at the reference's."""
    anchors = current.anchors
    if reference.exact and anchors is not None and np.array_equal(anchors.points,
                                                                   reference.breakpoints()):
        ref = reference.below(anchors.points, "right") / reference.count
        before = np.concatenate([[0.0], ref])  # F_ref on [p_j-1, p_j), from -inf
        at = np.concatenate([[0.0], anchors.at_most]) / current.count  # F_cur at p_j-1
        less = np.concatenate([anchors.less, [current.count]]) / current.count  # just before p_j
        return float(max(np.abs(before - at).max(), np.abs(before - less).max()))
    ref_steps, cur_steps = _cdf_steps(*aligned(reference, current))
    return float(max(np.abs(ref_steps[0] - cur_steps[0]).max(),
                     np.abs(ref_steps[1] - cur_steps[1]).max()))


def wasserstein(reference: Distribution, current: Distribution) -> float:
    """First Wasserstein distance divided by the reference's std (at least 0.001)."""
    assert isinstance(reference, Numeric) and isinstance(current, Numeric)
    reference, current = aligned(reference, current)
    points = np.union1d(reference.breakpoints(), current.breakpoints())
    ref, cur = _cdf_steps(reference, current, points)
    start, end = ref[0] - cur[0], ref[1] - cur[1]
    same_sign = start * end >= 0
    total = np.abs(start) + np.abs(end)
    with np.errstate(invalid="ignore", divide="ignore"):
        crossing = np.where(total > 0, (start**2 + end**2) / (2 * total), 0.0)
    area = np.where(same_sign, total / 2, crossing)
    distance = float(np.sum(area * np.diff(points)))
    return distance / max(reference.std, 0.001)


def _cdf_steps(reference: Numeric, current: Numeric,
               points: Floats | None = None) -> tuple[tuple[Floats, Floats], ...]:
    """Both CDFs on each interval [p_i, p_i+1): at its start, and just before its end."""
    if points is None:
        points = np.union1d(reference.breakpoints(), current.breakpoints())
    return tuple((d.below(points[:-1], "right") / d.count, d.below(points[1:], "left") / d.count)
                 for d in (reference, current))


def chisquare(reference: Distribution, current: Distribution) -> float:
    """Pearson's chi-square p-value of current counts against reference shares."""
    ref, cur = discrete(reference, current)
    expected = ref * (cur.sum() / ref.sum())
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.chisquare(cur, expected)[1])


def z(reference: Distribution, current: Distribution) -> float:
    """Two-proportion Z-test p-value (share of values other than the first category)."""
    ref, cur = discrete(reference, current)
    if len(ref) == 1:
        return 1.0
    n1, n2 = float(ref.sum()), float(cur.sum())
    p1, p2 = (n1 - ref[0]) / n1, (n2 - cur[0]) / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(2 * (1 - stats.norm.cdf(np.abs(statistic))))


def jensenshannon(reference: Distribution, current: Distribution) -> float:
    """Jensen-Shannon distance (natural log) of the binned shares."""
    ref, cur = shares(reference, current, fill_zeros=False)
    return float(distance.jensenshannon(ref, cur))


def psi(reference: Distribution, current: Distribution) -> float:
    """Population stability index of the binned shares (empty bins filled as Evidently does)."""
    ref, cur = shares(reference, current, fill_zeros=True)
    return float(np.sum((ref - cur) * np.log(ref / cur)))


def shares(reference: Distribution, current: Distribution,
           fill_zeros: bool) -> tuple[Floats, Floats]:
    """Evidently's get_binned_data: Sturges bins over both samples, or one bin per value."""
    if isinstance(reference, Numeric) and reference.distinct > BINNED_ABOVE:
        assert isinstance(current, Numeric)
        edges = sturges_edges(reference, current)
        ref, cur = (_histogram(d, edges) / d.count for d in (reference, current))
    else:
        ref_counts, cur_counts = discrete(reference, current)
        ref, cur = ref_counts / reference.count, cur_counts / current.count
    if fill_zeros:
        ref, cur = _fill(ref), _fill(cur)
    return ref, cur


def _fill(shares: Floats) -> Floats:
    smallest = float(shares[shares != 0].min())
    filler = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return np.where(shares == 0, filler, shares)


def sturges_edges(reference: Numeric, current: Numeric) -> Floats:
    """`np.histogram_bin_edges(both samples, bins="sturges")`, from the summaries alone."""
    low, high = min(reference.minimum, current.minimum), max(reference.maximum, current.maximum)
    integer = reference.integer and current.integer
    first, last = (low - 0.5, high + 0.5) if low == high else (low, high)
    width = (high - low) / (np.log2(reference.count + current.count) + 1.0)
    if width:
        width = 1.0 if integer and width < 1 else width
        bins = int(np.ceil((last - first) / width))
    else:
        bins = 1
    return np.linspace(first, last, bins + 1, endpoint=True, dtype=np.float64)


def _histogram(dist: Numeric, edges: Floats) -> Floats:
    """`np.histogram(values, edges)[0]`: bins closed on the left, the last one on both sides."""
    below = dist.below(edges, "left")
    below[-1] = dist.below(edges[-1:], "right")[0]
    return np.diff(below)


def _rows(dist: Numeric) -> Floats:
    assert dist.values is not None and dist.counts is not None
    return np.repeat(dist.values, dist.counts)


def _p_below(score: float, threshold: float) -> bool:
    return score < threshold


TESTS: dict[str, Stattest] = {test.name: test for test in (
    Stattest("ks", "K-S p_value", ("numerical",), 0.05, ks, lambda s, t: s <= t, True),
    Stattest("chisquare", "chi-square p_value", ("categorical",), 0.05, chisquare, _p_below,
             True),
    Stattest("z", "Z-test p_value", ("categorical",), 0.05, z, _p_below, True),
    Stattest("wasserstein", "Wasserstein distance (normed)", ("numerical",), 0.1, wasserstein,
             lambda s, t: s >= t, False),
    Stattest("jensenshannon", "Jensen-Shannon distance", ("categorical", "numerical"), 0.1,
             jensenshannon, lambda s, t: s >= t, False),
    Stattest("psi", "PSI", ("categorical", "numerical"), 0.1, psi, lambda s, t: s >= t, False),
)}
PSI_BANDS = (0.1, 0.25)  # below: stable; between: moderate shift; above: major shift


def distinct_union(reference: Distribution, current: Distribution) -> int:
    """How many distinct values the two samples have together (at most FEW_VALUES + 1 counted)."""
    if isinstance(reference, Categorical) and isinstance(current, Categorical):
        return len(set(reference.categories) | set(current.categories))
    assert isinstance(reference, Numeric) and isinstance(current, Numeric)
    if not (reference.exact and current.exact):
        return max(reference.distinct, current.distinct)
    return len(np.union1d(reference.breakpoints(), current.breakpoints()))


def choose(kind: Kind, reference: Distribution, current: Distribution) -> Stattest:
    """Evidently's default test for a column of `kind` with these two samples."""
    values = distinct_union(reference, current)
    if reference.count <= SMALL_REFERENCE:
        if kind == "numerical" and values > FEW_VALUES:
            return TESTS["ks"]
        return TESTS["chisquare"] if values > 2 else TESTS["z"]
    if kind == "numerical" and values > FEW_VALUES:
        return TESTS["wasserstein"]
    return TESTS["jensenshannon"]


def psi_band(value: float) -> str:
    """'stable', 'moderate' or 'major' by the usual PSI bands (0.1, 0.25)."""
    if math.isnan(value) or value < PSI_BANDS[0]:
        return "stable"
    return "moderate" if value < PSI_BANDS[1] else "major"
