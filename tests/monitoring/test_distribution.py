"""Distributions (pure): exact counts, the binned form past the limit, numpy's own answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mlci.monitoring import distribution, stattests
from mlci.monitoring.distribution import EXACT_LIMIT, Numeric, NumericBuilder


def built(values: np.ndarray, batch: int = 10_000, integer: bool = False,
          anchors: np.ndarray | None = None) -> Numeric:
    builder = NumericBuilder(integer, anchors)
    for start in range(0, len(values), batch):
        builder.add(values[start:start + batch])
    dist = builder.finish()
    assert dist is not None
    return dist


def test_exact_counts_and_moments_match_numpy() -> None:
    values = np.random.default_rng(0).integers(-50, 50, 25_000).astype(float)
    dist = built(values)
    unique, counts = np.unique(values, return_counts=True)
    assert dist.exact and np.array_equal(dist.values, unique)
    assert np.array_equal(dist.counts, counts)
    assert dist.mean == pytest.approx(values.mean(), rel=1e-12)
    assert dist.std == pytest.approx(values.std(), rel=1e-12)
    assert (dist.minimum, dist.maximum, dist.count) == (-50.0, 49.0, 25_000)


def test_past_the_limit_values_are_binned_and_counts_stay_right() -> None:
    values = np.random.default_rng(1).normal(5, 2, EXACT_LIMIT + 20_000)
    dist = built(values)
    assert not dist.exact and dist.grid is not None
    assert int(dist.grid.counts.sum()) == len(values) and len(dist.grid.counts) <= (1 << 16)
    width = dist.grid.width
    edges = (dist.grid.start + np.arange(len(dist.grid.counts) + 1)) * width
    assert np.array_equal(np.histogram(values, edges)[0], dist.grid.counts)
    assert dist.std == pytest.approx(values.std(), rel=1e-9)


def test_binned_cdf_is_exact_at_bin_edges() -> None:
    values = np.random.default_rng(2).exponential(1, EXACT_LIMIT * 2) ** 3
    dist = built(values, batch=50_000)
    assert dist.grid is not None
    edges = (dist.grid.start + np.arange(1, 200)) * dist.grid.width
    assert np.array_equal(dist.below(edges, "left"), [np.sum(values < e) for e in edges])


@pytest.mark.parametrize(("low", "high", "integer"), [
    (0.0, 1.0, False), (-3.5, 17.25, False), (0, 7, True), (5, 5, True), (2.0, 2.0, False)])
def test_sturges_edges_are_numpys(low: float, high: float, integer: bool) -> None:
    rng = np.random.default_rng(3)
    kind = np.int64 if integer else np.float64
    ref = np.concatenate([[low, high], rng.uniform(low, high, 300)]).astype(kind)
    cur = rng.uniform(low, high, 200).astype(kind)
    edges = stattests.sturges_edges(built(ref.astype(float), integer=integer),
                                    built(cur.astype(float), integer=integer))
    expected = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
    assert np.array_equal(edges, expected)


def test_ks_statistic_is_exact_against_a_binned_current_when_anchored() -> None:
    rng = np.random.default_rng(4)
    reference, current = rng.normal(0, 1, 700), rng.normal(0.05, 1.1, EXACT_LIMIT * 2)
    ref = built(reference)
    cur = built(current, batch=30_000, anchors=ref.breakpoints())
    assert not cur.exact
    assert stattests.ks(ref, cur) == pytest.approx(stats.ks_2samp(reference, current).pvalue,
                                                   rel=1e-9)


def test_binned_wasserstein_is_close_to_scipys() -> None:
    rng = np.random.default_rng(5)
    reference, current = rng.normal(100, 1, 150_000), rng.normal(100.05, 1, 120_000)
    ours = stattests.wasserstein(built(reference, 40_000), built(current, 40_000))
    theirs = stats.wasserstein_distance(reference, current) / np.std(reference)
    assert ours == pytest.approx(theirs, rel=1e-3)


def test_coarsening_sums_neighbouring_bins() -> None:
    grid = distribution.Grid(-2, -3, np.array([1, 2, 3, 4, 5], dtype=np.int64))
    coarse = distribution.coarsened(grid, 0)  # width 0.25 -> 1: bins [-3,-2], [-1..1]
    assert (coarse.start, coarse.counts.tolist()) == (-1, [6, 9])
