"""Metrics, params and plot files as values: parsed and flattened exactly as DVC reads them.

Pure: no git, no DVC. `metrics.diff` compares what this module reads.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from mlci.errors import ConfigError
from mlci.shared import yaml12  # YAML 1.2 as DVC reads it: `yes` is text, 1e-3 a number


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


def lookup(files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Flat values by the names mlci.yaml uses: `file:key`, and `key` alone when only one
    file has it (a key in several files must be named with its file)."""
    names: dict[str, Any] = {}
    count: dict[str, int] = {}
    for path, values in files.items():
        for key, value in values.items():
            names[f"{path}:{key}"] = value
            count[key] = count.get(key, 0) + 1
            names.setdefault(key, value)
    for key, seen in count.items():
        if seen > 1:
            del names[key]
    return names


def short_names(named: dict[str, Any]) -> dict[str, Any]:
    """`lookup`'s values under one name each: `key`, or `file:key` where it is ambiguous."""
    return {name: value for name, value in named.items()
            if ":" not in name or name.rpartition(":")[2] not in named}


def rows(data: Any) -> list[dict[str, Any]]:
    """The records of a plot file as DVC reads them (`get_datapoints`): every list of
    mappings with the same keys, merged record by record."""
    merged: list[dict[str, Any]] = []
    for found in _lists(data):
        if found and all(isinstance(row, dict) for row in found) \
                and set(found[0]) == {key for row in found for key in row}:
            for index, row in enumerate(found):
                if len(merged) <= index:
                    merged.append({})
                merged[index].update(row)
    return merged


def last_field(data: Any) -> str | None:
    """The field DVC draws when a plot names no `y`: the last key of the first record."""
    for found in _lists(data):
        if found and all(isinstance(row, dict) for row in found):
            return str(list(found[0])[-1]) if found[0] else None
    return None


def _lists(data: Any) -> list[list[Any]]:
    """Lists in a plot file, as DVC finds them: the file itself, else nested in mappings."""
    if isinstance(data, list):
        return [data]
    found: list[list[Any]] = []
    for value in data.values() if isinstance(data, dict) else ():
        if isinstance(value, dict):
            found += _lists(value)
        elif isinstance(value, list):
            found.append(value)
    return found


def parse_csv(text: str, tab: bool = False) -> list[dict[str, Any]]:
    """CSV/TSV plot data as records, numbers as floats."""
    reader = csv.DictReader(io.StringIO(text), delimiter="\t" if tab else ",")
    return [{key: _number(value) for key, value in row.items()} for row in reader]


def _number(text: str | None) -> Any:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return text
