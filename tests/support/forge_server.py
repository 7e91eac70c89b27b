"""A fake GitHub + GitLab REST API that keeps state, for tests and for end-to-end runs.

In tests, use the `forge` fixture (tests/conftest.py): a `FakeForge` on 127.0.0.1:<random port>.
As a process (for act / gitlab-ci-local runs):

    cd tests && python -m support.forge_server --port 0 --port-file PORT_FILE --state STATE.json

GitHub answers at the root (GITHUB_API_URL=http://127.0.0.1:PORT), GitLab under /api/v4
(CI_API_V4_URL=http://127.0.0.1:PORT/api/v4). The state file, if given, seeds the server at
start and is rewritten after every request (pulls, comments, statuses, releases, requests).
Control endpoints, for a test driving a server in another process:
GET /_fake/state, POST /_fake/seed (a state fragment: pulls, comments, tokens), POST /_fake/faults
(a list of `Fault` fields).

Split by responsibility: forge_state.py (what it stores and the faults), forge_api.py (the
endpoints), this file (HTTP plumbing, the `FakeForge` handle, job environments, the process).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from support.forge_api import Api
from support.forge_state import Fault, Request, Store  # noqa: F401  (re-exported for tests)

AUTH_HEADERS = ("Authorization", "PRIVATE-TOKEN", "JOB-TOKEN")


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
        if fault is not None and fault.drop == "before":
            return self._drop()
        if fault is None or fault.drop == "after" or fault.handled:
            reply = self.api.handle(call, f"http://{self.headers.get('Host', '127.0.0.1')}")
            store.save()
        if fault is None:
            return self._send(*reply)
        if fault.drop == "after":
            return self._drop()
        self._send(fault.status, fault.headers,
                   fault.body if fault.body is not None else {"message": "fault"})

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
        data = b"" if status == 204 else json.dumps(body).encode()  # 204: no content at all
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

    def __enter__(self) -> FakeForge:
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
        tmp.replace(args.port_file)
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
