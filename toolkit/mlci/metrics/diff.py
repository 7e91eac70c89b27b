"""Two revisions' values compared exactly as DVC compares them, and judged by direction. Pure.

`diff` reproduces `dvc metrics diff --json` / `dvc params diff --json` (dvc/utils/diff.py),
so the numbers mlci shows are the numbers DVC shows.
"""

from __future__ import annotations

import json
import math
from typing import Any

from mlci.project.values import flatten, is_number

Changes = dict[str, dict[str, dict[str, Any]]]  # {file: {key: {"old", "new", "diff"?}}}
UNPARSABLE = "unable to parse"  # DVC's value for every key of a file that is not a mapping


def diff(old: dict[str, Any], new: dict[str, Any], with_unchanged: bool = False) -> Changes:
    """`{file: data}` at two revisions as `{file: {key: {old, new, diff}}}`, like DVC's --json."""
    changes: Changes = {}
    for path in sorted(set(old) | set(new)):
        found = _diff_file(_reparse(_listless(old.get(path, {}))),
                           _reparse(_listless(new.get(path, {}))), with_unchanged)
        if found:
            changes[path] = found
    return changes


def _listless(data: Any) -> Any:
    """DVC compares lists by their Python text (`format_dict`)."""
    if isinstance(data, dict):
        return {key: _listless(value) for key, value in data.items()}
    return str(data) if isinstance(data, list) else data


def _reparse(data: Any) -> Any:
    """DVC reads a file whose whole content is text as JSON when it can."""
    if not isinstance(data, str):
        return data
    try:
        return json.loads(data)
    except ValueError:
        return data


def _diff_file(old: Any, new: Any, with_unchanged: bool) -> dict[str, dict[str, Any]]:
    if isinstance(old, dict) or isinstance(new, dict):
        old_flat, new_flat = _flat_or_unparsable(old), _flat_or_unparsable(new)
        found = {}
        for key in sorted(set(old_flat.keys) | set(new_flat.keys)):
            change = _diff_value(old_flat.get(key), new_flat.get(key), with_unchanged)
            if change:
                found[key] = change
        return found
    change = _diff_value(old, new, with_unchanged)
    return {"": change} if change else {}


class _Flat:
    """A flattened file; every missing key reads as `default` (None, or DVC's "unable to parse")."""

    def __init__(self, values: dict[str, Any], default: Any) -> None:
        self.keys, self._values, self._default = tuple(values), values, default

    def get(self, key: str) -> Any:
        return self._values.get(key, self._default)


def _flat_or_unparsable(data: Any) -> _Flat:
    if not data:
        return _Flat({}, None)
    if isinstance(data, dict):
        return _Flat(flatten(data), None)
    return _Flat({}, UNPARSABLE)


def _diff_value(old: Any, new: Any, with_unchanged: bool) -> dict[str, Any]:
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new) == 1:
        return _diff_value(old[0], new[0], with_unchanged)
    if not with_unchanged and old == new:
        return {}
    change = {"old": old, "new": new}
    if isinstance(new, (int, float)) and isinstance(old, (int, float)):
        change["diff"] = new - old
    return change


def verdict(direction: str | None, old: Any, new: Any) -> str | None:
    """improved / regressed / unchanged / added / removed; None when it cannot be judged."""
    if old is None and new is not None:
        return "added"
    if new is None and old is not None:
        return "removed"
    if old == new:
        return "unchanged"
    if direction not in ("higher", "lower") or not (is_number(old) and is_number(new)):
        return None
    better = new > old if direction == "higher" else new < old
    return "improved" if better else "regressed"


# How reports and tables show each verdict of `verdict`.
VERDICT_LABELS = {"improved": "🟢 improved", "regressed": "🔴 regressed", "added": "🆕 added",
                  "removed": "➖ removed", "unchanged": "unchanged",
                  "unavailable": "⚠️ unavailable"}


def percent(old: Any, new: Any) -> float | None:
    """The relative change in percent, or None when it is undefined (non-numeric, base 0)."""
    if not (is_number(old) and is_number(new)) or old == 0 or math.isinf(old):
        return None
    return float((new - old) / abs(old) * 100)


def fmt(value: Any) -> str:
    """A number as people write it (0.9312, 12, 1.5e-05); None as a dash; anything else as text."""
    if value is None:
        return "—"
    if is_number(value):
        return f"{value:.6g}" if isinstance(value, float) else str(value)
    return str(value)


def signed(value: float) -> str:
    """A change as people write it, with its sign: +0.05, -0.1, 0."""
    return fmt(value) if value <= 0 or math.isnan(value) else f"+{fmt(value)}"
