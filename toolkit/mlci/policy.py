"""mlci.yaml's metric policy, read fast for `mlci diff` / `gate` / `report`.

Validating with pydantic (mlci.config) costs ~70 ms of imports, more than the rest of
`mlci diff`. This reads the two keys these commands need with libyaml and accepts only a
shape that is certainly valid; anything else goes to `config.load`, whose error names the
file, key and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlci import yaml12

CONFIG_FILE = "mlci.yaml"
BOUNDS = ("min", "max", "max_drop", "max_rise")


@dataclass(frozen=True)
class MetricRule:
    """One metric's policy; the same fields as config.MetricPolicy."""

    direction: str | None = None
    min: float | None = None
    max: float | None = None
    max_drop: float | None = None
    max_rise: float | None = None


@dataclass(frozen=True)
class Policy:
    default_branch: str = "main"
    metrics: Mapping[str, Any] = field(default_factory=dict)  # name -> MetricRule/MetricPolicy


def load(root: Path) -> Policy:
    """The default branch and metric policy of mlci.yaml (defaults without the file)."""
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Policy()
    except (OSError, UnicodeDecodeError):
        return _validated(root)
    try:
        data = yaml12.load(text)
    except Exception:  # yaml.YAMLError, imported lazily: let config.load name the line
        return _validated(root)
    fast = parse(data)
    return fast if fast is not None else _validated(root)


def parse(data: Any) -> Policy | None:
    """A Policy from parsed mlci.yaml, or None when anything needs full validation."""
    if data is None:
        return Policy()
    if not isinstance(data, dict):
        return None
    branch = data.get("default_branch", "main")
    metrics = data.get("metrics") or {}
    if not isinstance(branch, str) or not isinstance(metrics, dict):
        return None
    rules = {name: _rule(value) for name, value in metrics.items()}
    if not all(isinstance(name, str) for name in rules) or None in rules.values():
        return None
    return Policy(branch, rules)


def _rule(value: Any) -> MetricRule | None:
    if value is None:
        return MetricRule()
    if not isinstance(value, dict) or not set(value) <= {"direction", *BOUNDS}:
        return None
    if value.get("direction") not in (None, "higher", "lower"):
        return None
    bounds = {key: value.get(key) for key in BOUNDS}
    if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
               for v in bounds.values()):
        return None
    return MetricRule(value.get("direction"),
                      **{k: None if v is None else float(v) for k, v in bounds.items()})


def _validated(root: Path) -> Policy:
    from mlci import config

    settings = config.load(root)
    return Policy(settings.default_branch, dict(settings.metrics))
