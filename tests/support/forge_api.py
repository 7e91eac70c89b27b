"""The fake forge's REST endpoints: the few GitHub and GitLab calls mlci makes, with state."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from support.forge_state import Reply, Request, Store

GITHUB_LIMIT = 65_536
GITLAB_LIMIT = 1_000_000
GITHUB_STATES = {"error", "failure", "pending", "success"}
GITLAB_STATES = {"pending", "running", "success", "failed", "canceled"}


class Api:
    """The REST endpoints: each handler takes (store, call, match groups) and returns a Reply."""

    def __init__(self, store: Store) -> None:
        self.store = store
        gh, gl = r"/repos/(?P<repo>[^/]+/[^/]+)", r"/api/v4/projects/(?P<repo>[^/]+)"
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Reply]]] = [
            (m, re.compile(p + "$"), h) for m, p, h in [
                ("GET", r"/user", self.gh_user),
                ("GET", r"/api/v4/user", self.gl_user),
                ("GET", gh + r"/pulls/(?P<n>\d+)", self.gh_pull),
                ("GET", gh + r"/commits/(?P<sha>\w+)/pulls", self.gh_commit_pulls),
                ("GET", gh + r"/issues/(?P<n>\d+)/comments", self.gh_comments),
                ("POST", gh + r"/issues/(?P<n>\d+)/comments", self.gh_create),
                ("PATCH", gh + r"/issues/comments/(?P<id>\d+)", self.gh_update),
                ("POST", gh + r"/statuses/(?P<sha>\w+)", self.gh_status),
                ("POST", gh + r"/releases", self.gh_create_release),
                ("GET", gh + r"/releases/tags/(?P<tag>[^/]+)", self.gh_release),
                ("GET", gh + r"/pulls", self.gh_pulls),
                ("POST", gh + r"/pulls", self.gh_create_pull),
                ("PATCH", gh + r"/pulls/(?P<n>\d+)", self.gh_update_pull),
                ("POST", gh + r"/actions/workflows/(?P<workflow>[^/]+)/dispatches",
                 self.gh_dispatch),
                ("GET", gl + r"/merge_requests", self.gl_mrs),
                ("POST", gl + r"/merge_requests", self.gl_create_mr),
                ("PUT", gl + r"/merge_requests/(?P<n>\d+)", self.gl_update_mr),
                ("GET", gl + r"/merge_requests/(?P<n>\d+)", self.gl_mr),
                ("GET", gl + r"/repository/commits/(?P<sha>\w+)/merge_requests",
                 self.gl_commit_mrs),
                ("GET", gl + r"/merge_requests/(?P<n>\d+)/notes", self.gl_notes),
                ("POST", gl + r"/merge_requests/(?P<n>\d+)/notes", self.gl_create),
                ("PUT", gl + r"/merge_requests/(?P<n>\d+)/notes/(?P<id>\d+)", self.gl_update),
                ("POST", gl + r"/statuses/(?P<sha>\w+)", self.gl_status),
                ("POST", gl + r"/releases", self.gl_create_release),
                ("GET", gl + r"/releases/(?P<tag>[^/]+)", self.gl_release),
            ]
        ]

    def handle(self, call: Request, base: str) -> Reply:
        forge = "gitlab" if call.path.startswith("/api/v4/") else "github"
        for method, pattern, handler in self.routes:
            match = pattern.match(call.path)
            if match and method == call.method:
                denied = self.check_auth(forge, call)
                if denied:
                    return denied
                args = {k: unquote(v) for k, v in match.groupdict().items()}
                with self.store.lock:
                    return handler(call, base, **args)
        return _error(forge, 404, "Not Found")

    def check_auth(self, forge: str, call: Request) -> Reply | None:
        token = call.auth.removeprefix("Bearer ")
        if forge == "gitlab" and call.auth_header == "JOB-TOKEN" and call.method != "GET" \
                and "/releases" not in call.path:
            return _error(forge, 403, "403 Forbidden")
        if not self.store.tokens:
            return None
        known = self.store.tokens.get(token)
        if known is None:
            unknown = "Bad credentials" if forge == "github" else "401 Unauthorized"
            return _error(forge, 401, unknown)
        if known.get("read_only") and call.method != "GET":
            return _error(forge, 403, "Resource not accessible by integration")
        return None

    def author(self, forge: str, call: Request) -> str:
        """Who a token writes as: its `login` in `tokens`, else the CI's own bot."""
        token = call.auth.removeprefix("Bearer ")
        default = "github-actions[bot]" if forge == "github" else "project_bot"
        return str(self.store.tokens.get(token, {}).get("login", default))

    # --- GitHub ---------------------------------------------------------------------------

    def gh_user(self, call: Request, base: str) -> Reply:
        """Like GitHub: installation tokens (Actions' GITHUB_TOKEN, App tokens `*[bot]`) get 403."""
        login = self.author("github", call)
        if login.endswith("[bot]"):
            return _error("github", 403, "Resource not accessible by integration")
        return 200, {}, {"login": login, "id": 1, "type": "User"}

    def gh_pull(self, call: Request, base: str, repo: str, n: str) -> Reply:
        pull = self.store.pull("github", repo, int(n))
        return (200, {}, _gh_pull(pull)) if pull else _error("github", 404, "Not Found")

    def gh_commit_pulls(self, call: Request, base: str, repo: str, sha: str) -> Reply:
        found = [p for p in map(self.store.refreshed, self.store.pulls) if p["forge"] == "github"
                 and p["repo"] == repo and sha in (p["head_sha"], *p.get("commits", []))]
        return 200, {}, [_gh_pull(p) for p in found]

    def gh_comments(self, call: Request, base: str, repo: str, n: str) -> Reply:
        if not self.store.pull("github", repo, int(n)):
            return _error("github", 404, "Not Found")
        items, per_page, page, pages = _page(self.store.thread("github", repo, int(n)), call, 30,
                                            self.store.max_per_page)
        links = [f'<{base}{call.path}?per_page={per_page}&page={k}>; rel="{rel}"'
                 for k, rel in ((page + 1, "next"), (pages, "last")) if page < pages]
        return 200, {"Link": ", ".join(links)} if links else {}, [_gh_comment(c) for c in items]

    def gh_create(self, call: Request, base: str, repo: str, n: str) -> Reply:
        if not self.store.pull("github", repo, int(n)):
            return _error("github", 404, "Not Found")
        too_long = _too_long("github", call.body)
        if too_long:
            return too_long
        item = {"id": self.store.new_id(), "forge": "github", "repo": repo, "number": int(n),
                "body": call.body["body"], "author": self.author("github", call)}
        self.store.comments.append(item)
        return 201, {}, _gh_comment(item)

    def gh_update(self, call: Request, base: str, repo: str, id: str) -> Reply:
        item = next((c for c in self.store.comments if c["id"] == int(id)
                     and c["forge"] == "github" and c["repo"] == repo), None)
        if item is None:
            return _error("github", 404, "Not Found")
        too_long = _too_long("github", call.body)
        if too_long:
            return too_long
        item["body"] = call.body["body"]
        return 200, {}, _gh_comment(item)

    def gh_status(self, call: Request, base: str, repo: str, sha: str) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        if body.get("state") not in GITHUB_STATES or len(body.get("description") or "") > 140:
            return _error("github", 422, "Validation Failed")
        item = {"id": self.store.new_id(), "forge": "github", "repo": repo, "sha": sha,
                "state": body["state"], "context": body.get("context", "default"),
                "description": body.get("description"), "target_url": body.get("target_url")}
        self.store.statuses.append(item)
        return 201, {}, item

    def gh_create_release(self, call: Request, base: str, repo: str) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        if self._release("github", repo, body.get("tag_name", "")):
            return 422, {}, {"message": "Validation Failed", "errors": [
                {"resource": "Release", "code": "already_exists", "field": "tag_name"}]}
        item = {"id": self.store.new_id(), "forge": "github", "repo": repo,
                "tag_name": body.get("tag_name"), "name": body.get("name"),
                "body": body.get("body"), "target": body.get("target_commitish")}
        self.store.releases.append(item)
        return 201, {}, _gh_release(item)

    def gh_release(self, call: Request, base: str, repo: str, tag: str) -> Reply:
        item = self._release("github", repo, tag)
        return (200, {}, _gh_release(item)) if item else _error("github", 404, "Not Found")

    def _release(self, forge: str, repo: str, tag: str) -> dict[str, Any] | None:
        return next((r for r in self.store.releases if (r["forge"], r["repo"], r["tag_name"])
                     == (forge, repo, tag)), None)

    def gh_pulls(self, call: Request, base: str, repo: str) -> Reply:
        """List PRs, filtered like GitHub by `head=OWNER:BRANCH`, `base` and `state`."""
        head = call.query.get("head", "")
        found = [self.store.refreshed(p) for p in self.store.pulls
                 if p["forge"] == "github" and p["repo"] == repo
                 and (not head or f"{repo.split('/')[0]}:{p.get('head_ref')}" == head)
                 and call.query.get("base", p.get("base", "main")) == p.get("base", "main")
                 and call.query.get("state", "open") in (p.get("state", "open"), "all")]
        return 200, {}, [_gh_pull(p) for p in found]

    def gh_create_pull(self, call: Request, base: str, repo: str) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        if not all(isinstance(body.get(k), str) and body[k] for k in ("title", "head", "base")):
            return _error("github", 422, "Validation Failed")
        if len(body.get("body") or "") > GITHUB_LIMIT:
            return _error("github", 422, "Validation Failed: body is too long")
        if any(p["forge"] == "github" and p["repo"] == repo and p.get("head_ref") ==
               body["head"] and p.get("state", "open") == "open" for p in self.store.pulls):
            return 422, {}, {"message": "Validation Failed", "errors": [
                {"resource": "PullRequest", "code": "custom",
                 "message": f"A pull request already exists for {repo.split('/')[0]}:"
                            f"{body['head']}."}]}
        item = {"forge": "github", "repo": repo, "number": self.store.next_number("github", repo),
                "head_sha": "", "head_ref": body["head"], "base": body["base"],
                "title": body["title"], "body": body.get("body") or "", "state": "open",
                "author": self.author("github", call), "opened_via_api": True}
        self.store.pulls.append(item)
        return 201, {}, _gh_pull(self.store.refreshed(item))

    def gh_update_pull(self, call: Request, base: str, repo: str, n: str) -> Reply:
        pull = self.store.pull("github", repo, int(n))
        body = call.body if isinstance(call.body, dict) else {}
        if pull is None:
            return _error("github", 404, "Not Found")
        if len(body.get("body") or "") > GITHUB_LIMIT:
            return _error("github", 422, "Validation Failed: body is too long")
        pull.update({k: body[k] for k in ("title", "body") if isinstance(body.get(k), str)})
        return 200, {}, _gh_pull(pull)

    def gh_dispatch(self, call: Request, base: str, repo: str, workflow: str) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        if not isinstance(body.get("ref"), str):
            return _error("github", 422, "Invalid request: ref is required")
        self.store.dispatches.append({"repo": repo, "workflow": workflow, "ref": body["ref"],
                                      "inputs": body.get("inputs") or {}})
        return 204, {}, None

    # --- GitLab ---------------------------------------------------------------------------

    def gl_mrs(self, call: Request, base: str, repo: str) -> Reply:
        q = call.query
        found = [self.store.refreshed(p) for p in self.store.pulls
                 if p["forge"] == "gitlab" and p["repo"] == repo
                 and q.get("source_branch", p.get("head_ref")) == p.get("head_ref")
                 and q.get("target_branch", p.get("base", "main")) == p.get("base", "main")
                 and q.get("state", "opened") in ({"open": "opened"}.get(
                     p.get("state", "open"), p.get("state")), "all")]
        return 200, {}, [_gl_mr(p) for p in found]

    def gl_create_mr(self, call: Request, base: str, repo: str) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        if not all(isinstance(body.get(k), str) and body[k]
                   for k in ("source_branch", "target_branch", "title")):
            return _error("gitlab", 400, "source_branch, target_branch and title are required")
        if any(p["forge"] == "gitlab" and p["repo"] == repo and p.get("head_ref") ==
               body["source_branch"] and p.get("state", "open") == "open"
               for p in self.store.pulls):
            return _error("gitlab", 409, "Another open merge request already exists for this "
                          "source branch")
        item = {"forge": "gitlab", "repo": repo, "number": self.store.next_number("gitlab", repo),
                "head_sha": "", "head_ref": body["source_branch"], "base": body["target_branch"],
                "title": body["title"], "body": body.get("description") or "", "state": "open",
                "author": self.author("gitlab", call), "opened_via_api": True}
        self.store.pulls.append(item)
        return 201, {}, _gl_mr(self.store.refreshed(item))

    def gl_update_mr(self, call: Request, base: str, repo: str, n: str) -> Reply:
        pull = self.store.pull("gitlab", repo, int(n))
        body = call.body if isinstance(call.body, dict) else {}
        if pull is None:
            return _error("gitlab", 404, "404 Not found")
        if isinstance(body.get("title"), str):
            pull["title"] = body["title"]
        if isinstance(body.get("description"), str):
            pull["body"] = body["description"]
        return 200, {}, _gl_mr(pull)


    def gl_user(self, call: Request, base: str) -> Reply:
        """The token's user (a project access token's is a bot user); a job token gets 401."""
        if call.auth_header == "JOB-TOKEN":
            return _error("gitlab", 401, "401 Unauthorized")
        login = self.author("gitlab", call)
        return 200, {}, {"id": 1, "username": login, "bot": login.startswith("project_")}

    def gl_mr(self, call: Request, base: str, repo: str, n: str) -> Reply:
        pull = self.store.pull("gitlab", repo, int(n))
        return (200, {}, _gl_mr(pull)) if pull else _error("gitlab", 404, "404 Not found")

    def gl_commit_mrs(self, call: Request, base: str, repo: str, sha: str) -> Reply:
        found = [p for p in self.store.pulls if p["forge"] == "gitlab" and p["repo"] == repo
                 and sha in (p["head_sha"], *p.get("commits", []))]
        return 200, {}, [_gl_mr(p) for p in found]

    def gl_notes(self, call: Request, base: str, repo: str, n: str) -> Reply:
        if not self.store.pull("gitlab", repo, int(n)):
            return _error("gitlab", 404, "404 Not found")
        notes = self.store.thread("gitlab", repo, int(n))
        if call.query.get("sort", "desc") == "desc":
            notes = notes[::-1]
        items, per_page, page, pages = _page(notes, call, 20, self.store.max_per_page)
        headers = {"x-page": str(page), "x-per-page": str(per_page), "x-total": str(len(notes)),
                   "x-total-pages": str(pages),
                   "x-next-page": str(page + 1) if page < pages else ""}
        return 200, headers, [_gl_note(c) for c in items]

    def gl_create(self, call: Request, base: str, repo: str, n: str) -> Reply:
        if not self.store.pull("gitlab", repo, int(n)):
            return _error("gitlab", 404, "404 Not found")
        too_long = _too_long("gitlab", call.body)
        if too_long:
            return too_long
        item = {"id": self.store.new_id(), "forge": "gitlab", "repo": repo, "number": int(n),
                "body": call.body["body"], "author": self.author("gitlab", call)}
        self.store.comments.append(item)
        return 201, {}, _gl_note(item)

    def gl_update(self, call: Request, base: str, repo: str, n: str, id: str) -> Reply:
        item = next((c for c in self.store.thread("gitlab", repo, int(n)) if c["id"] == int(id)),
                    None)
        if item is None:
            return _error("gitlab", 404, "404 Not found")
        too_long = _too_long("gitlab", call.body)
        if too_long:
            return too_long
        item["body"] = call.body["body"]
        return 200, {}, _gl_note(item)

    def gl_status(self, call: Request, base: str, repo: str, sha: str) -> Reply:
        body = {**call.query, **(call.body if isinstance(call.body, dict) else {})}
        if body.get("state") not in GITLAB_STATES:
            return _error("gitlab", 400, "state does not have a valid value")
        item = {"id": self.store.new_id(), "forge": "gitlab", "repo": repo, "sha": sha,
                "state": body["state"], "context": body.get("name", "default"),
                "description": body.get("description"), "target_url": body.get("target_url")}
        self.store.statuses.append(item)
        return 201, {}, item

    def gl_create_release(self, call: Request, base: str, repo: str) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        if self._release("gitlab", repo, body.get("tag_name", "")):
            return _error("gitlab", 409, "Release already exists")
        item = {"id": self.store.new_id(), "forge": "gitlab", "repo": repo,
                "tag_name": body.get("tag_name"), "name": body.get("name"),
                "body": body.get("description"), "target": body.get("ref")}
        self.store.releases.append(item)
        return 201, {}, _gl_release(item)

    def gl_release(self, call: Request, base: str, repo: str, tag: str) -> Reply:
        item = self._release("gitlab", repo, tag)
        return (200, {}, _gl_release(item)) if item else _error("gitlab", 404, "404 Not Found")


