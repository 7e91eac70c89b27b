"""The fake forge's state: what it stores, the faults it injects, the requests it saw."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

Reply = tuple[int, dict[str, str], Any]



@dataclass
class Fault:
    """Answer the next `times` requests matching `method` and `path` (a regex) with `status`.

    `drop="before"` closes the connection without handling the request; `drop="after"`
    handles it (the comment is created) and then closes the connection without replying;
    `handled=True` handles it and then answers with `status` anyway (a 502 from a proxy
    after the forge did the work).
    """

    path: str = ""
    method: str = "*"
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    times: int = 1
    drop: str = ""
    handled: bool = False

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and self.method in ("*", method) and bool(re.search(self.path, path))


@dataclass
class Request:
    """One request as the server saw it; `auth` is the raw credential header value."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    auth: str
    auth_header: str
    headers: dict[str, str]


class Store:
    """Everything the fake forge knows, behind one lock; saved to `state_file` after changes."""

    def __init__(self, state_file: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.state_file = state_file
        self.next_id = 1000
        self.pulls: list[dict[str, Any]] = []
        self.comments: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []
        self.releases: list[dict[str, Any]] = []
        self.dispatches: list[dict[str, Any]] = []  # workflow_dispatch requests received
        self.origin = ""  # a git repository whose branches give opened PRs their head SHA
        self.tokens: dict[str, dict[str, Any]] = {}  # empty: any token works
        self.max_per_page = 100  # lower it to make a client walk more pages
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        if state_file is not None and state_file.is_file():
            self.seed(json.loads(state_file.read_text()))

    def new_id(self) -> int:
        with self.lock:
            self.next_id += 1
            return self.next_id

    def seed(self, data: dict[str, Any]) -> None:
        """Add pulls, comments, statuses, releases, tokens and faults from a state fragment."""
        with self.lock:
            for key in ("pulls", "comments", "statuses", "releases", "dispatches"):
                getattr(self, key).extend(data.get(key, []))
            self.origin = data.get("origin", self.origin)
            self.tokens.update(data.get("tokens", {}))
            self.max_per_page = data.get("max_per_page", self.max_per_page)
            self.faults.extend(Fault(**f) for f in data.get("faults", []))
            self.next_id = max([self.next_id, data.get("next_id", 0),
                                *(c["id"] for c in self.comments)])

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "next_id": self.next_id, "pulls": self.pulls, "comments": self.comments,
                "statuses": self.statuses, "releases": self.releases, "tokens": self.tokens,
                "dispatches": self.dispatches, "origin": self.origin,
                "max_per_page": self.max_per_page,
                "faults": [asdict(f) for f in self.faults if f.times > 0],
                "requests": [asdict(r) for r in self.requests],
            }

    def save(self) -> None:
        if self.state_file is None:
            return
        with self.lock:
            tmp = self.state_file.with_name(self.state_file.name + ".tmp")
            tmp.write_text(json.dumps(self.snapshot(), indent=1))
            tmp.replace(self.state_file)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    def pull(self, forge: str, repo: str, number: int) -> dict[str, Any] | None:
        found = next((p for p in self.pulls if (p["forge"], p["repo"], p["number"])
                      == (forge, repo, number)), None)
        return self.refreshed(found) if found is not None else None

    def refreshed(self, pull: dict[str, Any]) -> dict[str, Any]:
        """A PR opened through the API follows its branch in `origin`, as a forge's does."""
        if self.origin and pull.get("opened_via_api"):
            import subprocess

            out = subprocess.run(["git", "--git-dir", self.origin, "rev-parse", "--verify",
                                  "--quiet", f"refs/heads/{pull['head_ref']}"],
                                 capture_output=True, text=True, check=False).stdout.strip()
            pull["head_sha"] = out or pull["head_sha"]
        return pull

    def next_number(self, forge: str, repo: str) -> int:
        return 1 + max([p["number"] for p in self.pulls if (p["forge"], p["repo"]) ==
                        (forge, repo)] or [0])

    def thread(self, forge: str, repo: str, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments
                if (c["forge"], c["repo"], c["number"]) == (forge, repo, number)]
