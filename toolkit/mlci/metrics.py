"""Metrics files: parse JSON / YAML / TOML and flatten nested keys the way DVC does (`test.f1`)."""

from __future__ import annotations

import json
from typing import Any

from mlci.errors import ConfigError


def parse(text: str, name: str) -> Any:
    """Parse a metrics or params file by its extension; errors name the file."""
    suffix = name.rsplit(".", 1)[-1].lower()
    try:
        if suffix == "json":
            return json.loads(text)
        if suffix == "toml":
            import tomllib

            return tomllib.loads(text)
        import yaml

        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (ValueError, ImportError) as exc:
        raise ConfigError(f"{name}: not valid {suffix.upper()}: {exc}") from None
    except Exception as exc:  # yaml.YAMLError, whose module is imported lazily above
        if type(exc).__module__.startswith("yaml"):
            raise ConfigError(f"{name}: not valid YAML: {exc}") from None
        raise


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level with dotted keys, as `dvc metrics show` prints them."""
    if not isinstance(data, dict):
        return {prefix: data} if prefix else {}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            flat.update(flatten(value, name))
        else:
            flat[name] = value
    return flat
