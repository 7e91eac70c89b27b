"""Default GitHub webhook payloads for local runs (pure): what `mlci ci run` feeds act."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

EVENTS = ("push", "pull_request", "workflow_run", "workflow_dispatch", "schedule")
# owner/name from the usual GitHub remote URLs: https://HOST/o/r(.git), git@HOST:o/r(.git)
_REMOTE = re.compile(r"(?:[:/])([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")


@dataclass(frozen=True)
class Checkout:
    """The commit a local run is about: repository, branch, head and base commits."""

    repo: str
    branch: str
    head_sha: str
    default_branch: str
    base_sha: str = ""
    pr: int = 1
    head_repo: str = ""  # a fork's owner/name; empty: the same repository


@dataclass(frozen=True)
class RunRecord:
    """A finished local run of one workflow, kept so `workflow_run` can follow it."""

    id: int
    workflow: str
    event: str
    conclusion: str
    head_sha: str
    head_branch: str
    head_repo: str
    pr: int | None


def repository(remote_url: str, fallback: str) -> str:
    """owner/name from a git remote URL, else `fallback` (a local path has no owner)."""
    if "://" in remote_url or re.match(r"[^/]+@[^/]+:", remote_url):
        match = _REMOTE.search(remote_url)
        if match:
            return f"{match.group(1)}/{match.group(2)}"
    return fallback


def _repo(full_name: str, default_branch: str) -> dict[str, Any]:
    owner, _, name = full_name.partition("/")
    return {"full_name": full_name, "name": name, "owner": {"login": owner},
            "default_branch": default_branch}


def push(c: Checkout) -> dict[str, Any]:
    """A `push` of `c.branch` at `c.head_sha`."""
    return {"ref": f"refs/heads/{c.branch}", "before": c.base_sha or "0" * 40,
            "after": c.head_sha, "head_commit": {"id": c.head_sha},
            "repository": _repo(c.repo, c.default_branch)}


def pull_request(c: Checkout) -> dict[str, Any]:
    """A `pull_request` (synchronize) from `c.branch` into the default branch."""
    head_repo = c.head_repo or c.repo
    return {
        "action": "synchronize", "number": c.pr,
        "pull_request": {
            "number": c.pr, "state": "open",
            "head": {"sha": c.head_sha, "ref": c.branch,
                     "repo": _repo(head_repo, c.default_branch)},
            "base": {"sha": c.base_sha, "ref": c.default_branch,
                     "repo": _repo(c.repo, c.default_branch)},
        },
        "repository": _repo(c.repo, c.default_branch),
    }


def workflow_dispatch(c: Checkout) -> dict[str, Any]:
    """A manual `workflow_dispatch` on `c.branch`."""
    return {"ref": f"refs/heads/{c.branch}", "inputs": {},
            "repository": _repo(c.repo, c.default_branch)}


def schedule(c: Checkout, cron: str) -> dict[str, Any]:
    """A `schedule` run on the default branch, for the cron line `cron`."""
    return {"schedule": cron, "repository": _repo(c.repo, c.default_branch)}


def workflow_run(run: RunRecord, repo: str, default_branch: str) -> dict[str, Any]:
    """A `workflow_run` (completed) of the earlier local run `run`."""
    pulls = [] if run.pr is None or run.head_repo != repo else [
        {"number": run.pr, "head": {"sha": run.head_sha, "ref": run.head_branch}}]
    return {
        "action": "completed",
        "workflow_run": {
            "id": run.id, "name": run.workflow, "event": run.event, "status": "completed",
            "conclusion": run.conclusion, "head_sha": run.head_sha,
            "head_branch": run.head_branch, "pull_requests": pulls,
            "head_repository": _repo(run.head_repo, default_branch),
            "repository": _repo(repo, default_branch),
        },
        "workflow": {"name": run.workflow},
        "repository": _repo(repo, default_branch),
    }


def is_fork(payload: dict[str, Any], repo: str) -> bool:
    """True for a pull_request payload whose head is in another repository than `repo`."""
    head = ((payload.get("pull_request") or {}).get("head") or {}).get("repo") or {}
    return bool(head.get("full_name")) and head.get("full_name") != repo


def payload(event: str, c: Checkout) -> dict[str, Any]:
    """The default payload of `event` (not workflow_run: that one follows a recorded run)."""
    return {"push": push, "pull_request": pull_request,
            "workflow_dispatch": workflow_dispatch}[event](c)
