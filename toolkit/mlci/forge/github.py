"""GitHub REST: PR comments, PRs, commit statuses and releases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from mlci import __version__
from mlci.errors import ForgeError
from mlci.forge.http import MAX_PAGES, Api
from mlci.forge.job import Context
from mlci.forge.protocol import Comment, Notify, PullRequest, Release, State

COMMENT_LIMIT = 65_536
HEADERS = {
    "Accept": "application/vnd.github+json",
    "X-GitHub-Api-Version": "2022-11-28",
    "User-Agent": f"mlci/{__version__}",
}
PERMISSION = {"statuses": "statuses: write", "releases": "contents: write",
              "dispatches": "actions: write", "pulls": "pull-requests: write"}
ACTIONS_BOT = "github-actions[bot]"  # the author of what an Actions GITHUB_TOKEN posts


class Github:
    """A client for one repository (`owner/name`) of a GitHub or GitHub Enterprise API."""

    name = "GitHub"
    comment_limit = COMMENT_LIMIT

    def __init__(self, context: Context, notify: Notify) -> None:
        self._context = context
        self._repo = f"repos/{context.repo}"
        self._api = Api("GitHub", context.api_url, context.token, "Authorization", HEADERS,
                        self._hint, notify, context.max_wait)

    def close(self) -> None:
        """Close the connection."""
        self._api.close()

    def identity(self) -> str:
        """The login this token posts as: GET /user, or github-actions[bot] when that is 403.

        An Actions GITHUB_TOKEN (like any GitHub App installation token) cannot read /user.
        """
        reply = self._api.call("GET", "user", accept=(403,))
        if reply.status == 403:
            return ACTIONS_BOT
        return reply.text("login")

    def comments(self, pr: int) -> Iterator[Comment]:
        """Every comment on PR `pr`, following `Link: rel="next"` over all pages."""
        path: str | None = f"{self._repo}/issues/{pr}/comments"
        params: dict[str, Any] | None = {"per_page": 100}
        for _ in range(MAX_PAGES):
            reply = self._api.call("GET", path or "", params=params)
            yield from (_comment(item) for item in reply.items())
            path, params = next_link(reply.headers.get("link", "")), None
            if not path:
                return
        raise ForgeError(f"GitHub: PR #{pr} has more than {MAX_PAGES} pages of comments")

    def create_comment(self, pr: int, body: str) -> Comment:
        """POST a new comment (not retried blindly: see http.UncertainWrite)."""
        reply = self._api.call("POST", f"{self._repo}/issues/{pr}/comments", json={"body": body})
        return _comment(reply.data)

    def update_comment(self, pr: int, comment_id: int, body: str) -> Comment:
        """PATCH comment `comment_id` to `body`."""
        reply = self._api.call("PATCH", f"{self._repo}/issues/comments/{comment_id}",
                               json={"body": body})
        return _comment(reply.data)

    def plan(self, pr: int | str, sha: str) -> dict[str, str]:
        """The requests `mlci comment` makes, as "METHOD /path" (for --dry-run)."""
        repo = f"/{self._repo}"
        return {"identity": "GET /user", "lookup": f"GET {repo}/commits/{sha}/pulls",
                "pull": f"GET {repo}/pulls/{pr}",
                "list": f"GET {repo}/issues/{pr}/comments", "create":
                f"POST {repo}/issues/{pr}/comments", "update": f"PATCH {repo}/issues/comments/ID"}

    def pull(self, pr: int) -> PullRequest:
        """PR `pr`: its head SHA and head repository."""
        return _pull(self._api.call("GET", f"{self._repo}/pulls/{pr}").data)

    def pulls_for_commit(self, sha: str) -> list[PullRequest]:
        """The PRs (open or merged) that contain commit `sha`."""
        reply = self._api.call("GET", f"{self._repo}/commits/{sha}/pulls", params={"per_page": 100})
        return [_pull(item) for item in reply.items()]

    def set_status(self, sha: str, state: State, context: str, description: str,
                   target_url: str) -> None:
        """Set commit status `context` on `sha` (repeating it is harmless: the last one wins)."""
        payload = {"state": state, "context": context, "description": description}
        if target_url:
            payload["target_url"] = target_url
        self._api.call("POST", f"{self._repo}/statuses/{sha}", json=payload, idempotent=True)

    def release(self, tag: str) -> Release | None:
        """The release of `tag`, or None."""
        reply = self._api.call("GET", f"{self._repo}/releases/tags/{quote(tag, safe='')}",
                               accept=(404,))
        return None if reply.status == 404 else Release(tag, reply.data.get("html_url", ""), False)

    def create_release(self, tag: str, name: str, body: str, target: str) -> Release | None:
        """Create a release of `tag` (GitHub creates the tag at `target` if missing)."""
        payload = {"tag_name": tag, "name": name, "body": body, "target_commitish": target}
        reply = self._api.call("POST", f"{self._repo}/releases", json=payload, accept=(422,))
        if reply.status != 422:
            return Release(tag, reply.data.get("html_url", ""), True)
        errors = (reply.data or {}).get("errors") or []
        if any(isinstance(e, dict) and e.get("code") == "already_exists" for e in errors):
            return None  # someone (or our own lost attempt) made it first
        raise ForgeError(f"GitHub: POST /{self._repo}/releases -> 422: {errors or reply.data}")

    def open_pull(self, branch: str, base: str) -> PullRequest | None:
        """The open PR from `branch` (in this repository) into `base`, if any."""
        owner = self._context.repo.split("/")[0]
        reply = self._api.call("GET", f"{self._repo}/pulls", params={
            "head": f"{owner}:{branch}", "base": base, "state": "open", "per_page": 100})
        found = [_pull(item) for item in reply.items()]
        return min(found, key=lambda p: p.number) if found else None

    def create_pull(self, branch: str, base: str, title: str, body: str) -> PullRequest | None:
        """Open a PR from `branch` into `base`; None when one exists already (422)."""
        payload = {"title": title, "head": branch, "base": base, "body": body}
        reply = self._api.call("POST", f"{self._repo}/pulls", json=payload, accept=(422,))
        if reply.status != 422:
            return _pull(reply.data)
        if "already exists" in str(reply.data).lower():
            return None
        raise ForgeError(f"GitHub: POST /{self._repo}/pulls -> 422: {reply.data}")

    def update_pull(self, number: int, title: str, body: str) -> PullRequest:
        """Set PR `number`'s title and body."""
        return _pull(self._api.call("PATCH", f"{self._repo}/pulls/{number}",
                                    json={"title": title, "body": body}).data)

    def dispatch(self, workflow: str, ref: str) -> None:
        """Start workflow file `workflow` on branch `ref` (workflow_dispatch; needs
        `actions: write`; allowed with Actions' own GITHUB_TOKEN)."""
        self._api.call("POST", f"{self._repo}/actions/workflows/{quote(workflow, safe='')}"
                       "/dispatches", json={"ref": ref})

    def _hint(self, method: str, path: str, status: int, message: str) -> str | None:
        area = next((key for key in PERMISSION if f"/{key}" in path), "comments")
        if status == 401:
            return ("GITHUB_TOKEN is missing, invalid or expired: pass it to the step with "
                    "`env: GITHUB_TOKEN: ${{ github.token }}`")
        if status == 403 and self._context.fork and method != "GET":
            return ("this pull request comes from a fork, so its GITHUB_TOKEN is read-only: "
                    "post from the workflow_run comment workflow that `mlci ci generate` writes")
        if status == 403 and "not accessible by integration" in message.lower():
            need = PERMISSION.get(area, "pull-requests: write")
            return f"the job needs `permissions: {need}` for GITHUB_TOKEN"
        if status == 404:
            return f"check GITHUB_REPOSITORY ({self._context.repo}) and the token's access to it"
        return None


