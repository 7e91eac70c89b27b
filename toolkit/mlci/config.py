"""`mlci.yaml`: loaded and validated in one place. Every key is optional.

The schema is the frozen dataclasses below; `_convert` checks a parsed document against
their type hints. (pydantic did this too, at ~70 ms of imports on every command that
reads the file; the schema is small enough for the 50 lines here.)
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mlci.errors import ConfigError

CONFIG_FILE = "mlci.yaml"
Direction = Literal["higher", "lower"]


def _rule(pattern: str, hint: str, one_or_many: bool = False, nonempty: bool = False) -> Any:
    """Field metadata: each string must match `pattern` (they go into generated workflows)."""
    return {"pattern": re.compile(pattern), "hint": hint, "one_or_many": one_or_many,
            "nonempty": nonempty}


BRANCH = _rule(r"(?!-)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]+(?<![./])",
               "a git branch name: letters, digits, '.', '_', '-' and '/'")
BRANCH_PATTERNS = _rule(r"(?!-)(?!.*\.\.)[A-Za-z0-9._/*?\[\]-]+",
                        "branch names or glob patterns, e.g. [main, 'release/*']")
PYTHON = _rule(r"[A-Za-z0-9][A-Za-z0-9.+_-]*", 'a Python version for actions/setup-python, '
               'e.g. "3.11" (quoted)')
LABELS = _rule(r"[A-Za-z0-9][A-Za-z0-9._-]*", "runner labels are letters, digits, '.', '_' and "
               "'-', e.g. runs_on: [self-hosted, gpu]", one_or_many=True, nonempty=True)
SECRETS = _rule(r"(?!GITHUB_)[A-Za-z_][A-Za-z0-9_]*",
                "secret names are letters, digits and '_', not starting with GITHUB_")
# GTO's stage grammar (registry/modeltags.NAME_RE): stage names reach generated workflows
STAGES = _rule(r"[a-zA-Z0-9](?:[a-zA-Z0-9/_-]*[a-zA-Z0-9])?",
               "stage names are letters, digits, '-', '_' and '/', starting and ending with a "
               "letter or digit")
# an OCI reference pinned by digest: the deploy image must not move under a rebuild
IMAGE = _rule(r"[a-z0-9][a-z0-9._/:-]*(?::[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}",
              "a base image pinned by digest, e.g. python:3.11-slim-bookworm@sha256:<64 hex>")
# one shell command line: no line break (a new step) and no ${{ }} (a GitHub expression)
COMMAND = _rule(r"(?!.*(?:\$\{\{|\{\{|\}\}))[^\x00-\x1f\x7f]+",
                "one command line without line breaks or ${{ }} expressions; use $MLCI_IMAGE "
                "for the pushed image")
# column names of served and logged tables (no control characters)
COLUMNS = _rule(r"[^\x00-\x1f\x7f]+", "column names, e.g. [email, phone]")


@dataclass(frozen=True)
class MetricPolicy:
    """How one metric is judged: which way is better, absolute bounds, allowed regression."""

    direction: Direction | None = None
    min: float | None = None
    max: float | None = None
    max_drop: float | None = None
    max_rise: float | None = None


@dataclass(frozen=True)
class PublishConfig:
    branches: tuple[str, ...] = field(default=("main",), metadata=BRANCH_PATTERNS)
    compare_to: str | None = "prod"
    stages: tuple[str, ...] = ()


@dataclass(frozen=True)
class CiConfig:
    python: str = field(default="3.11", metadata=PYTHON)
    runs_on: tuple[str, ...] = field(default=("ubuntu-latest",), metadata=LABELS)
    dvc_remote_secrets: tuple[str, ...] = field(default=(), metadata=SECRETS)


DEFAULT_BASE_IMAGE = ("python:3.11-slim-bookworm@sha256:"
                      "2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91")


@dataclass(frozen=True)
class DeployConfig:
    """`mlci-deploy.yml`: which stage moves ship an image, and what runs after the push.

    `stages` empty means the last of `publish.stages` (see `deploy_stages`); `command` runs in
    the environment `production` with the pushed image (by digest) in `$MLCI_IMAGE` and the
    `secrets` named here in its environment.
    """

    stages: tuple[str, ...] = field(default=(), metadata=STAGES)
    command: str | None = field(default=None, metadata=COMMAND)
    secrets: tuple[str, ...] = field(default=(), metadata=SECRETS)
    base_image: str = field(default=DEFAULT_BASE_IMAGE, metadata=IMAGE)


@dataclass(frozen=True)
class PrivacyConfig:
    """Columns with personal data: `exclude` is dropped and `hash` hashed wherever mlci
    writes or shows rows (prediction logs, monitoring); `allow` lists reviewed
    `path:column` findings of `mlci data scan`."""

    allow: tuple[str, ...] = field(default=(), metadata=COLUMNS)
    exclude: tuple[str, ...] = field(default=(), metadata=COLUMNS)
    hash: tuple[str, ...] = field(default=(), metadata=COLUMNS)


@dataclass(frozen=True)
class Config:
    """The whole of `mlci.yaml`."""

    default_branch: str = field(default="main", metadata=BRANCH)
    metrics: dict[str, MetricPolicy] = field(default_factory=dict)
    publish: PublishConfig = PublishConfig()
    ci: CiConfig = CiConfig()
    deploy: DeployConfig = DeployConfig()
    privacy: PrivacyConfig = PrivacyConfig()


def deploy_stages(cfg: Config) -> tuple[str, ...]:
    """The stages whose moves deploy: `deploy.stages`, else the last of `publish.stages`,
    else `publish.compare_to` (pure)."""
    if cfg.deploy.stages:
        return cfg.deploy.stages
    if cfg.publish.stages:
        return cfg.publish.stages[-1:]
    return (cfg.publish.compare_to,) if cfg.publish.compare_to else ()


class _Invalid(Exception):
    def __init__(self, path: tuple[Any, ...], problem: str, hint: str | None = None) -> None:
        super().__init__(problem)
        self.path, self.problem, self.hint = path, problem, hint


def load(root: Path) -> Config:
    """Load `mlci.yaml` from the project root; defaults when the file does not exist."""
    from mlci.shared import yaml12

    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except UnicodeDecodeError:
        raise ConfigError(f"{CONFIG_FILE}: not UTF-8 text") from None
    import yaml

    try:
        data = yaml12.load(text)
    except yaml.YAMLError:  # the round-trip parser names the line
        data = _round_trip(text)
    try:
        return _convert(data, Config, ())  # type: ignore[no-any-return]
    except _Invalid as exc:
        raise _error(exc, _round_trip(text)) from None


def parse(data: Any) -> Config:
    """Validate an already parsed document (round-trip YAML gives errors with lines)."""
    try:
        return _convert(data, Config, ())  # type: ignore[no-any-return]
    except _Invalid as exc:
        raise _error(exc, data) from None


def _round_trip(text: str) -> Any:
    from mlci.shared.files import parse_yaml

    return parse_yaml(text, CONFIG_FILE)


def _convert(value: Any, hint: Any, path: tuple[Any, ...], rule: Any = None) -> Any:
    """`value` checked against the type `hint` (and a field's `rule`), lists made tuples."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _convert(value, inner, path, rule)
    if origin is Literal:
        if value in args:
            return value
        raise _Invalid(path, f"expected {' or '.join(map(repr, args))}, got {value!r}")
    if dataclasses.is_dataclass(hint):
        return _convert_dataclass(value, hint, path)
    if origin is dict:
        if not isinstance(value, dict):
            raise _Invalid(path, f"expected a mapping, got {_shown(value)}")
        return {str(k): _convert(v, args[1], (*path, str(k))) for k, v in value.items()}
    if origin is tuple:
        return _convert_list(value, args[0], path, rule)
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if hint is str and isinstance(value, str):
        if rule and not rule["pattern"].fullmatch(value):
            raise _Invalid(path, f"not valid here: {_shown(value)}", rule["hint"])
        return str(value)
    expected = {float: "a number", str: "a string"}[hint]
    raise _Invalid(path, f"expected {expected}, got {_shown(value)}", _type_hint(path, value))


def _convert_list(value: Any, item: Any, path: tuple[Any, ...], rule: Any) -> tuple[Any, ...]:
    if rule and rule["one_or_many"] and isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise _Invalid(path, f"expected a list, got {_shown(value)}")
    if rule and rule["nonempty"] and not value:
        raise _Invalid(path, "expected at least one entry", rule["hint"])
    return tuple(_convert(v, item, (*path, i), rule) for i, v in enumerate(value))


def _convert_dataclass(value: Any, hint: Any, path: tuple[Any, ...]) -> Any:
    if value is None:
        return hint()
    if not isinstance(value, dict):
        raise _Invalid(path, f"expected a mapping, got {_shown(value)}")
    fields = {f.name: f for f in dataclasses.fields(hint)}
    for key in value:
        if key not in fields:
            raise _Invalid((*path, key), "unknown key", "known keys: " + ", ".join(fields))
    hints = typing.get_type_hints(hint)
    return hint(**{
        name: _convert(value[name], hints[name], (*path, name), fields[name].metadata or None)
        for name in value
    })


def _shown(value: Any) -> str:
    """A value as the YAML wrote it (round-trip types shown as plain ones)."""
    if isinstance(value, (list, tuple)):
        return repr([_plain(v) for v in value])
    return repr(_plain(value))


def _plain(value: Any) -> Any:
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def _type_hint(path: tuple[Any, ...], value: Any) -> str | None:
    if path == ("ci", "python") and isinstance(value, float):
        return 'quote the version, e.g. python: "3.10" (unquoted, 3.10 reads as the number 3.1)'
    return None


def _error(exc: _Invalid, document: Any) -> ConfigError:
    dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in exc.path).lstrip(".")
    line = _line(document, exc.path)
    where = f"{CONFIG_FILE}:{line}" if line else CONFIG_FILE
    return ConfigError(f"{where}: {dotted}: {exc.problem}", hint=exc.hint)


def _line(document: Any, path: tuple[Any, ...]) -> int | None:
    from mlci.shared.files import line_of

    node, line = document, None
    for part in path:
        if isinstance(node, dict) and part in node:
            line = line_of(node, part) or line
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
    return line
