"""One column's values, summarised in bounded memory: the core of a profile. Pure (numpy).

A numeric column keeps its distinct values with their counts while there are at most
`EXACT_LIMIT` of them: every drift statistic computed from that is exactly the one computed
from the raw rows. Past that, the counts go into at most `GRID_BINS` equal bins whose width
is a power of two (so bins merge exactly when the range grows) and the CDF is linear inside
a bin: statistics are then approximations (a bin is at most 1/32768 of the range wide).
A categorical column keeps a count per category (the first `CATEGORY_LIMIT` seen; later new
ones are counted together as `other`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

EXACT_LIMIT = 1 << 16
GRID_BINS = 1 << 16
CATEGORY_LIMIT = 1 << 16
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Side = Literal["left", "right"]


@dataclass(frozen=True, eq=False)
class Grid:
    """Counts in bins [k*width, (k+1)*width) for k = start, start+1, ...; width = 2**exponent."""

    exponent: int
    start: int
    counts: Ints

    @property
    def width(self) -> float:
        return math.ldexp(1.0, self.exponent)


@dataclass(frozen=True, eq=False)
class Anchors:
    """How many values are < (`less`) and <= (`at_most`) each of some fixed `points`."""

    points: Floats
    less: Ints
    at_most: Ints


@dataclass(frozen=True, eq=False)
class Numeric:
    """A numeric column's finite values: exact (`values`, `counts`) or binned (`grid`)."""

    count: int
    minimum: float
    maximum: float
    mean: float
    std: float  # population standard deviation, as numpy's np.std
    integer: bool  # every value came from an integer column without missing values
    values: Floats | None = None  # sorted distinct values (exact)
    counts: Ints | None = None
    grid: Grid | None = None
    anchors: Anchors | None = None  # exact counts at the small reference's values

    @property
    def exact(self) -> bool:
        return self.values is not None

    @property
    def distinct(self) -> int:
        """The number of distinct values (at least EXACT_LIMIT + 1 when binned)."""
        return len(self.values) if self.values is not None else EXACT_LIMIT + 1

    def breakpoints(self) -> Floats:
        """Where the CDF changes slope or jumps: the values, or the bin edges inside the range."""
        if self.values is not None:
            return self.values
        return self._knots()[0]

    def below(self, points: Floats, side: Side = "right") -> Floats:
        """How many values are <= each point (side "right") or < it ("left")."""
        if self.values is not None and self.counts is not None:
            cumulative = np.concatenate([[0], np.cumsum(self.counts)])
            return cumulative[np.searchsorted(self.values, points, side=side)].astype(np.float64)
        knots, cumulative = self._knots()
        return np.interp(points, knots, cumulative)

    def _knots(self) -> tuple[Floats, Floats]:
        """The binned CDF's corners: bin edges clamped to [min, max], duplicates merged."""
        assert self.grid is not None
        grid = self.grid
        edges = (grid.start + np.arange(1, len(grid.counts))) * grid.width
        inside = (edges > self.minimum) & (edges < self.maximum)
        cumulative = np.cumsum(grid.counts)[:-1].astype(np.float64)
        knots = np.concatenate([[self.minimum], edges[inside], [self.maximum]])
        return knots, np.concatenate([[0.0], cumulative[inside], [float(self.count)]])

    def quantiles(self, probabilities: Floats) -> Floats:
        """Values at the given probabilities (inverted CDF; interpolated inside bins)."""
        if self.values is not None and self.counts is not None:
            cumulative = np.cumsum(self.counts)
            ranks = np.ceil(probabilities * self.count).clip(1, self.count)
            return self.values[np.searchsorted(cumulative, ranks, side="left")]
        knots, corners = self._knots()
        return np.interp(probabilities * self.count, corners, knots)


@dataclass(frozen=True, eq=False)
class Categorical:
    """Counts per category (categories as text); `other`: new ones past CATEGORY_LIMIT."""

    count: int
    categories: dict[str, int]
    other: int = 0

    @property
    def distinct(self) -> int:
        return len(self.categories) + (1 if self.other else 0)


Distribution = Numeric | Categorical


