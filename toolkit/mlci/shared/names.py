"""Names that end up in git tags and generated CI files (pure): GTO's grammar, whole-string.

Every check is `re.fullmatch`: `re.match` with `^...$` accepts a trailing newline ('prod\\n'),
and a newline in a generated workflow is a new YAML line, i.e. a new step.
"""

from __future__ import annotations

import re

# GTO's artifact / stage name (gto/constants.py `name`): letters and digits at both ends,
# '-', '/' and '_' inside
NAME = r"[a-zA-Z0-9]([a-zA-Z0-9-/_]*[a-zA-Z0-9])?"
# a monorepo artifact `dir:name` (`dir=name` in tags)
FULLNAME = rf"(?:[a-zA-Z0-9-_./]+:)?{NAME}"
NAME_HINT = ("letters, digits, '-', '_' and '/', starting and ending with a letter or digit "
             "(GTO's naming rules)")
_NAME_RE = re.compile(NAME)
_FULLNAME_RE = re.compile(FULLNAME)


def is_valid_name(name: str) -> bool:
    """Whether GTO accepts `name` (optionally `dir:name`) as an artifact name."""
    return _FULLNAME_RE.fullmatch(name) is not None


def is_valid_stage(stage: str) -> bool:
    """Whether GTO accepts `stage` as a stage name (the same grammar as a plain name)."""
    return _NAME_RE.fullmatch(stage) is not None