def next_link(header: str) -> str | None:
    """The URL marked rel="next" in a `Link` header, or None (pure)."""
    for part in header.split(","):
        url, _, rest = part.partition(";")
        if any(p.strip().replace(" ", "") in ('rel="next"', "rel=next") for p in rest.split(";")):
            return url.strip().strip("<>")
    return None


def _comment(data: Any) -> Comment:
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise ForgeError(f"GitHub: unexpected comment in reply: {str(data)[:200]}")
    return Comment(data["id"], data.get("body") or "", (data.get("user") or {}).get("login", ""),
                   data.get("html_url", ""))


def _pull(data: Any) -> PullRequest:
    if not isinstance(data, dict) or not isinstance(data.get("number"), int):
        raise ForgeError(f"GitHub: unexpected pull request in reply: {str(data)[:200]}")
    head = data.get("head") or {}
    head_repo = str((head.get("repo") or {}).get("full_name") or "")
    base_repo = str(((data.get("base") or {}).get("repo") or {}).get("full_name") or "")
    # a deleted fork has no head repository: still not the base one
    fork = bool(base_repo) and head_repo.casefold() != base_repo.casefold()
    return PullRequest(int(data["number"]), head.get("sha", ""), data.get("state") == "open",
                       head_repo, fork, data.get("html_url", ""))
