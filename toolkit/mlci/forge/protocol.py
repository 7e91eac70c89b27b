"""What every forge client offers, and the few facts mlci reads from a forge (pure data)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

State = Literal["success", "failure", "error", "pending"]
Notify = Callable[[str], None]


@dataclass(frozen=True)
class Comment:
    """A PR comment (GitHub) or MR note (GitLab)."""

    id: int
    body: str
    author: str
    url: str = ""


@dataclass(frozen=True)
class PullRequest:
    """The few facts about a PR / MR that mlci uses."""

    number: int
    head_sha: str
    open: bool
    head_repo: str = ""
    fork: bool = False  # its head is in another repository / project than its base
    url: str = ""


@dataclass(frozen=True)
class Release:
    """A forge release of a tag."""

    tag: str
    url: str
    created: bool


class Forge(Protocol):
    """What every forge client offers; paths and payloads differ, these do not."""

    name: str
    comment_limit: int

    def identity(self) -> str: ...
    def comments(self, pr: int) -> Iterator[Comment]: ...
    def create_comment(self, pr: int, body: str) -> Comment: ...
    def update_comment(self, pr: int, comment_id: int, body: str) -> Comment: ...
    def pull(self, pr: int) -> PullRequest: ...
    def pulls_for_commit(self, sha: str) -> list[PullRequest]: ...
    def set_status(self, sha: str, state: State, context: str, description: str,
                   target_url: str) -> None: ...
    def release(self, tag: str) -> Release | None: ...
    def create_release(self, tag: str, name: str, body: str,
                       target: str) -> Release | None: ...
    def plan(self, pr: int | str, sha: str) -> dict[str, str]: ...
    def open_pull(self, branch: str, base: str) -> PullRequest | None: ...
    def create_pull(self, branch: str, base: str, title: str, body: str) -> PullRequest | None: ...
    def update_pull(self, number: int, title: str, body: str) -> PullRequest: ...
    def dispatch(self, workflow: str, ref: str) -> None: ...
    def close(self) -> None: ...
