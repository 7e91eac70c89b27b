"""What a commit SHA looks like (pure): one pattern for every place mlci checks one."""

from __future__ import annotations

import re

SHA = re.compile(r"[0-9a-fA-F]{7,64}")
FULL_LENGTHS = (40, 64)  # SHA-1 and SHA-256 object names


def is_sha(text: str, full: bool = False) -> bool:
    """True for 7-64 hex digits (an abbreviated SHA), or with `full` a whole SHA-1/SHA-256."""
    return bool(SHA.fullmatch(text)) and (not full or len(text) in FULL_LENGTHS)
