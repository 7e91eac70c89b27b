"""Personal data out of the rows mlci writes (pure): `privacy.exclude` columns are dropped,
`privacy.hash` columns replaced by a SHA-256 of the value (`sha256:<hex>`), so equal values
still match across rows and files while the value itself is never stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

PREFIX = "sha256:"


def hash_value(value: Any) -> str | None:
    """`sha256:<hex>` of the value's text; None stays None (a missing value is not data)."""
    return None if value is None else hash_text(str(value))


def hash_text(text: str) -> str:
    """`sha256:<hex>` of `text` (UTF-8)."""
    return PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()


def redact(columns: Mapping[str, Iterable[Any]], exclude: Iterable[str],
           hashed: Iterable[str]) -> dict[str, list[Any]]:
    """{column: values} without the excluded columns and with the hashed ones hashed."""
    dropped, hidden = set(exclude), set(hashed)
    return {name: [hash_value(v) for v in values] if name in hidden else list(values)
            for name, values in columns.items() if name not in dropped}
