"""SemVer 2.0 versions as GTO writes them (`v1.2.3-rc.1+build`): parse, order, bump. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

SEMVER = (
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
_SEMVER_RE = re.compile(f"v{SEMVER}")
BUMPS = ("major", "minor", "patch")


@dataclass(frozen=True, order=False)
class SemVer:
    """A `vMAJOR.MINOR.PATCH[-PRE][+BUILD]` version; compares by SemVer 2.0 precedence."""

    major: int
    minor: int
    patch: int
    prerelease: str = ""
    build: str = ""

    @classmethod
    def parse(cls, text: str) -> SemVer:
        """Parse `vX.Y.Z...`; ValueError names what was expected."""
        match = _SEMVER_RE.fullmatch(text)
        if not match:
            raise ValueError(f"expected a version like v1.2.3, got {text!r}")
        major, minor, patch, pre, build = match.groups()
        return cls(int(major), int(minor), int(patch), pre or "", build or "")

    def __str__(self) -> str:
        text = f"v{self.major}.{self.minor}.{self.patch}"
        text += f"-{self.prerelease}" if self.prerelease else ""
        return text + (f"+{self.build}" if self.build else "")

    def key(self) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
        """Sort key: a release outranks its prereleases; numeric identifiers sort below words."""
        parts = tuple(
            (0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease.split(".")
        ) if self.prerelease else ()
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, parts)

    def __lt__(self, other: SemVer) -> bool:
        return self.key() < other.key()

    def bump(self, part: str) -> SemVer:
        """The next version: `major`, `minor` or `patch` (prerelease and build dropped)."""
        if part == "major":
            return SemVer(self.major + 1, 0, 0)
        if part == "minor":
            return SemVer(self.major, self.minor + 1, 0)
        if part == "patch":
            return SemVer(self.major, self.minor, self.patch + 1)
        raise ValueError(f"expected one of {', '.join(BUMPS)}, got {part!r}")


ZERO = SemVer(0, 0, 0)
