"""GTO's registry tag grammar (pure): model and stage names, tag names, model references.

`NAME@vX.Y.Z[!]` (de)registers a version, `NAME#STAGE[!]#N` (un)assigns a stage,
`NAME@deprecated[#N]` deprecates; monorepo names `dir:name` are written `dir=name` in tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from mlci.registry.semver import SEMVER, SemVer
from mlci.shared.names import NAME, is_valid_name, is_valid_stage

__all__ = ["Action", "ModelTag", "Ref", "format_tag", "is_valid_name",
           "is_valid_stage", "name_to_tag", "parse_ref", "parse_tag", "tag_to_name"]

_FULLNAME_IN_TAG = rf"(?:[a-zA-Z0-9-_./]+=)?{NAME}"
# GTO's `tag_re` (gto/constants.py), with named groups for what mlci reads
_TAG_RE = re.compile(
    rf"(?P<artifact>{_FULLNAME_IN_TAG})"
    rf"(?:(?:#(?P<stage>{NAME})|@(?P<version>v{SEMVER}))(?P<cancel>!?)"
    r"|@(?P<deprecated>deprecated))"
    r"(?:#(?P<counter>[0-9]+))?"
)


class Action(Enum):
    """What a registry tag does (GTO's actions, minus the unused `create`)."""

    REGISTER = "register"
    DEREGISTER = "deregister"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    DEPRECATE = "deprecate"


@dataclass(frozen=True)
class ModelTag:
    """One registry tag name, parsed: `NAME@vX.Y.Z[!]`, `NAME#STAGE[!]#N`, `NAME@deprecated[#N]`."""

    action: Action
    name: str
    version: SemVer | None = None
    stage: str | None = None
    counter: int | None = None


def name_to_tag(name: str) -> str:
    """`dir:name` as tags spell it, `dir=name`."""
    return name.replace(":", "=")


def tag_to_name(text: str) -> str:
    """`dir=name` from a tag back to the artifact's name `dir:name`."""
    return text.replace("=", ":")


def parse_tag(text: str) -> ModelTag | None:
    """The registry meaning of a tag name, or None when it is not a registry tag."""
    match = _TAG_RE.fullmatch(text)
    if not match:
        return None
    name = tag_to_name(match["artifact"])
    counter = int(match["counter"]) if match["counter"] else None
    cancel = match["cancel"] == "!"
    if match["deprecated"]:
        return ModelTag(Action.DEPRECATE, name, counter=counter)
    if match["version"]:
        action = Action.DEREGISTER if cancel else Action.REGISTER
        return ModelTag(action, name, SemVer.parse(match["version"]), counter=counter)
    action = Action.UNASSIGN if cancel else Action.ASSIGN
    return ModelTag(action, name, stage=match["stage"], counter=counter)


def format_tag(tag: ModelTag) -> str:
    """The tag name for `tag`, exactly as GTO writes it."""
    base = name_to_tag(tag.name)
    if tag.action is Action.DEPRECATE:
        text = f"{base}@deprecated"
    elif tag.action in (Action.REGISTER, Action.DEREGISTER):
        bang = "!" if tag.action is Action.DEREGISTER else ""
        text = f"{base}@{tag.version}{bang}"
    else:
        bang = "!" if tag.action is Action.UNASSIGN else ""
        text = f"{base}#{tag.stage}{bang}"
    return text if tag.counter is None else f"{text}#{tag.counter}"


@dataclass(frozen=True)
class Ref:
    """What `models get` was asked for: `NAME`, `NAME@vX.Y.Z`, `NAME@latest` or `NAME#STAGE`."""

    name: str
    version: str | None = None
    stage: str | None = None


def parse_ref(text: str) -> Ref:
    """Parse a model reference; ValueError says what is accepted."""
    name, at, version = text.partition("@")
    if not at:
        name, hash_, stage = text.partition("#")
        if hash_ and not is_valid_stage(stage):
            raise ValueError(f"invalid stage name {stage!r} in {text!r}")
        version, stage = "", stage if hash_ else ""
    else:
        stage = ""
        if version != "latest":
            SemVer.parse(version)
    if not is_valid_name(name):
        raise ValueError(f"expected NAME, NAME@vX.Y.Z or NAME#STAGE, got {text!r}")
    return Ref(name, None if version in ("", "latest") else version, stage or None)