def aligned(a: Numeric, b: Numeric) -> tuple[Numeric, Numeric]:
    """Two binned distributions on the same bin edges (the finer one coarsened): the CDFs
    are then exact at every edge both share, and only inside a bin is either interpolated."""
    if a.grid is None or b.grid is None or a.grid.exponent == b.grid.exponent:
        return a, b
    if a.grid.exponent < b.grid.exponent:
        return replace(a, grid=coarsened(a.grid, b.grid.exponent)), b
    return a, replace(b, grid=coarsened(b.grid, a.grid.exponent))


def coarsened(grid: Grid, exponent: int) -> Grid:
    """`grid` with bins of width 2**exponent (each new bin sums the old bins it covers)."""
    shift = exponent - grid.exponent
    index = (grid.start + np.arange(len(grid.counts), dtype=np.int64)) >> shift
    counts = np.bincount(index - index[0], weights=grid.counts)
    return Grid(exponent, int(index[0]), np.rint(counts).astype(np.int64))


def discrete(reference: Distribution, current: Distribution) -> tuple[Ints, Ints]:
    """Counts of reference and current over the union of their distinct values (same order)."""
    if isinstance(reference, Categorical) and isinstance(current, Categorical):
        keys = sorted(set(reference.categories) | set(current.categories))
        ref = [reference.categories.get(k, 0) for k in keys] + [reference.other]
        cur = [current.categories.get(k, 0) for k in keys] + [current.other]
        if not (reference.other or current.other):
            ref, cur = ref[:-1], cur[:-1]
        return np.array(ref, dtype=np.int64), np.array(cur, dtype=np.int64)
    assert isinstance(reference, Numeric) and isinstance(current, Numeric)
    points = np.union1d(reference.breakpoints(), current.breakpoints())
    return _counts_at(reference, points), _counts_at(current, points)


def _counts_at(dist: Numeric, keys: Floats) -> Ints:
    counts: Floats = dist.below(keys, "right") - dist.below(keys, "left")
    return np.rint(counts).astype(np.int64)


class NumericBuilder:
    """Accumulates a numeric column batch by batch: exact while small, then binned."""

    def __init__(self, integer: bool, anchors: Floats | None = None) -> None:
        self.integer = integer
        self.anchors = anchors
        slots = 0 if anchors is None else len(anchors)
        self.less, self.at_most = np.zeros(slots, np.int64), np.zeros(slots, np.int64)
        self.count, self.mean, self.m2 = 0, 0.0, 0.0
        self.minimum, self.maximum = math.inf, -math.inf
        self.values: Floats = np.empty(0)
        self.counts: Ints = np.empty(0, dtype=np.int64)
        self.grid: _GridBuilder | None = None

    def add(self, finite: Floats) -> None:
        """Add a batch of finite values."""
        if not len(finite):
            return
        self._moments(finite)
        if self.anchors is not None:
            self._count_at_anchors(finite, self.anchors)
        if self.grid is not None:
            self.grid.add(finite, None)
            return
        values, counts = np.unique(finite, return_counts=True)
        self.values, self.counts = _merge(self.values, self.counts, values, counts)
        if len(self.values) > EXACT_LIMIT:
            self.grid = _GridBuilder(self.minimum, self.maximum)
            self.grid.add(self.values, self.counts)
            self.values, self.counts = np.empty(0), np.empty(0, dtype=np.int64)

    def _moments(self, batch: Floats) -> None:
        """Chan et al.'s pairwise update of count, mean and sum of squared deviations."""
        n, mean = len(batch), float(np.mean(batch))
        m2 = float(np.sum((batch - mean) ** 2))
        total = self.count + n
        delta = mean - self.mean
        self.m2 += m2 + delta * delta * self.count * n / total
        self.mean += delta * n / total
        self.count = total
        self.minimum = min(self.minimum, float(batch.min()))
        self.maximum = max(self.maximum, float(batch.max()))

    def _count_at_anchors(self, batch: Floats, points: Floats) -> None:
        """x < p_j exactly when searchsorted(points, x, "right") <= j (and likewise for <=)."""
        slots = len(points) + 1
        for side, total in (("right", self.less), ("left", self.at_most)):
            position = np.searchsorted(points, batch, side=side)  # type: ignore[call-overload]
            total += np.cumsum(np.bincount(position, minlength=slots))[:-1]

    def finish(self) -> Numeric | None:
        """The distribution, or None when no finite value was seen."""
        if not self.count:
            return None
        std = math.sqrt(self.m2 / self.count)
        common = (self.count, self.minimum, self.maximum, self.mean, std, self.integer)
        anchors = None if self.anchors is None else Anchors(self.anchors, self.less, self.at_most)
        if self.grid is not None:
            return Numeric(*common, grid=self.grid.finish(), anchors=anchors)
        return Numeric(*common, values=self.values, counts=self.counts)


