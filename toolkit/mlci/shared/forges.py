"""The forges mlci works with, named once (pure): config, CI generation, the job context and
the CLI all take their names from here."""

from __future__ import annotations

from typing import Literal

ForgeName = Literal["github", "gitlab"]
FORGE_NAMES: tuple[ForgeName, ...] = ("github", "gitlab")
