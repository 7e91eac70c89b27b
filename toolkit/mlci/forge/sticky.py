"""One sticky comment per PR and marker: the marker, finding it, fitting under the limit (pure)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mlci.forge.protocol import Comment
from mlci.shared.markdown import REPORT_MARKER

ID = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
MARKER_ID = re.compile(ID)
_OPEN, _CLOSE = REPORT_MARKER.removesuffix(" -->"), " -->"
MARKER_LINE = re.compile(f"{re.escape(_OPEN)}(?::{ID})?{re.escape(_CLOSE)}")
HEADING = re.compile(r" {0,3}#{1,6}(\s|$)")
FENCE = re.compile(r" {0,3}(```|~~~)")
NOTICE = ("\n\n---\n**Report truncated by mlci:** {dropped:,} of {total:,} characters did not fit "
          "the {limit:,}-character limit{where}; the full report is in the CI job's summary "
          "and artifacts.\n")


def marker(marker_id: str | None = None) -> str:
    """The hidden marker: `<!-- mlci-report -->` or `<!-- mlci-report:ID -->`."""
    if marker_id is None:
        return REPORT_MARKER
    if not MARKER_ID.fullmatch(marker_id):
        raise ValueError(f"marker {marker_id!r}: use 1-64 letters, digits, '.', '_' or '-'")
    return f"{_OPEN}:{marker_id}{_CLOSE}"


def stamp(body: str, mark: str) -> str:
    """`body` with `mark` as its first line, in place of any mlci marker line it starts with."""
    first, _, rest = body.partition("\n")
    if MARKER_LINE.fullmatch(first.rstrip()):
        body = rest
    return f"{mark}\n{body}"


def marked(comment: Comment, mark: str) -> bool:
    """True when the comment's first line is `mark` (a marker quoted further down is not)."""
    return comment.body.partition("\n")[0].rstrip() == mark


def newest(comments: Iterable[Comment], mark: str, author: str) -> Comment | None:
    """The newest (highest id) comment by `author` marked with `mark`, reading every one given."""
    found = [c for c in comments if marked(c, mark) and same_user(c.author, author)]
    return max(found, key=lambda c: c.id) if found else None


def strangers(comments: Iterable[Comment], mark: str, author: str) -> list[Comment]:
    """Comments marked with `mark` by someone other than `author`: never ours to edit."""
    return [c for c in comments if marked(c, mark) and not same_user(c.author, author)]


def same_user(a: str, b: str) -> bool:
    """Logins compare without case, as GitHub and GitLab treat them."""
    return a.casefold() == b.casefold()


def utf16_units(text: str) -> int:
    """Length as GitHub's limits count it at worst (UTF-16 code units; >= code points)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Fitted:
    """A body under the limit; `dropped` characters were cut (0: none)."""

    text: str
    dropped: int


def fit(text: str, limit: int, where: str = "",
        measure: Callable[[str], int] = utf16_units) -> Fitted:
    """`text` if it fits `limit`, else cut at the last section boundary that fits, with a notice."""
    if measure(text) <= limit:
        return Fitted(text, 0)
    notice = NOTICE.format(dropped=len(text), total=len(text), limit=limit, where=where)
    budget = limit - measure(notice) - measure("\n```\n")
    hard = _prefix_within(text, budget, measure)
    cut, in_fence = _boundary(text, hard)
    kept = text[:cut].rstrip("\n") + ("\n```" if in_fence else "")
    dropped = len(text) - cut
    return Fitted(kept + NOTICE.format(dropped=dropped, total=len(text), limit=limit,
                                       where=where), dropped)


def _prefix_within(text: str, budget: int, measure: Callable[[str], int]) -> int:
    """The longest prefix length (in characters) whose measure is within `budget`."""
    if budget <= 0:
        return 0
    end = min(len(text), budget)
    excess = measure(text[:end]) - budget
    while excess > 0:
        end = max(end - excess, 0)
        excess = measure(text[:end]) - budget
    return end


def _boundary(text: str, hard: int) -> tuple[int, bool]:
    """Where to cut at or before `hard`: a heading, else a paragraph, else a line, else `hard`."""
    headings, paragraphs, lines = [], [], []
    in_fence, offset, previous_blank = False, 0, False
    for line in text.splitlines(keepends=True):
        if offset > hard:
            break
        bare = line.rstrip("\r\n")
        if offset > 0:
            lines.append((offset, in_fence))
            if not in_fence and HEADING.match(bare):
                headings.append(offset)
            elif not in_fence and previous_blank:
                paragraphs.append(offset)
        if FENCE.match(bare):
            in_fence = not in_fence
        previous_blank = not bare.strip()
        offset += len(line)
    for candidates in (headings, paragraphs):
        if candidates and candidates[-1] >= hard // 2:  # a boundary that keeps most of it
            return candidates[-1], False
    fitting = [(at, fenced) for at, fenced in lines if at <= hard]
    if fitting:
        return fitting[-1]
    return hard, in_fence
