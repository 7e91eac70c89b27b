"""A located model version: which registered version, and the md5 that verifies its file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Located:
    """A registered model version and the md5 that verifies its file."""

    name: str
    version: str
    commit: str
    path: str  # the artifact's repository path
    md5: str
    legacy: bool = False  # a DVC 2 lock entry (hashed dos2unix)
    stage: str | None = None  # the stage the reference asked for
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def file_name(self) -> str:
        return Path(self.path).name
