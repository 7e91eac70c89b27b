"""A fork's report and gate status, marked as what they are (pure): the fork's own claim.

On `workflow_run`, the report and the gate values come from the pull request's run, i.e.
from code the fork chose. mlci posts them, but says so where people look (the comment's
first lines, the status description) and keeps the fork's text from pinging anyone.
"""

from __future__ import annotations

import re

# `@name` or `@org/team` where GitHub and GitLab would notify (not inside a word, as in
# `model@v1.2.3` or an e-mail address); GitLab names may start with '_'
MENTION = re.compile(r"(?<![A-Za-z0-9])@(?=[A-Za-z0-9_])")
JOINER = "\u200d"  # zero-width joiner: `@\u200dteam` reads the same and notifies nobody
NOTICE = ("> ⚠️ **Unverified: this pull request comes from a fork.** The numbers and the gate "
          "result below were computed by the pull request's own code; treat them as its "
          "author's claim until a maintainer reproduces them.")
STATUS_PREFIX = "unverified (fork): "


def neutralise_mentions(text: str) -> str:
    """`text` with every @mention broken by a zero-width joiner (the text looks the same)."""
    return MENTION.sub("@" + JOINER, text)


def mark_unverified(body: str) -> str:
    """A stamped comment `body` (marker first line) with the fork notice under the marker and
    the fork's text unable to mention anyone."""
    marker, _, rest = body.partition("\n")
    return f"{marker}\n\n{NOTICE}\n\n{neutralise_mentions(rest)}"


def status_description(description: str) -> str:
    """A gate status description that says the fork's result is unverified."""
    return STATUS_PREFIX + neutralise_mentions(description)
