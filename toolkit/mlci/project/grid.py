"""A sweep's grid (pure): its combinations, their `-S` overrides, the CI matrix, the run order."""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlci.project.dvcfiles import DEFAULT_PARAMS
from mlci.shared import yaml12

# a string YAML reads back as itself when written bare (else it is written JSON-quoted)


@dataclass(frozen=True)
class Combination:
    """One point of the grid: `id` counts from 1 in grid order; `params` keep mlci.yaml's order."""

    id: int
    params: tuple[tuple[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        """{KEY: VALUE}, as `mlci sweep --json` reports it."""
        return dict(self.params)

    @property
    def overrides(self) -> tuple[str, ...]:
        """`KEY=VALUE` for each parameter, as `mlci repro -S` takes them."""
        return tuple(f"{key}={value_text(value)}" for key, value in self.params)

    @property
    def label(self) -> str:
        """The overrides joined by spaces: the combination's name in CI and in reports."""
        return " ".join(self.overrides)


def expand(params: Mapping[str, Sequence[Any]]) -> tuple[Combination, ...]:
    """Every combination of the values, the last key varying fastest."""
    keys = list(params)
    product = itertools.product(*(params[key] for key in keys))
    return tuple(Combination(i, tuple(zip(keys, values, strict=True))) for i, values in
                 enumerate(product, start=1))


def value_text(value: Any) -> str:
    """A value as YAML text that reads back as the same value and type (no spaces)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    if isinstance(value, (int, float)):
        return repr(value)
    return yaml12.scalar(str(value))


def matrix(combinations: Sequence[Combination]) -> dict[str, Any]:
    """The GitHub Actions matrix (`strategy.matrix`): one `include` entry per combination."""
    return {"include": [{"id": c.id, "overrides": c.label, "params": c.as_dict()}
                        for c in combinations]}


def stage_uses(stage_params: Mapping[str, Collection[str]],
               keys: Collection[str]) -> dict[str, frozenset[str]]:
    """For each stage, the swept `keys` it reads, itself or upstream.

    `stage_params` gives each stage's params as `FILE:KEY` prefixes (`FILE:` for a whole
    file), its upstream stages' included.
    """
    return {stage: frozenset(key for key in keys if any(_covers(entry, key) for entry in used))
            for stage, used in stage_params.items()}


def _covers(entry: str, key: str) -> bool:
    """Does the params entry `FILE:PREFIX` include the swept `[FILE:]KEY`?"""
    file, _, prefix = entry.rpartition(":")
    key_file, colon, dotted = key.rpartition(":")
    if (key_file if colon else DEFAULT_PARAMS) != file:
        return False
    return not prefix or dotted == prefix or dotted.startswith(prefix + ".")


def clashes(a: Combination, b: Combination, uses: Mapping[str, frozenset[str]],
            base: Mapping[str, Any]) -> bool:
    """True when some stage gets new inputs (not `base`'s values) that are the same in `a`
    and `b`: running both at once would run that stage twice instead of restoring it once."""
    mine, theirs = a.as_dict(), b.as_dict()
    return any(used and all(_same(mine[k], theirs[k]) for k in used)
               and not all(k in base and _same(mine[k], base[k]) for k in used)
               for used in uses.values())


def _same(a: Any, b: Any) -> bool:
    """Equal values of one kind: True is not 1, 1 is 1.0 (as params.yaml reads them)."""
    return _kind(a) == _kind(b) and a == b


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "str" if isinstance(value, str) else type(value).__name__


def next_ready(pending: Sequence[Combination], running: Collection[Combination],
               uses: Mapping[str, frozenset[str]],
               base: Mapping[str, Any]) -> Combination | None:
    """The first pending combination that clashes with none running (None: wait for one)."""
    for candidate in pending:
        if not any(clashes(candidate, other, uses, base) for other in running):
            return candidate
    return None
