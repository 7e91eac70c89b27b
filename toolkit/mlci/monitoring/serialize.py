"""Profiles as JSON (pure): the file `mlci publish` stores in the DVC remote, read back exactly.

Floats are written with Python's shortest round-trip repr, so a profile read back gives the
same statistics as the one written. `FORMAT` changes when the layout does; an older file is
rebuilt, never misread.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from mlci.errors import MlciError
from mlci.monitoring.distribution import Categorical, Distribution, Grid, Numeric
from mlci.monitoring.profile import QUANTILES, ColumnProfile, Profile

FORMAT = "mlci-profile/1"


def dumps(profile: Profile) -> str:
    """The profile as compact JSON text (keys sorted: the same profile, the same bytes)."""
    data = {
        "format": FORMAT, "rows": profile.rows, "source": profile.source,
        "columns": [_column(c) for c in profile.columns.values()],
        "prediction": _column(profile.prediction) if profile.prediction else None,
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"


def _column(column: ColumnProfile) -> dict[str, Any]:
    return {"name": column.name, "kind": column.kind, "dtype": column.dtype, "rows": column.rows,
            "missing": column.missing, "hashed": column.hashed,
            "distribution": _distribution(column.dist)}


def _distribution(dist: Distribution | None) -> dict[str, Any] | None:
    if dist is None:
        return None
    if isinstance(dist, Categorical):
        return {"count": dist.count, "categories": dist.categories, "other": dist.other}
    out: dict[str, Any] = {
        "count": dist.count, "min": dist.minimum, "max": dist.maximum, "mean": dist.mean,
        "std": dist.std, "integer": dist.integer,
        "quantiles": dict(zip(map(str, QUANTILES),
                              dist.quantiles(np.array(QUANTILES)).tolist(), strict=True)),
    }
    if dist.values is not None and dist.counts is not None:
        out.update(values=dist.values.tolist(), counts=dist.counts.tolist())
    elif dist.grid is not None:
        out["grid"] = {"exponent": dist.grid.exponent, "start": dist.grid.start,
                       "counts": dist.grid.counts.tolist()}
    return out


def loads(text: str, where: str) -> Profile:
    """A profile from `dumps` text; `where` names the file in errors."""
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise MlciError(f"{where}: not an {FORMAT} profile (format "
                            f"{data.get('format')!r})", hint="rebuild it with `mlci monitor`")
        columns = [_read_column(c) for c in data["columns"]]
        prediction = _read_column(data["prediction"]) if data.get("prediction") else None
        return Profile(int(data["rows"]), {c.name: c for c in columns},
                       dict(data.get("source") or {}), prediction)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MlciError(f"{where}: not a readable profile ({type(exc).__name__}: {exc})",
                        hint="delete it; `mlci monitor` rebuilds it") from None


def _read_column(data: dict[str, Any]) -> ColumnProfile:
    return ColumnProfile(str(data["name"]), data["kind"], str(data["dtype"]), int(data["rows"]),
                         int(data["missing"]), _read_distribution(data["distribution"]),
                         bool(data.get("hashed")))


def _read_distribution(data: dict[str, Any] | None) -> Distribution | None:
    if data is None:
        return None
    if "categories" in data:
        return Categorical(int(data["count"]), {str(k): int(v) for k, v in
                                                data["categories"].items()}, int(data["other"]))
    common = (int(data["count"]), float(data["min"]), float(data["max"]), float(data["mean"]),
              float(data["std"]), bool(data["integer"]))
    if "grid" in data:
        grid = data["grid"]
        return Numeric(*common, grid=Grid(int(grid["exponent"]), int(grid["start"]),
                                          np.array(grid["counts"], dtype=np.int64)))
    return Numeric(*common, values=np.array(data["values"], dtype=np.float64),
                   counts=np.array(data["counts"], dtype=np.int64))
