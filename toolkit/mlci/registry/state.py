"""The model registry as data: the state a list of registry tags describes.

Pure: no git, no DVC. `gitrepo.annotated_tags` reads the tags, `modeltags` parses their names,
this module replays them. Versions are ordered by SemVer and stage assignments by GTO's
per-model counter (`#N`), never by tag timestamps, so two tags made in the same second still
have a definite order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mlci.registry.modeltags import Action, ModelTag, parse_tag
from mlci.registry.semver import ZERO, SemVer
from mlci.shared.gitrepo import TagRecord


@dataclass(frozen=True)
class HistoryEntry:
    """One registry tag in a model's history."""

    action: Action
    tag: str
    commit: str
    date: str
    version: str | None = None
    stage: str | None = None
    counter: int | None = None

    def to_json(self) -> dict[str, Any]:
        """One entry of `mlci models history --json`."""
        return {"event": self.action.value, "tag": self.tag, "version": self.version,
                "stage": self.stage, "counter": self.counter, "commit": self.commit,
                "date": self.date}


@dataclass(frozen=True)
class Version:
    """A registered version: where it points, when, its card, the stages it holds now."""

    version: str
    semver: SemVer
    commit: str
    tag: str
    date: str
    message: str
    active: bool = True
    stages: tuple[str, ...] = ()
    held: tuple[str, ...] = ()  # every stage it was ever assigned, in counter order


@dataclass(frozen=True)
class Model:
    """Everything the registry says about one model."""

    name: str
    versions: tuple[Version, ...] = ()  # active ones, highest SemVer first
    stages: dict[str, Version] = field(default_factory=dict)  # stage -> current holder
    history: tuple[HistoryEntry, ...] = ()
    counter: int = 0  # the highest `#N` used so far; the next assignment is counter + 1
    deprecated: bool = False

    @property
    def latest(self) -> Version | None:
        return self.versions[0] if self.versions else None

    def find(self, version: str) -> Version | None:
        """The active version named `version`, if registered."""
        return next((v for v in self.versions if v.version == version), None)

    def at_commit(self, commit: str) -> Version | None:
        """The highest active version registered at `commit`."""
        return next((v for v in self.versions if v.commit == commit), None)

    def to_json(self) -> dict[str, Any]:
        """One model of `mlci models list --json`."""
        return {"latest": self.latest.version if self.latest else None,
                "stages": {stage: v.version for stage, v in self.stages.items()},
                "versions": [v.version for v in self.versions],
                "deprecated": self.deprecated}


def build(records: Iterable[TagRecord]) -> dict[str, Model]:
    """The registry state from annotated tags: {model name: Model}, names sorted."""
    events: dict[str, list[tuple[ModelTag, TagRecord]]] = {}
    for record in records:
        parsed = parse_tag(record.tag)
        if parsed is not None:
            events.setdefault(parsed.name, []).append((parsed, record))
    return {name: _model(name, events[name]) for name in sorted(events)}


def _model(name: str, tagged: list[tuple[ModelTag, TagRecord]]) -> Model:
    registrations = {t.version: r for t, r in tagged
                     if t.action is Action.REGISTER and t.version is not None}
    dropped = {t.version for t, _ in tagged if t.action is Action.DEREGISTER}
    by_commit = _versions_by_commit(registrations, dropped)
    counted = sorted((p for p in tagged if p[0].counter is not None),
                     key=lambda p: p[0].counter or 0)
    holders, held = _assignments(counted, by_commit)
    stages_of: dict[str, tuple[str, ...]] = {}
    for stage, holder in sorted(holders.items()):
        stages_of[holder] = (*stages_of.get(holder, ()), stage)
    versions = {
        str(v): Version(str(v), v, r.commit, r.tag, r.date, r.message, v not in dropped,
                        stages_of.get(str(v), ()), held.get(str(v), ()))
        for v, r in registrations.items()
    }
    active = sorted((v for v in versions.values() if v.active), key=lambda v: v.semver.key(),
                    reverse=True)
    return Model(
        name=name,
        versions=tuple(active),
        stages={s: versions[h] for s, h in sorted(holders.items()) if versions[h].active},
        history=_history(tagged, counted, by_commit),
        counter=max((t.counter or 0 for t, _ in tagged), default=0),
        deprecated=_deprecated(tagged),
    )


def _versions_by_commit(registrations: dict[SemVer, TagRecord],
                        dropped: set[SemVer | None]) -> dict[str, str]:
    """commit -> the version registered there (the highest active one wins, as in GTO)."""
    found: dict[str, str] = {}
    for v in sorted(registrations, key=lambda v: (v not in dropped, v.key())):
        found[registrations[v].commit] = str(v)
    return found


