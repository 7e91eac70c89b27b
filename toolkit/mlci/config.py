"""`mlci.yaml`: loaded and validated in one place. Every key is optional.

The schema is the frozen dataclasses below; `_convert` checks a parsed document against
their type hints. (pydantic did this too, at ~70 ms of imports on every command that
reads the file; the schema is small enough for the 50 lines here.)
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from mlci.errors import ConfigError
from mlci.shared import gitrepo, names, yaml12
from mlci.shared.files import line_of, parse_yaml
from mlci.shared.forges import FORGE_NAMES, ForgeName

CONFIG_FILE = "mlci.yaml"
Direction = Literal["higher", "lower"]


def _rule(pattern: str, hint: str, one_or_many: bool = False, nonempty: bool = False) -> Any:
    """Field metadata: each string must match `pattern` whole (they go into generated CI
    files: a newline or `${{` there would be a new step or an expression)."""
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
FORGES_RULE = _rule(r".*", "which CI files to generate: [github], [gitlab] or [github, gitlab]",
               one_or_many=True, nonempty=True)
# GitHub refuses secret names starting with GITHUB_ in any case (github_token too)
SECRETS = _rule(r"(?![Gg][Ii][Tt][Hh][Uu][Bb]_)[A-Za-z_][A-Za-z0-9_]*",
                "secret names are letters, digits and '_', not starting with GITHUB_ (any case)")
STAGE = _rule(names.NAME, f"a stage name: {names.NAME_HINT}")
# `[FILE:]KEY` as `mlci repro -S` takes it; it reaches CI job names and matrix values
PARAM_KEY = _rule(r"(?:[A-Za-z0-9_][A-Za-z0-9_./-]*:)?[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*",
                  "a params.yaml key as `mlci repro -S` takes it, e.g. train.C or "
                  "params.yaml:train.C")
# one `-S KEY=VALUE` per value, joined by spaces in the CI matrix (a GitLab matrix variable):
# no space, quote, `$`, brace or backslash inside
PARAM_VALUE = _rule(r"[A-Za-z0-9_.+/-]+", "sweep values are numbers, booleans or strings of "
                    "letters, digits, '.', '_', '+', '/' and '-'")
POSITIVE = {"minimum": 1, "hint": "a whole number of jobs, at least 1"}
NAME = _rule(r"(?s).*\S.*", "a non-empty name")
AT_LEAST_ONE = {"minimum": 1, "hint": "a whole number, at least 1"}
SHARE = {"minimum": 0.0, "maximum": 1.0, "hint": "a share between 0 and 1, e.g. 0.1 for 10%"}
MAX_COMBINATIONS = 256  # GitHub's limit of jobs per matrix
# five cron fields (minute hour day month weekday): they go into the generated monitor workflow
CRON = _rule(r"[0-9A-Za-z*/,-]+( [0-9A-Za-z*/,-]+){4}",
             "five cron fields, minute hour day month weekday (UTC), e.g. \"17 3 * * *\"")
Stattest = Literal["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi"]
# an OCI reference pinned by digest: the deploy image must not move under a rebuild
IMAGE = _rule(r"[a-z0-9][a-z0-9._/:-]*(?::[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}",
              "a base image pinned by digest, e.g. python:3.11-slim-bookworm@sha256:<64 hex>")
# one shell command line: no line break (a new step) and no ${{ }} (a GitHub expression)
COMMAND = _rule(r"(?!.*(?:\$\{\{|\{\{|\}\}))[^\x00-\x1f\x7f]+",
                "one command line without line breaks or ${{ }} expressions; use $MLCI_IMAGE "
                "for the pushed image")


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
    compare_to: str | None = field(default="prod", metadata=STAGE)
    stages: tuple[str, ...] = field(default=(), metadata=STAGE)


@dataclass(frozen=True)
class CiConfig:
    # the CI files `mlci ci generate` writes and `--check` checks
    forges: tuple[ForgeName, ...] = field(default=FORGE_NAMES, metadata=FORGES_RULE)
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

    stages: tuple[str, ...] = field(default=(), metadata=STAGE)
    command: str | None = field(default=None, metadata=COMMAND)
    secrets: tuple[str, ...] = field(default=(), metadata=SECRETS)
    base_image: str = field(default=DEFAULT_BASE_IMAGE, metadata=IMAGE)


SweepValue = typing.Union[bool, int, float, str]  # noqa: UP007 (a runtime type for _convert)


@dataclass(frozen=True)
class SweepConfig:
    """A parameter grid: every combination of `params` runs, ranked by metric `rank_by`."""

    params: dict[str, tuple[SweepValue, ...]] = field(metadata=PARAM_KEY)
    rank_by: str
    max_parallel: int = field(default=8, metadata=POSITIVE)


@dataclass(frozen=True)
class MonitorColumns:
    """Which reference columns monitoring skips, and which it treats as categorical."""

    exclude: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()


@dataclass(frozen=True)
class RetrainConfig:
    """How new data enters the pipeline before `mlci retrain` reproduces it (any command)."""

    run: str | None = None


@dataclass(frozen=True)
class MonitorConfig:
    """How one model of dvc.yaml is monitored (`mlci monitor`, the scheduled workflow)."""

    reference: str  # its training data at its commit (required)
    current: str | None = None  # fresh data: file, directory, DVC-tracked path or URL
    target: str | None = None
    schedule: str = field(default="17 3 * * *", metadata=CRON)
    drift_share: float = field(default=0.5, metadata=SHARE)
    columns: MonitorColumns = MonitorColumns()
    stattest: dict[str, Stattest] = field(default_factory=dict)
    performance: dict[str, MetricPolicy] = field(default_factory=dict)
    retrain: RetrainConfig = RetrainConfig()


def retrain_branch(name: str) -> str:
    """The stable branch `mlci retrain` uses for model `name` (`dir:name`: `dir/name`)."""
    return f"mlci/retrain/{name.replace(':', '/')}"


@dataclass(frozen=True)
class PrivacyAllow:
    """A finding of the privacy scan accepted after review: a data path (glob) and, for a
    table, one column (none: the whole file)."""

    path: str = field(metadata=NAME)
    column: str | None = field(default=None, metadata=NAME)


@dataclass(frozen=True)
class PrivacyConfig:
    """`privacy:`: what the scan accepts, and the columns prediction logs and monitoring must
    drop (`exclude`) or hash (`hash`); data-check examples of those columns are masked too."""

    allow: tuple[PrivacyAllow, ...] = ()
    exclude: tuple[str, ...] = field(default=(), metadata=NAME)
    hash: tuple[str, ...] = field(default=(), metadata=NAME)
    min_distinct_hits: int = field(default=5, metadata=AT_LEAST_ONE)  # a column is flagged
    min_share: float = field(default=0.1, metadata=SHARE)  # ... at this share of its values


@dataclass(frozen=True)
class Config:
    """The whole of `mlci.yaml`."""

    default_branch: str = field(default="main", metadata=BRANCH)
    metrics: dict[str, MetricPolicy] = field(default_factory=dict)
    publish: PublishConfig = PublishConfig()
    ci: CiConfig = CiConfig()
    sweep: SweepConfig | None = None
    monitor: dict[str, MonitorConfig] = field(default_factory=dict)
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


def exists(root: Path) -> bool:
    """True when the project has an `mlci.yaml` (without one, every default applies)."""
    return (root / CONFIG_FILE).is_file()


def load(root: Path) -> Config:
    """Load `mlci.yaml` from the project root; defaults when the file does not exist."""
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except UnicodeDecodeError:
        raise ConfigError(f"{CONFIG_FILE}: not UTF-8 text") from None
    return _from_text(text)


def load_at(root: Path, rev: str) -> Config:
    """`mlci.yaml` as committed at git revision `rev` (defaults when it has none there): the
    policy of a trusted branch, whatever the checkout holds."""
    blob = gitrepo.read_blobs(root, [f"{gitrepo.resolve(root, rev)}:{CONFIG_FILE}"])[0]
    if blob is None:
        return Config()
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{CONFIG_FILE} at {rev}: not UTF-8 text") from None
    try:
        return _from_text(text)
    except ConfigError as exc:
        raise ConfigError(f"{exc.message} (as committed at {rev})", hint=exc.hint) from None


def _from_text(text: str) -> Config:

    try:
        data = yaml12.load(text)
    except yaml.YAMLError:  # the round-trip parser names the line
        data = _round_trip(text)
    try:
        return _checked(_convert(data, Config, ()))
    except _Invalid as exc:
        raise _error(exc, _round_trip(text)) from None


def parse(data: Any) -> Config:
    """Validate an already parsed document (round-trip YAML gives errors with lines)."""
    try:
        return _checked(_convert(data, Config, ()))
    except _Invalid as exc:
        raise _error(exc, data) from None


def _checked(config: Config) -> Config:
    """What types alone cannot say: the sweep ranks by a metric `metrics:` gives a direction."""
    sweep = config.sweep
    if sweep is None:
        return config
    policy = config.metrics.get(sweep.rank_by)
    if policy is None:
        known = ", ".join(config.metrics) or "(none)"
        raise _Invalid(("sweep", "rank_by"), f"{sweep.rank_by!r} is not a metric of metrics:",
                       f"name one of: {known} (or add it to metrics: with a direction)")
    if policy.direction is None:
        raise _Invalid(("sweep", "rank_by"), f"metric {sweep.rank_by!r} has no direction",
                       f"set metrics.{sweep.rank_by}.direction to higher or lower")
    count = math.prod(len(values) for values in sweep.params.values())
    if count > MAX_COMBINATIONS:
        raise _Invalid(("sweep", "params"), f"{count} combinations, over the CI matrix limit "
                       f"of {MAX_COMBINATIONS}", "sweep fewer values, or split the grid")
    return config


def _round_trip(text: str) -> Any:
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
        return _convert_dict(value, args[1], path, rule)
    if origin is tuple:
        return _convert_list(value, args[0], path, rule)
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        if rule and not rule["minimum"] <= value <= rule["maximum"]:
            raise _Invalid(path, f"expected {rule['minimum']:g} to {rule['maximum']:g}, got "
                           f"{_shown(value)}", rule["hint"])
        return float(value)
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        if rule and value < rule["minimum"]:
            raise _Invalid(path, f"expected at least {rule['minimum']}, got {value}",
                           rule["hint"])
        return int(value)
    if hint is str and isinstance(value, str):
        if rule and "pattern" in rule and not rule["pattern"].fullmatch(value):
            raise _Invalid(path, f"not valid here: {_shown(value)}", rule["hint"])
        return str(value)
    expected = {float: "a number", str: "a string", int: "a whole number"}[hint]
    raise _Invalid(path, f"expected {expected}, got {_shown(value)}", _type_hint(path, value))


def _convert_dict(value: Any, item: Any, path: tuple[Any, ...], rule: Any) -> dict[str, Any]:
    """A mapping; with a `rule`, its keys must match it (a sweep's params) and it is nonempty."""
    if not isinstance(value, dict):
        raise _Invalid(path, f"expected a mapping, got {_shown(value)}")
    if rule and not value:
        raise _Invalid(path, "expected at least one entry", _MISSING_HINTS.get(path[-1]))
    for key in value if rule else ():
        if not isinstance(key, str) or not rule["pattern"].fullmatch(key):
            raise _Invalid((*path, str(key)), f"not valid here: {_shown(key)}", rule["hint"])
    return {str(k): _convert(v, item, (*path, str(k))) for k, v in value.items()}


def _convert_list(value: Any, item: Any, path: tuple[Any, ...], rule: Any) -> tuple[Any, ...]:
    if item == SweepValue:
        return _convert_values(value, path)
    if rule and rule.get("one_or_many") and isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise _Invalid(path, f"expected a list, got {_shown(value)}")
    if rule and rule.get("nonempty") and not value:
        raise _Invalid(path, "expected at least one entry", rule["hint"])
    return tuple(_convert(v, item, (*path, i), rule) for i, v in enumerate(value))


def _convert_values(value: Any, path: tuple[Any, ...]) -> tuple[Any, ...]:
    """A sweep's values for one parameter: a nonempty list of distinct scalars."""
    if not isinstance(value, (list, tuple)) or not value:
        raise _Invalid(path, f"expected a nonempty list of values, got {_shown(value)}",
                       "e.g. train.C: [0.1, 0.3, 1.0]")
    values = tuple(_convert_scalar(v, (*path, i), PARAM_VALUE) for i, v in enumerate(value))
    for i, item in enumerate(values):
        if any(type(item) is type(other) and item == other for other in values[:i]):
            raise _Invalid((*path, i), f"{item!r} is listed twice")
    return values


def _convert_scalar(value: Any, path: tuple[Any, ...], rule: Any) -> Any:
    """A number, boolean or string (a parameter value), as a plain Python value."""
    if not isinstance(value, (bool, int, float, str)):
        raise _Invalid(path, f"expected a number, boolean or string, got {_shown(value)}")
    plain = _plain(value)
    if isinstance(plain, str) and rule and not rule["pattern"].fullmatch(plain):
        raise _Invalid(path, f"not valid here: {_shown(plain)}", rule["hint"])
    return plain


def _convert_dataclass(value: Any, hint: Any, path: tuple[Any, ...]) -> Any:
    if value is None:
        return hint()
    if not isinstance(value, dict):
        raise _Invalid(path, f"expected a mapping, got {_shown(value)}")
    fields = {f.name: f for f in dataclasses.fields(hint)}
    for key in value:
        if key not in fields:
            raise _Invalid((*path, key), "unknown key", "known keys: " + ", ".join(fields))
    for name, spec in fields.items():
        if name not in value and spec.default is dataclasses.MISSING \
                and spec.default_factory is dataclasses.MISSING:
            raise _Invalid(path, f"missing key {name!r}", _MISSING_HINTS.get(name))
    hints = typing.get_type_hints(hint)
    return hint(**{
        name: _convert(value[name], hints[name], (*path, name), fields[name].metadata or None)
        for name in value
    })


_MISSING_HINTS = {
    "params": "e.g. params: {train.C: [0.1, 1.0]} (a list of values per params.yaml key)",
    "rank_by": "name the metric of metrics: that orders the leaderboard, e.g. rank_by: roc_auc",
    "reference": "the model's training data (a DVC output or git file), e.g. "
                 "reference: data/prepared/train.csv",
}


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


def _dotted(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _error(exc: _Invalid, document: Any) -> ConfigError:
    line = _line(document, exc.path)
    where = f"{CONFIG_FILE}:{line}" if line else CONFIG_FILE
    return ConfigError(f"{where}: {_dotted(exc.path)}: {exc.problem}", hint=exc.hint)


def _line(document: Any, path: tuple[Any, ...]) -> int | None:
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
