"""YAML read the way DVC reads it (YAML 1.2: `yes` is text, `1e-3` a number) at libyaml speed,
and strings written so that any YAML reader reads them back as the same strings.

DVC parses with ruamel.yaml in pure Python (15 ms for a small dvc.lock); PyYAML's C parser
with YAML 1.2 core-schema resolvers gives the same values in under 1 ms.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
# plain words that a YAML 1.1 reader (GitHub Actions, PyYAML) or a loose one takes for a
# boolean, null or number
_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_FLOAT = re.compile(r"""^(?:
     [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.VERBOSE)
_INT = re.compile(r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0o?[0-7_]+
    |[-+]?[0-9_]+
    |[-+]?0x[0-9a-fA-F_]+)$""", re.VERBOSE)
_REPLACED = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:float", "tag:yaml.org,2002:int")
_loader: Any = None


def scalar(text: str) -> str:
    """`text` as a YAML scalar that reads back as the same string: plain when that is safe,
    else double-quoted (JSON's string escapes are valid YAML)."""
    if _PLAIN.fullmatch(text) and text.lower() not in _WORDS:
        return text
    return json.dumps(text)


def load(text: str) -> Any:
    """Parse YAML text with YAML 1.2 scalars; errors are yaml.YAMLError."""
    return yaml.load(text, Loader=_loader_class())


def _loader_class() -> Any:
    global _loader
    if _loader is None:
        _loader = _make_loader()
    return _loader


def _make_loader() -> Any:
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag not in _REPLACED]
        for first, entries in base.yaml_implicit_resolvers.items()
    }

    class Loader(base):  # type: ignore[misc,valid-type]
        yaml_implicit_resolvers = resolvers

    for tag, regexp, first in (
        (_REPLACED[0], _BOOL, "tTfF"), (_REPLACED[1], _FLOAT, "-+0123456789."),
        (_REPLACED[2], _INT, "-+0123456789"),
    ):
        Loader.add_implicit_resolver(tag, regexp, list(first))
    Loader.add_constructor(_REPLACED[2], _construct_int)
    return Loader


def _construct_int(loader: Any, node: Any) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text[0] == "-" else 1
    text = text.lstrip("+-")
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if text.startswith(prefix):
            return sign * int(text[2:], base)
    return sign * int(text)