def _error(forge: str, status: int, message: str) -> Reply:
    extra = {"documentation_url": "https://docs.github.com/rest"} if forge == "github" else {}
    return status, {}, {"message": message, **extra}


def _too_long(forge: str, body: Any) -> Reply | None:
    if not isinstance(body, dict) or not isinstance(body.get("body"), str):
        return _error(forge, 422 if forge == "github" else 400, "body is missing")
    limit = GITHUB_LIMIT if forge == "github" else GITLAB_LIMIT
    if len(body["body"]) <= limit:
        return None
    if forge == "github":
        return 422, {}, {"message": "Validation Failed", "errors": [
            {"resource": "IssueComment", "code": "custom", "field": "body",
             "message": f"Body is too long (maximum is {limit} characters)"}]}
    return 400, {}, {"message": {"note": [f"is too long (maximum is {limit} characters)"]}}


def _page(items: list[Any], call: Request, default: int,
          cap: int) -> tuple[list[Any], int, int, int]:
    per_page = min(int(call.query.get("per_page", default)), cap)
    page = max(int(call.query.get("page", 1)), 1)
    pages = max((len(items) + per_page - 1) // per_page, 1)
    return items[(page - 1) * per_page: page * per_page], per_page, page, pages


def _gh_pull(p: dict[str, Any]) -> dict[str, Any]:
    head_repo = p.get("head_repo") or p["repo"]
    return {"number": p["number"], "state": p.get("state", "open"),
            "title": p.get("title", ""), "body": p.get("body", ""),
            "html_url": f"https://github.invalid/{p['repo']}/pull/{p['number']}",
            "head": {"sha": p["head_sha"], "ref": p.get("head_ref", "feature"),
                     "repo": {"full_name": head_repo}},
            "base": {"ref": p.get("base", "main"), "repo": {"full_name": p["repo"]}}}


def _gh_comment(c: dict[str, Any]) -> dict[str, Any]:
    return {"id": c["id"], "body": c["body"], "user": {"login": c["author"]},
            "html_url": f"https://github.invalid/{c['repo']}/pull/{c['number']}"
                        f"#issuecomment-{c['id']}"}


def _gh_release(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "tag_name": r["tag_name"], "name": r["name"], "body": r["body"],
            "html_url": f"https://github.invalid/{r['repo']}/releases/tag/{r['tag_name']}"}


def _gl_mr(p: dict[str, Any]) -> dict[str, Any]:
    state = {"open": "opened"}.get(p.get("state", "open"), p.get("state", "open"))
    return {"iid": p["number"], "project_id": p["repo"], "sha": p["head_sha"], "state": state,
            "source_project_id": p.get("head_repo") or p["repo"],
            "source_branch": p.get("head_ref", "feature"), "target_branch": p.get("base", "main"),
            "title": p.get("title", ""), "description": p.get("body", ""),
            "web_url": f"https://gitlab.invalid/{p['repo']}/-/merge_requests/{p['number']}"}


def _gl_note(c: dict[str, Any]) -> dict[str, Any]:
    return {"id": c["id"], "body": c["body"], "author": {"username": c["author"]},
            "system": c.get("system", False), "noteable_iid": c["number"]}


def _gl_release(r: dict[str, Any]) -> dict[str, Any]:
    return {"tag_name": r["tag_name"], "name": r["name"], "description": r["body"],
            "_links": {"self": f"https://gitlab.invalid/{r['repo']}/-/releases/{r['tag_name']}"}}
