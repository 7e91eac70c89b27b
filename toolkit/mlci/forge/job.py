"""Which forge, repository, PR and token this CI job has, from the standard variables only."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlci.errors import ForgeError
from mlci.forge.retry import DEFAULT_MAX_WAIT, max_wait
from mlci.shared.forges import ForgeName

# what a token may hold: visible ASCII. A newline (`echo` into a secret), a space or a control
# character would end up in an HTTP header, and httpx's error for it prints the header escaped
_TOKEN = re.compile(r"[\x21-\x7e]+")


class Token:
    """A secret usable in request headers; str(), repr() and f-strings never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for an HTTP header and nothing else."""
        return self._value

    def __repr__(self) -> str:
        return "Token('***')"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a Token cannot be pickled")


def check_token(name: str, value: str) -> str:
    """`value` if it is usable as a token, else an error naming the variable (never the value)."""
    if not _TOKEN.fullmatch(value):
        raise ForgeError(
            f"{name} holds a line break, a space, a control or a non-ASCII character: "
            "refusing to send it",
            hint=f"set {name} again without the trailing newline or spaces (e.g. "
            "`printf %s TOKEN`, not `echo TOKEN`, when piping it into a secret)")
    return value


def _token(env: Mapping[str, str], name: str) -> Token | None:
    value = env.get(name, "")
    return Token(check_token(name, value)) if value else None


@dataclass(frozen=True)
class WebhookEvent:
    """What a GitHub webhook payload says about the PR (all optional)."""

    pr: int | None = None
    head_sha: str | None = None
    head_repo: str | None = None


@dataclass(frozen=True)
class Context:
    """Where to talk to and about what; `head_sha` is the PR head if known, else the commit."""

    forge: ForgeName
    api_url: str
    repo: str
    token: Token | None
    token_name: str
    pr: int | None = None
    head_sha: str | None = None
    fork: bool = False
    event: str = ""
    step_summary: Path | None = None
    run_url: str = ""
    max_wait: float = DEFAULT_MAX_WAIT
    comment_author: str = ""  # MLCI_COMMENT_AUTHOR: the login mlci posts as, if not asked


def dry_run(env: Mapping[str, str]) -> bool:
    """True in a local CI run with no forge to talk to (`mlci ci run` sets MLCI_FORGE_DRY_RUN)."""
    return env.get("MLCI_FORGE_DRY_RUN") == "1"


def detect(env: Mapping[str, str]) -> Context:
    """The CI context from GitHub Actions or GitLab CI variables, or a ForgeError saying why not."""
    wait = max_wait(env.get("MLCI_MAX_RETRY_WAIT"))
    author = env.get("MLCI_COMMENT_AUTHOR", "").strip()
    if env.get("CI_API_V4_URL") or env.get("GITLAB_CI"):
        return replace(_gitlab(env), max_wait=wait, comment_author=author)
    if env.get("GITHUB_REPOSITORY") or env.get("GITHUB_ACTIONS"):
        return replace(_github(env), max_wait=wait, comment_author=author)
    raise ForgeError(
        "no CI context: neither GitHub Actions (GITHUB_REPOSITORY) nor GitLab CI "
        "(CI_API_V4_URL) variables are set",
        hint="run this in CI, or set GITHUB_API_URL, GITHUB_REPOSITORY and GITHUB_TOKEN "
        "(GitLab: CI_API_V4_URL, CI_PROJECT_ID and MLCI_GITLAB_TOKEN)",
    )


def _need(env: Mapping[str, str], name: str, forge: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ForgeError(f"{forge} CI variable {name} is not set",
                         hint=f"{name} is set by {forge} CI; when running elsewhere, export it")
    return value


def _github(env: Mapping[str, str]) -> Context:
    repo = _need(env, "GITHUB_REPOSITORY", "GitHub")
    event_name = env.get("GITHUB_EVENT_NAME", "")
    event = read_event(env.get("GITHUB_EVENT_PATH", ""), event_name)
    server, run_id = env.get("GITHUB_SERVER_URL", ""), env.get("GITHUB_RUN_ID", "")
    summary = env.get("GITHUB_STEP_SUMMARY", "")
    return Context(
        forge="github", api_url=_need(env, "GITHUB_API_URL", "GitHub").rstrip("/"), repo=repo,
        token=_token(env, "GITHUB_TOKEN"), token_name="GITHUB_TOKEN", pr=event.pr,
        head_sha=event.head_sha or env.get("GITHUB_SHA") or None,
        # the workflow_run of a fork's pull request run names the fork as its head repository
        fork=event_name in ("pull_request", "workflow_run")
        and (event.head_repo or repo).casefold() != repo.casefold(),
        event=event_name,
        step_summary=Path(summary) if summary else None,
        run_url=f"{server}/{repo}/actions/runs/{run_id}" if server and run_id else "",
    )


def _gitlab(env: Mapping[str, str]) -> Context:
    name = "MLCI_GITLAB_TOKEN"
    if not env.get(name) and env.get("CI_JOB_TOKEN"):
        name = "CI_JOB_TOKEN"
    iid = env.get("CI_MERGE_REQUEST_IID", "").strip()
    # an MR from a fork: its source project is not the MR's (target) project
    source = env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "").strip()
    target = env.get("CI_MERGE_REQUEST_PROJECT_ID", "").strip()
    return Context(
        forge="gitlab", api_url=_need(env, "CI_API_V4_URL", "GitLab").rstrip("/"),
        repo=_need(env, "CI_PROJECT_ID", "GitLab"), token=_token(env, name),
        token_name=name, pr=_number(iid, "CI_MERGE_REQUEST_IID") if iid else None,
        fork=bool(source and target) and source != target,
        # merged-results pipelines run on a merge commit; the MR's head is the source branch SHA
        head_sha=env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA") or None,
        event=env.get("CI_PIPELINE_SOURCE", ""),
        run_url=env.get("CI_PIPELINE_URL", "") or env.get("CI_JOB_URL", ""),
    )


def _number(text: str, name: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise ForgeError(f"{name}: expected a PR number, got {text!r}")
    return int(text)


def read_event(path: str, event_name: str) -> WebhookEvent:
    """The PR facts in the GitHub event payload at `path` ('' or missing file: none)."""
    if not path or not Path(path).is_file():
        return WebhookEvent()
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ForgeError(f"GITHUB_EVENT_PATH {path}: not a JSON event payload ({exc})") from None
    return parse_event(payload if isinstance(payload, dict) else {}, event_name)


def _dig(data: Any, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(key, int):
            data = data[key] if isinstance(data, list) and len(data) > key else None
        else:
            data = data.get(key) if isinstance(data, dict) else None
    return data


def parse_event(payload: dict[str, Any], event_name: str) -> WebhookEvent:
    """PR number, head SHA and head repository from a webhook payload (pure)."""
    pr = _dig(payload, "pull_request")
    if isinstance(pr, dict):
        return WebhookEvent(_int(pr.get("number")), _str(_dig(pr, "head", "sha")),
                     _str(_dig(pr, "head", "repo", "full_name")))
    if event_name == "workflow_run":
        run = _dig(payload, "workflow_run")
        return WebhookEvent(_int(_dig(run, "pull_requests", 0, "number")),
                            _str(_dig(run, "head_sha")),
                            _str(_dig(run, "head_repository", "full_name")))
    if _dig(payload, "issue", "pull_request") is not None:
        return WebhookEvent(_int(_dig(payload, "issue", "number")))
    return WebhookEvent()


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
