"""`mlci.yaml`: loaded and validated in one place. Every key is optional."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from mlci.errors import ConfigError
from mlci.files import line_of, load_yaml

CONFIG_FILE = "mlci.yaml"
Direction = Literal["higher", "lower"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class MetricPolicy(_Strict):
    """How one metric is judged: which way is better, absolute bounds, allowed regression."""

    direction: Direction | None = None
    min: float | None = None
    max: float | None = None
    max_drop: float | None = None
    max_rise: float | None = None


class PublishConfig(_Strict):
    branches: tuple[str, ...] = ("main",)
    compare_to: str | None = "prod"
    stages: tuple[str, ...] = ()


class CiConfig(_Strict):
    python: str = "3.11"
    runs_on: tuple[str, ...] = ("ubuntu-latest",)
    dvc_remote_secrets: tuple[str, ...] = ()

    @field_validator("runs_on", mode="before")
    @classmethod
    def _one_label(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value


class Config(_Strict):
    """The whole of `mlci.yaml`."""

    default_branch: str = "main"
    metrics: dict[str, MetricPolicy] = {}
    publish: PublishConfig = PublishConfig()
    ci: CiConfig = CiConfig()


def load(root: Path) -> Config:
    """Load `mlci.yaml` from the project root; defaults when the file does not exist."""
    path = root / CONFIG_FILE
    if not path.exists():
        return Config()
    return parse(load_yaml(path, CONFIG_FILE))


def parse(data: Any) -> Config:
    """Validate parsed YAML; errors name the key path and, where known, the line."""
    if data is None:
        return Config()
    try:
        return Config.model_validate(_plain(data))
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ConfigError(_describe(data, error), hint=_hint(error)) from None


def _plain(node: Any) -> Any:
    """ruamel's round-trip types as plain Python (lists as tuples) for strict validation."""
    if isinstance(node, dict):
        return {_plain(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return tuple(_plain(v) for v in node)
    if isinstance(node, bool) or node is None:
        return node
    for kind in (int, float, str):
        if isinstance(node, kind):
            return kind(node)
    return node


def _describe(data: Any, error: Any) -> str:
    loc = tuple(error["loc"])
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    line = _line(data, loc)
    where = f"{CONFIG_FILE}:{line}" if line else CONFIG_FILE
    return f"{where}: {path}: {_problem(error)}"


def _problem(error: Any) -> str:
    kind, value = error["type"], _as_written(error.get("input"))
    if kind == "extra_forbidden":
        return "unknown key"
    if kind in ("float_type", "float_parsing", "int_type"):
        return f"expected a number, got {value!r}"
    if kind == "string_type":
        return f"expected a string, got {value!r}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {value!r}"
    if kind in ("dict_type", "model_type", "dataclass_type"):
        return f"expected a mapping, got {value!r}"
    if kind == "literal_error":
        return f"expected {error['ctx']['expected']}, got {value!r}"
    return f"{error['msg']}, got {value!r}"


def _as_written(value: Any) -> Any:
    """Values as the YAML wrote them (validation sees lists as tuples)."""
    if isinstance(value, tuple):
        return [_as_written(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_written(v) for k, v in value.items()}
    return value


def _hint(error: Any) -> str | None:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        known = {
            (): Config.model_fields,
            ("publish",): PublishConfig.model_fields,
            ("ci",): CiConfig.model_fields,
        }
        parent = loc[:-1]
        if parent in known:
            return "known keys: " + ", ".join(known[parent])
        if len(loc) == 3 and loc[0] == "metrics":
            return "known keys: " + ", ".join(MetricPolicy.model_fields)
    if loc == ("ci", "python") and error["type"] == "string_type":
        return 'quote the version, e.g. python: "3.10" (unquoted, 3.10 reads as the number 3.1)'
    return None


def _line(data: Any, loc: tuple[Any, ...]) -> int | None:
    node, line = data, None
    for part in loc:
        if isinstance(node, dict) and part in node:
            line = line_of(node, part) or line
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
    return line
