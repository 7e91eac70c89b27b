"""A fake GitHub + GitLab REST API that keeps state, for tests and for end-to-end runs.

In tests, use the `forge` fixture (tests/conftest.py): a `FakeForge` on 127.0.0.1:<random port>.
As a process (for act / gitlab-ci-local runs):

    python tests/forge_server.py --port 0 --port-file PORT_FILE --state STATE.json

GitHub answers at the root (GITHUB_API_URL=http://127.0.0.1:PORT), GitLab under /api/v4
(CI_API_V4_URL=http://127.0.0.1:PORT/api/v4). The state file, if given, seeds the server at
start and is rewritten after every request (pulls, comments, statuses, releases, requests).
Control endpoints, for a test driving a server in another process:
GET /_fake/state, POST /_fake/seed (a state fragment: pulls, comments, tokens), POST /_fake/faults
(a list of `Fault` fields).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

GITHUB_LIMIT = 65_536
GITLAB_LIMIT = 1_000_000
GITHUB_STATES = {"error", "failure", "pending", "success"}
GITLAB_STATES = {"pending", "running", "success", "failed", "canceled"}
AUTH_HEADERS = ("Authorization", "PRIVATE-TOKEN", "JOB-TOKEN")
Reply = tuple[int, dict[str, str], Any]


@dataclass
class Fault:
    """Answer the next `times` requests matching `method` and `path` (a regex) with `status`.

    `drop="before"` closes the connection without handling the request; `drop="after"`
    handles it (the comment is created) and then closes the connection without replying.
    """

    path: str = ""
    method: str = "*"
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    times: int = 1
    drop: str = ""

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
            for key in ("pulls", "comments", "statuses", "releases"):
                getattr(self, key).extend(data.get(key, []))
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
            os.replace(tmp, self.state_file)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    def pull(self, forge: str, repo: str, number: int) -> dict[str, Any] | None:
        return next((p for p in self.pulls if (p["forge"], p["repo"], p["number"])
                     == (forge, repo, number)), None)

    def thread(self, forge: str, repo: str, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments
                if (c["forge"], c["repo"], c["number"]) == (forge, repo, number)]


class Api:
    """The REST endpoints: each handler takes (store, call, match groups) and returns a Reply."""

    def __init__(self, store: Store) -> None:
        self.store = store
        gh, gl = r"/repos/(?P<repo>[^/]+/[^/]+)", r"/api/v4/projects/(?P<repo>[^/]+)"
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Reply]]] = [
            (m, re.compile(p + "$"), h) for m, p, h in [
                ("GET", gh + r"/pulls/(?P<n>\d+)", self.gh_pull),
                ("GET", gh + r"/commits/(?P<sha>\w+)/pulls", self.gh_commit_pulls),
                ("GET", gh + r"/issues/(?P<n>\d+)/comments", self.gh_comments),
                ("POST", gh + r"/issues/(?P<n>\d+)/comments", self.gh_create),
                ("PATCH", gh + r"/issues/comments/(?P<id>\d+)", self.gh_update),
                ("POST", gh + r"/statuses/(?P<sha>\w+)", self.gh_status),
                ("POST", gh + r"/releases", self.gh_create_release),
                ("GET", gh + r"/releases/tags/(?P<tag>[^/]+)", self.gh_release),
                ("GET", gl + r"/merge_requests/(?P<n>\d+)", self.gl_mr),
                ("GET", gl + r"/repository/commits/(?P<sha>\w+)/merge_requests", self.gl_commit_mrs),
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
            return _error(forge, 401, "Bad credentials" if forge == "github" else "401 Unauthorized")
        if known.get("read_only") and call.method != "GET":
            return _error(forge, 403, "Resource not accessible by integration")
        return None

    def author(self, forge: str, call: Request) -> str:
        token = call.auth.removeprefix("Bearer ")
        default = "github-actions[bot]" if forge == "github" else "project_bot"
        return str(self.store.tokens.get(token, {}).get("login", default))

    # --- GitHub ---------------------------------------------------------------------------

    def gh_pull(self, call: Request, base: str, repo: str, n: str) -> Reply:
        pull = self.store.pull("github", repo, int(n))
        return (200, {}, _gh_pull(pull)) if pull else _error("github", 404, "Not Found")

    def gh_commit_pulls(self, call: Request, base: str, repo: str, sha: str) -> Reply:
        found = [p for p in self.store.pulls if p["forge"] == "github" and p["repo"] == repo
                 and sha in (p["head_sha"], *p.get("commits", []))]
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

    # --- GitLab ---------------------------------------------------------------------------

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
                   "x-total-pages": str(pages), "x-next-page": str(page + 1) if page < pages else ""}
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
            "head": {"sha": p["head_sha"], "ref": p.get("head_ref", "feature"),
                     "repo": {"full_name": head_repo}},
            "base": {"ref": "main", "repo": {"full_name": p["repo"]}}}


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
            "source_project_id": p.get("head_repo") or p["repo"]}


def _gl_note(c: dict[str, Any]) -> dict[str, Any]:
    return {"id": c["id"], "body": c["body"], "author": {"username": c["author"]},
            "system": c.get("system", False), "noteable_iid": c["number"]}


def _gl_release(r: dict[str, Any]) -> dict[str, Any]:
    return {"tag_name": r["tag_name"], "name": r["name"], "description": r["body"],
            "_links": {"self": f"https://gitlab.invalid/{r['repo']}/-/releases/{r['tag_name']}"}}


class Handler(BaseHTTPRequestHandler):
    """Reads a request, records it, applies faults, answers from the `Api`."""

    protocol_version = "HTTP/1.1"
    api: Api  # set on the subclass made by `FakeForge`

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read requests
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        store = self.api.store
        if parts.path.startswith("/_fake/"):
            return self._control(parts.path, raw)
        call = _record(self, parts.path, parts.query, raw)
        with store.lock:
            store.requests.append(call)
        fault = store.take_fault(call.method, call.path)
        if fault is not None and fault.drop != "after":
            if fault.drop == "before":
                return self._drop()
            return self._send(fault.status, fault.headers,
                              fault.body if fault.body is not None else {"message": "fault"})
        reply = self.api.handle(call, f"http://{self.headers.get('Host', '127.0.0.1')}")
        store.save()
        if fault is not None:
            return self._drop()
        self._send(*reply)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def _control(self, path: str, raw: bytes) -> None:
        store = self.api.store
        if path == "/_fake/seed":
            store.seed(json.loads(raw))
        elif path == "/_fake/faults":
            store.seed({"faults": json.loads(raw)})
        store.save()
        self._send(200, {}, store.snapshot())

    def _drop(self) -> None:
        self.close_connection = True

    def _send(self, status: int, headers: dict[str, str], body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _record(handler: BaseHTTPRequestHandler, path: str, query: str, raw: bytes) -> Request:
    try:
        body: Any = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode("utf-8", "replace")
    name = next((h for h in AUTH_HEADERS if handler.headers.get(h)), "")
    keep = ("Accept", "X-GitHub-Api-Version", "User-Agent", "Content-Type")
    return Request(handler.command, path, {k: v[-1] for k, v in parse_qs(query).items()}, body,
                   handler.headers.get(name, "") if name else "", name,
                   {k: handler.headers[k] for k in keep if handler.headers.get(k)})


class FakeForge:
    """The fake forge in a background thread; a context manager, used by the `forge` fixture."""

    def __init__(self, port: int = 0, state_file: Path | None = None,
                 host: str = "127.0.0.1") -> None:
        self.store = Store(state_file)
        handler = type("BoundHandler", (Handler,), {"api": Api(self.store)})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.gitlab_url = self.url + "/api/v4"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeForge:  # noqa: PYI034 (Python 3.10 has no Self)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add_pull(self, repo: str, number: int, head_sha: str, forge: str = "github",
                 **extra: Any) -> None:
        """A pull / merge request; `extra`: state ("open"/"closed"/"merged"), head_repo, commits."""
        self.store.seed({"pulls": [{"forge": forge, "repo": repo, "number": number,
                                    "head_sha": head_sha, **extra}]})

    def add_comments(self, repo: str, number: int, count: int, forge: str = "github",
                     author: str = "someone", body: str = "a human comment") -> list[int]:
        """`count` comments by `author`; returns their ids."""
        items = [{"id": self.store.new_id(), "forge": forge, "repo": repo, "number": number,
                  "body": f"{body} {i}", "author": author} for i in range(count)]
        self.store.seed({"comments": items})
        return [c["id"] for c in items]

    def fault(self, path: str, **fields: Any) -> None:
        """Inject a `Fault` (see its fields) for requests whose path matches regex `path`."""
        self.store.seed({"faults": [{"path": path, **fields}]})

    def comments(self, repo: str, number: int, forge: str = "github") -> list[dict[str, Any]]:
        with self.store.lock:
            return [dict(c) for c in self.store.thread(forge, repo, number)]

    @property
    def requests(self) -> list[Request]:
        with self.store.lock:
            return list(self.store.requests)

    def writes(self) -> list[Request]:
        """The requests that were not GETs."""
        return [r for r in self.requests if r.method != "GET"]


def github_env(server: FakeForge | str, tmp: Path, *, repo: str = "octo/proj", pr: int | None = 5,
               head_sha: str = "", event: str = "pull_request", token: str = "",
               head_repo: str | None = None, **extra: str) -> dict[str, str]:
    """The variables of a GitHub Actions job on `event` against `server` (or a URL), its
    payload written under `tmp`."""
    payload: dict[str, Any] = {}
    if pr is not None and event.startswith("pull_request"):
        payload["pull_request"] = {"number": pr, "head": {
            "sha": head_sha, "repo": {"full_name": head_repo or repo}}}
    event_file = tmp / f"event-{event}.json"
    event_file.write_text(json.dumps(payload))
    url = server if isinstance(server, str) else server.url
    env = {"GITHUB_ACTIONS": "true", "GITHUB_API_URL": url, "GITHUB_REPOSITORY": repo,
           "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(event_file),
           "GITHUB_SHA": "f" * 40, "MLCI_MAX_RETRY_WAIT": "0", **extra}
    if token:
        env["GITHUB_TOKEN"] = token
    return env


def gitlab_env(server: FakeForge | str, *, project: str = "42", iid: int | None = 5, sha: str = "",
               token: str = "", token_var: str = "MLCI_GITLAB_TOKEN",
               **extra: str) -> dict[str, str]:
    """The variables of a GitLab CI merge request pipeline against `server` (or its root URL)."""
    url = f"{server}/api/v4" if isinstance(server, str) else server.gitlab_url
    env = {"GITLAB_CI": "true", "CI_API_V4_URL": url, "CI_PROJECT_ID": project,
           "CI_COMMIT_SHA": sha, "CI_PIPELINE_SOURCE": "merge_request_event",
           "MLCI_MAX_RETRY_WAIT": "0", **extra}
    if iid is not None:
        env["CI_MERGE_REQUEST_IID"] = str(iid)
    if token:
        env[token_var] = token
    return env


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake GitHub + GitLab REST API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--state", type=Path, help="JSON state file: seed at start, saved after "
                        "every request")
    parser.add_argument("--port-file", type=Path, help="write the chosen port here when ready")
    args = parser.parse_args(argv)
    server = FakeForge(args.port, args.state, args.host)
    port = server.httpd.server_address[1]
    server.store.save()
    if args.port_file:
        tmp = args.port_file.with_name(args.port_file.name + ".tmp")
        tmp.write_text(str(port))
        os.replace(tmp, args.port_file)
    print(f"fake forge listening on {server.url}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


def iter_requests(state_file: Path) -> Iterator[dict[str, Any]]:
    """The requests recorded in a state file written by a server process."""
    yield from json.loads(state_file.read_text()).get("requests", [])


if __name__ == "__main__":
    sys.exit(main())
