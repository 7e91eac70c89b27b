"""GitLab REST v4: merge request notes, merge requests, commit statuses and releases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from mlci import __version__
from mlci.errors import ForgeError
from mlci.forge.http import MAX_PAGES, Api
from mlci.forge.job import Context
from mlci.forge.protocol import Comment, Notify, PullRequest, Release, State

COMMENT_LIMIT = 1_000_000
STATES = {"success": "success", "failure": "failed", "error": "failed", "pending": "pending"}
TOKEN_HINT = ("GitLab's CI_JOB_TOKEN cannot write merge request notes or commit statuses: "
              "set MLCI_GITLAB_TOKEN to a project access token (role Reporter or higher, "
              "scope `api`; Developer for statuses) in a masked CI/CD variable")


class Gitlab:
    """A client for one project of a GitLab API (`CI_API_V4_URL`)."""

    name = "GitLab"
    comment_limit = COMMENT_LIMIT

    def __init__(self, context: Context, notify: Notify) -> None:
        self._context = context
        self._project = f"projects/{quote(context.repo, safe='')}"
        header = "JOB-TOKEN" if context.token_name == "CI_JOB_TOKEN" else "PRIVATE-TOKEN"
        self._api = Api("GitLab", context.api_url, context.token, header,
                        {"Accept": "application/json", "User-Agent": f"mlci/{__version__}"},
                        self._hint, notify, context.max_wait)

    def close(self) -> None:
        """Close the connection."""
        self._api.close()

    def identity(self) -> str:
        """The username this token posts as (GET /user; a project token's is its bot user)."""
        return self._api.call("GET", "user").text("username")

    def comments(self, pr: int) -> Iterator[Comment]:
        """Every user note on MR `pr`, following `x-next-page` over all pages."""
        page = "1"
        for _ in range(MAX_PAGES):
            reply = self._api.call("GET", f"{self._project}/merge_requests/{pr}/notes", params={
                "per_page": 100, "page": page, "sort": "asc", "order_by": "created_at"})
            yield from (_note(item) for item in reply.items() if not item.get("system"))
            page = reply.headers.get("x-next-page", "").strip()
            if not page:
                return
        raise ForgeError(f"GitLab: MR !{pr} has more than {MAX_PAGES} pages of notes")

    def create_comment(self, pr: int, body: str) -> Comment:
        """POST a new note (not retried blindly: see http.UncertainWrite)."""
        reply = self._api.call("POST", f"{self._project}/merge_requests/{pr}/notes",
                               json={"body": body})
        return _note(reply.data)

    def update_comment(self, pr: int, comment_id: int, body: str) -> Comment:
        """PUT note `comment_id` to `body`."""
        reply = self._api.call("PUT", f"{self._project}/merge_requests/{pr}/notes/{comment_id}",
                               json={"body": body})
        return _note(reply.data)

    def plan(self, pr: int | str, sha: str) -> dict[str, str]:
        """The requests `mlci comment` makes, as "METHOD /path" (for --dry-run)."""
        project, notes = f"/{self._project}", f"/{self._project}/merge_requests/{pr}/notes"
        return {"identity": "GET /user",
                "lookup": f"GET {project}/repository/commits/{sha}/merge_requests",
                "pull": f"GET {project}/merge_requests/{pr}", "list": f"GET {notes}",
                "create": f"POST {notes}", "update": f"PUT {notes}/ID"}

    def pull(self, pr: int) -> PullRequest:
        """MR `pr`: its head SHA."""
        return _merge_request(self._api.call("GET", f"{self._project}/merge_requests/{pr}").data)

    def pulls_for_commit(self, sha: str) -> list[PullRequest]:
        """The merge requests that contain commit `sha`."""
        reply = self._api.call("GET", f"{self._project}/repository/commits/{sha}/merge_requests")
        return [_merge_request(item) for item in reply.items()]

    def set_status(self, sha: str, state: State, context: str, description: str,
                   target_url: str) -> None:
        """Set commit status `context` on `sha` (GitLab's `name`)."""
        payload = {"state": STATES[state], "name": context, "description": description}
        if target_url:
            payload["target_url"] = target_url
        self._api.call("POST", f"{self._project}/statuses/{sha}", json=payload, idempotent=True)

    def release(self, tag: str) -> Release | None:
        """The release of `tag`, or None."""
        reply = self._api.call("GET", f"{self._project}/releases/{quote(tag, safe='')}",
                               accept=(404,))
        return None if reply.status == 404 else Release(tag, _release_url(reply.data), False)

    def create_release(self, tag: str, name: str, body: str, target: str) -> Release | None:
        """Create a release of `tag` (GitLab creates the tag at `target` if missing)."""
        payload = {"tag_name": tag, "name": name, "description": body, "ref": target}
        reply = self._api.call("POST", f"{self._project}/releases", json=payload, accept=(409,))
        return None if reply.status == 409 else Release(tag, _release_url(reply.data), True)

    def open_pull(self, branch: str, base: str) -> PullRequest | None:
        """The open merge request from `branch` into `base`, if any."""
        reply = self._api.call("GET", f"{self._project}/merge_requests", params={
            "source_branch": branch, "target_branch": base, "state": "opened", "per_page": 100})
        found = [_merge_request(item) for item in reply.items()]
        return min(found, key=lambda p: p.number) if found else None

    def create_pull(self, branch: str, base: str, title: str, body: str) -> PullRequest | None:
        """Open a merge request from `branch` into `base`; None when one exists already (409)."""
        payload = {"source_branch": branch, "target_branch": base, "title": title,
                   "description": body}
        reply = self._api.call("POST", f"{self._project}/merge_requests", json=payload,
                               accept=(409,))
        return None if reply.status == 409 else _merge_request(reply.data)

    def update_pull(self, number: int, title: str, body: str) -> PullRequest:
        """Set merge request `number`'s title and description."""
        return _merge_request(self._api.call(
            "PUT", f"{self._project}/merge_requests/{number}",
            json={"title": title, "description": body}).data)

    def dispatch(self, workflow: str, ref: str) -> None:
        """Nothing to do: a push by a project access token starts the branch's pipeline."""

    def _hint(self, method: str, path: str, status: int, message: str) -> str | None:
        if status in (401, 403) and self._context.token_name == "CI_JOB_TOKEN":
            return TOKEN_HINT
        if status == 401:
            return "MLCI_GITLAB_TOKEN is missing, invalid or expired"
        if status == 403:
            return "MLCI_GITLAB_TOKEN needs scope `api` and role Reporter (Developer for statuses)"
        if status == 404:
            return f"check CI_PROJECT_ID ({self._context.repo}) and the token's access to it"
        return None


def _note(data: Any) -> Comment:
    if not isinstance(data, dict) or "id" not in data:
        raise ForgeError(f"GitLab: unexpected note in reply: {str(data)[:200]}")
    return Comment(int(data["id"]), data.get("body") or "",
                   (data.get("author") or {}).get("username", ""))


def _merge_request(data: Any) -> PullRequest:
    if not isinstance(data, dict) or not isinstance(data.get("iid"), int):
        raise ForgeError(f"GitLab: unexpected merge request in reply: {str(data)[:200]}")
    source = str(data.get("source_project_id") or "")
    target = str(data.get("target_project_id") or data.get("project_id") or "")
    return PullRequest(int(data["iid"]), data.get("sha") or "", data.get("state") == "opened",
                       source, bool(source and target) and source != target,
                       str(data.get("web_url") or ""))


def _release_url(data: Any) -> str:
    links = data.get("_links") if isinstance(data, dict) else None
    return (links or {}).get("self", "") if isinstance(links, dict) else ""
