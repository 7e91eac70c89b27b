"""`mlci serve --follow SECONDS`: serve whatever the stage holds, as it moves.

Every SECONDS, `git ls-remote` lists the model's tags on the remote (cheap). When the
listing changes, the tags are fetched, the reference re-resolved and, for a new version,
the artifact fetched, verified against its commit's dvc.lock and loaded in a worker thread
while the old model keeps serving; then one assignment swaps it in. A version that fails to
fetch, verify or load is refused (logged, counted) and the old one keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from mlci.errors import MlciError
from mlci.project.context import Project
from mlci.registry import modeltags
from mlci.serving import fetch, loading
from mlci.serving.app import ServerState
from mlci.serving.located import Located
from mlci.shared import gitrepo

LOG = logging.getLogger("mlci.serve")


@dataclass
class Follower:
    """Polls `remote` for the tags of the model `ref` names; swaps `state` on a move."""

    project: Project
    ref: str
    remote: str
    state: ServerState
    interval: float
    _seen: str | None = None
    _refused: tuple[str, str] | None = None

    async def run(self) -> None:
        """Poll until cancelled (the server's shutdown cancels it)."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await asyncio.to_thread(self.check)
            except MlciError as exc:  # the remote is unreachable now: try again next time
                LOG.warning("--follow: %s", exc.message)

    def check(self) -> str | None:
        """One poll: the version swapped in, or None when nothing changed or it was refused."""
        name = modeltags.name_to_tag(fetch.parse(self.ref).name)
        listing = gitrepo.remote_tag_listing(self.project.root, self.remote,
                                             f"refs/tags/{name}[#@]*")
        if listing == self._seen:
            return None
        gitrepo.fetch_tags(self.project.root, self.remote)
        located = fetch.locate(self.project, self.ref)
        self._seen = listing
        current = self.state.served.loaded.info
        if (located.version, located.md5) in ((current.version, current.md5), self._refused):
            return None
        return self._swap(located)

    def _swap(self, located: Located) -> str | None:
        try:
            loaded = loading.load_located(self.project.root, located)
        except MlciError as exc:
            self._refused = (located.version, located.md5)
            self.state.telemetry.swaps.labels("refused").inc()
            LOG.error("--follow: refused %s %s, still serving %s: %s", located.name,
                      located.version, self.state.served.loaded.info.version, exc.message)
            return None
        old = self.state.served.loaded.info.version
        self.state.swap(loaded)
        self.state.telemetry.swaps.labels("swapped").inc()
        LOG.info("--follow: %s %s -> %s (md5 %s verified)", located.name, old, located.version,
                 located.md5)
        return located.version


def check_followable(ref: str) -> None:
    """--follow needs a reference that can move: NAME#STAGE or NAME (the latest)."""
    if fetch.parse(ref).version is not None:
        raise MlciError(f"--follow: {ref} names one fixed version",
                        hint="follow a stage (NAME#STAGE) or the latest version (NAME)")