def _merge(values: Floats, counts: Ints, more: Floats, more_counts: Ints) -> tuple[Floats, Ints]:
    if not len(values):
        return more, more_counts
    joined, inverse = np.unique(np.concatenate([values, more]), return_inverse=True)
    summed = np.bincount(inverse, weights=np.concatenate([counts, more_counts]))
    return joined, np.rint(summed).astype(np.int64)


class _GridBuilder:
    """Equal bins of width 2**exponent; the width doubles when values outgrow GRID_BINS bins."""

    def __init__(self, minimum: float, maximum: float) -> None:
        span = max(maximum - minimum, math.ulp(max(abs(minimum), abs(maximum), 1e-300)))
        self.exponent = math.frexp(span / GRID_BINS)[1]
        self.start = 0
        self.counts: Ints = np.empty(0, dtype=np.int64)

    def add(self, values: Floats, weights: Ints | None) -> None:
        while True:
            index = np.floor(np.ldexp(values, -self.exponent))
            low, high = float(index.min()), float(index.max())
            if len(self.counts):
                low, high = min(low, self.start), max(high, self.start + len(self.counts) - 1)
            if high - low < GRID_BINS and max(abs(low), abs(high)) < 2.0**62:
                break
            self._coarsen()
        self._place(index.astype(np.int64), weights, int(low), int(high))

    def _place(self, index: Ints, weights: Ints | None, low: int, high: int) -> None:
        counts = np.zeros(high - low + 1, dtype=np.int64)
        if len(self.counts):
            counts[self.start - low: self.start - low + len(self.counts)] = self.counts
        added = np.bincount(index - low, weights=weights, minlength=len(counts))
        self.counts = counts + np.rint(added).astype(np.int64)
        self.start = low

    def _coarsen(self) -> None:
        self.exponent += 1
        if len(self.counts):
            index = (self.start + np.arange(len(self.counts), dtype=np.int64)) >> 1
            self.counts = np.bincount(index - index[0], weights=self.counts).astype(np.int64)
            self.start = int(index[0])

    def finish(self) -> Grid:
        nonzero = np.flatnonzero(self.counts)
        first, last = int(nonzero[0]), int(nonzero[-1])
        return Grid(self.exponent, self.start + first, self.counts[first:last + 1].copy())


@dataclass
class CategoricalBuilder:
    """Accumulates category counts; categories past CATEGORY_LIMIT are counted as `other`."""

    count: int = 0
    other: int = 0
    categories: dict[str, int] = field(default_factory=dict)

    def add(self, keys: list[str], counts: list[int]) -> None:
        """Add the counts of one batch's categories."""
        for key, n in zip(keys, counts, strict=False):
            if key in self.categories:
                self.categories[key] += n
            elif len(self.categories) < CATEGORY_LIMIT:
                self.categories[key] = n
            else:
                self.other += n
            self.count += n

    def finish(self) -> Categorical | None:
        if not self.count:
            return None
        return Categorical(self.count, dict(self.categories), self.other)


def as_categorical(dist: Numeric) -> Categorical:
    """An exact numeric distribution read as categories (integers written without '.0')."""
    assert dist.values is not None and dist.counts is not None
    keys = [number_key(float(v)) for v in dist.values]
    return Categorical(dist.count, dict(zip(keys, (int(c) for c in dist.counts), strict=False)))


def number_key(value: float) -> str:
    """A number as a category: 3.0 and 3 are the same category, as pandas counts them."""
    return str(int(value)) if value.is_integer() else repr(value)
