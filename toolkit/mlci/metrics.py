"""Metrics and params values: parse files, flatten keys and diff them exactly as DVC does.

Pure: no git, no DVC. `diff` reproduces `dvc metrics diff --json` / `dvc params diff --json`
(dvc/utils/diff.py), so the numbers mlci shows are the numbers DVC shows.
"""

from __future__ import annotations

import json
import math
from typing import Any

from mlci.errors import ConfigError

Changes = dict[str, dict[str, dict[str, Any]]]  # {file: {key: {"old", "new", "diff"?}}}
UNPARSABLE = "unable to parse"  # DVC's value for every key of a file that is not a mapping


def parse(text: str, name: str) -> Any:
    """Parse a metrics or params file by its extension as DVC does; errors name the file."""
    suffix = name.rsplit(".", 1)[-1].lower()
    try:
        if suffix == "json":
            return json.loads(text) or {}
        if suffix == "toml":
            return _toml(text)
        return _yaml(text)
    except ValueError as exc:  # JSONDecodeError, TOMLDecodeError
        raise ConfigError(f"{name}: not valid {suffix.upper()}: {_first_line(exc)}") from None
    except Exception as exc:  # yaml.YAMLError: its module is imported lazily
        if type(exc).__module__.startswith("yaml"):
            raise ConfigError(f"{name}: not valid YAML: {_first_line(exc)}") from None
        raise


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


def _toml(text: str) -> Any:
    try:
        import tomllib
    except ImportError:  # Python 3.10: DVC's own TOML parser
        import tomlkit

        return tomlkit.loads(text).unwrap()
    return tomllib.loads(text)


def _yaml(text: str) -> Any:
    from mlci import yaml12  # YAML 1.2 as DVC reads it: `yes` is text, 1e-3 a number

    return yaml12.load(text) or {}


def extract(data: Any) -> Any:
    """What DVC counts as metrics: numbers and strings in nested mappings (no lists, nulls)."""
    if isinstance(data, (int, float, str)):
        return data
    if not isinstance(data, dict):
        return None
    kept = {key: extract(value) for key, value in data.items()}
    return {key: value for key, value in kept.items() if value not in (None, {})}


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level with dotted keys; empty mappings vanish, as in DVC."""
    if not isinstance(data, dict):
        return {prefix: data} if prefix else {}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten(value, name))
        else:
            flat[name] = value
    return flat


def is_number(value: Any) -> bool:
    """A real, finite-or-infinite number (booleans and NaN are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


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
                  "removed": "➖ removed", "unchanged": "unchanged"}


def percent(old: Any, new: Any) -> float | None:
    """The relative change in percent, or None when it is undefined (non-numeric, base 0)."""
    if not (is_number(old) and is_number(new)) or old == 0 or math.isinf(old):
        return None
    return float((new - old) / abs(old) * 100)


def lookup(files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Flat values by the names mlci.yaml uses: `key` (first file wins) and `file:key`."""
    names: dict[str, Any] = {}
    for path, values in files.items():
        for key, value in values.items():
            names.setdefault(key, value)
            names[f"{path}:{key}"] = value
    return names


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
