"""One mlci project as a value: its root, `mlci.yaml` read once, the revisions already read.

DVC passes a `Repo` from its commands down, GTO a `GitRegistry`; mlci passes a `Project`. The
CLI makes one per command (`Project.find()`); a domain function that needs the project takes
it, reads `project.config` (loaded on first use, once) and reads revisions through
`project.snapshots`, which keeps what a commit held (a commit never changes; the work tree
is read afresh every time).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from mlci import config
from mlci.config import Config
from mlci.project import snapshot
from mlci.project.snapshot import Snapshot, Source, Want
from mlci.shared import gitrepo


@dataclass(eq=False)
class Project:
    """A git work tree holding a DVC project and, optionally, `mlci.yaml`."""

    root: Path
    _config: Config | None = field(default=None, repr=False)
    _committed: dict[str, Config] = field(default_factory=dict, repr=False)
    _snapshots: dict[tuple[str, Want], Snapshot] = field(default_factory=dict, repr=False)

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The project whose work tree holds `start` (default: the current directory)."""
        return cls(gitrepo.find_root(start or Path.cwd()))

    @property
    def config(self) -> Config:
        """`mlci.yaml` of the work tree (defaults without one), read on first use."""
        if self._config is None:
            self._config = config.load(self.root)
        return self._config

    @property
    def has_config(self) -> bool:
        return config.exists(self.root)

    def config_at(self, rev: str | None) -> Config:
        """`mlci.yaml` as committed at `rev` (None: the work tree's)."""
        if rev is None:
            return self.config
        if rev not in self._committed:
            self._committed[rev] = config.load_at(self.root, rev)
        return self._committed[rev]

    def resolve(self, rev: str | None) -> Source:
        """A revision (None: the work tree) as a source to read."""
        return snapshot.resolve(self.root, rev)

    def snapshots(self, revs: list[str | None], want: Want = snapshot.EVERYTHING) -> list[Snapshot]:
        """What each revision holds, in order (None: the work tree)."""
        return self.read_sources([self.resolve(rev) for rev in revs], want)

    def read_sources(self, sources: list[Source], want: Want = snapshot.EVERYTHING,
                     ) -> list[Snapshot]:
        """Snapshots of resolved sources; a commit read before with the same `want` is kept."""
        missing = [s for s in sources if s.sha is None or (s.sha, want) not in self._snapshots]
        read = dict(zip(map(id, missing), snapshot.read_sources(self.root, missing, want),
                        strict=True)) if missing else {}
        found = []
        for source in sources:
            if id(source) in read:
                snap = read[id(source)]
                if source.sha is not None:
                    self._snapshots[(source.sha, want)] = snap
            else:
                snap = self._snapshots[(source.sha or "", want)]
                if snap.rev != source.rev:  # the same commit asked for by another name
                    snap = replace(snap, rev=source.rev)
            found.append(snap)
        return found