def _assignments(
    counted: list[tuple[ModelTag, TagRecord]], by_commit: dict[str, str]
) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """(stage -> holding version, version -> stages it ever held), replaying tags by counter."""
    active: dict[str, dict[str, int]] = {}  # stage -> {version: counter of its assignment}
    held: dict[str, tuple[str, ...]] = {}
    for tag, record in counted:
        version = by_commit.get(record.commit)
        if version is None or tag.stage is None:
            continue
        stage_holders = active.setdefault(tag.stage, {})
        if tag.action is Action.ASSIGN:
            stage_holders[version] = tag.counter or 0
            held[version] = (*held.get(version, ()), tag.stage)
        elif tag.action is Action.UNASSIGN:
            stage_holders.pop(version, None)
    holders = {
        stage: max(candidates, key=lambda v: candidates[v])
        for stage, candidates in active.items() if candidates
    }
    return holders, held


def _deprecated(tagged: list[tuple[ModelTag, TagRecord]]) -> bool:
    """Deprecated unless an assignment counted after the last deprecation revived it."""
    marks = [t.counter for t, _ in tagged if t.action is Action.DEPRECATE]
    if not marks:
        return False
    if any(mark is None for mark in marks):
        return True
    last = max(m or 0 for m in marks)
    return not any((t.counter or 0) > last for t, _ in tagged if t.action is not Action.DEPRECATE)


def _history(
    tagged: list[tuple[ModelTag, TagRecord]],
    counted: list[tuple[ModelTag, TagRecord]],
    by_commit: dict[str, str],
) -> tuple[HistoryEntry, ...]:
    """Counted events in counter order; each (de)registration just before the first event
    that needs it, the rest after, in SemVer order (one pass: no timestamps needed)."""
    pending = sorted((p for p in tagged if p[0].counter is None and p[0].version is not None),
                     key=lambda p: p[0].version.key() if p[0].version else ())
    keys = {v: SemVer.parse(v).key() for v in set(by_commit.values())}
    ordered: list[HistoryEntry] = []
    done = 0
    for tag, record in counted:
        version = by_commit.get(record.commit)
        while version is not None and done < len(pending) \
                and (pending[done][0].version or ZERO).key() <= keys[version]:
            ordered.append(_event(*pending[done], by_commit))
            done += 1
        ordered.append(_event(tag, record, by_commit))
    ordered.extend(_event(t, r, by_commit) for t, r in pending[done:])
    ordered.extend(_event(t, r, by_commit) for t, r in tagged
                   if t.counter is None and t.version is None)  # plain `@deprecated`
    return tuple(ordered)


def _event(tag: ModelTag, record: TagRecord, by_commit: dict[str, str]) -> HistoryEntry:
    version = str(tag.version) if tag.version else by_commit.get(record.commit)
    return HistoryEntry(tag.action, record.tag, record.commit, record.date, version, tag.stage,
                 tag.counter)


def next_version(model: Model | None, bump: str | None) -> SemVer:
    """The version a publish registers: the latest bumped (`patch` by default), from v0.0.0."""
    latest = _greatest(model)
    return latest.bump(bump or "patch")


def _greatest(model: Model | None) -> SemVer:
    """The highest version ever registered, deregistered ones included (their tags exist)."""
    if model is None:
        return ZERO
    seen = [e.version for e in model.history if e.action is Action.REGISTER and e.version]
    return max((SemVer.parse(v) for v in seen), key=lambda v: v.key(), default=ZERO)


def assignment(name: str, stage: str, model: Model | None) -> ModelTag:
    """The tag that assigns `stage` next: GTO counts assignments per model name."""
    return ModelTag(Action.ASSIGN, name, stage=stage, counter=(model.counter if model else 0) + 1)


def registration(name: str, version: SemVer) -> ModelTag:
    return ModelTag(Action.REGISTER, name, version=version)


def stage_error(stages: tuple[str, ...], stage: str, version: Version | None = None) -> str | None:
    """Why `version` (None: a version being registered) may not enter `stage` on the ordered
    path `stages` (publish.stages), or None if it may."""
    if not stages:
        return None
    if stage not in stages:
        return f"stage '{stage}' is not in publish.stages ({', '.join(stages)})"
    index = stages.index(stage)
    if index == 0:
        return None
    if version is None:
        return (f"a new version can only enter '{stages[0]}' first "
                f"(publish.stages: {', '.join(stages)})")
    previous = stages[index - 1]
    if previous in version.held:
        return None
    return f"{version.version} has never been in stage '{previous}', which comes before '{stage}'"
