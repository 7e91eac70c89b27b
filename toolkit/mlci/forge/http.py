"""The one small HTTP layer under github.py and gitlab.py: timeouts, retries, clear errors."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from mlci.errors import ForgeError
from mlci.forge import retry
from mlci.forge.job import Token

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})
TIMEOUT_SECONDS = 30.0
MAX_PAGES = 1000  # 100,000 comments: beyond that a forge that keeps paging is broken
Hint = Callable[[str, str, int, str], "str | None"]


class UncertainWrite(ForgeError):
    """A write whose outcome is unknown (connection lost, 5xx): read back before repeating it."""


@dataclass(frozen=True)
class Reply:
    """A response the caller accepted: status, parsed JSON, headers (lower-case keys)."""

    status: int
    data: Any
    headers: Mapping[str, str] = field(repr=False)
    what: str = ""

    def items(self) -> list[dict[str, Any]]:
        """The JSON list of objects a list endpoint returns, or a ForgeError saying otherwise."""
        if not isinstance(self.data, list) or not all(isinstance(i, dict) for i in self.data):
            raise ForgeError(f"{self.what}: expected a JSON list of objects, got "
                             f"{str(self.data)[:100]!r}")
        return self.data

    def text(self, key: str) -> str:
        """The non-empty string under `key` of a JSON object reply, or a ForgeError."""
        value = self.data.get(key) if isinstance(self.data, dict) else None
        if not isinstance(value, str) or not value:
            raise ForgeError(f"{self.what}: expected an object with a {key!r} string, got "
                             f"{str(self.data)[:100]!r}")
        return value


def message_of(response: httpx.Response) -> str:
    """The forge's own words from an error body: `message`, GitHub `errors`, GitLab `error`."""
    try:
        data = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if not isinstance(data, dict):
        return str(data)[:300]
    text = str(data.get("message") or data.get("error") or "").strip()
    details = [e.get("message", "") if isinstance(e, dict) else str(e)
               for e in data.get("errors", []) or [] if e]
    return "; ".join(part for part in [text, *details] if part)[:500] or response.reason_phrase


class Api:
    """A forge API at `base_url` with `token` sent in one header and never shown anywhere."""

    def __init__(self, label: str, base_url: str, token: Token | None, auth_header: str,
                 headers: Mapping[str, str], hint: Hint, notify: Callable[[str], None],
                 max_wait: float) -> None:
        self.label, self.base_url = label, base_url.rstrip("/")
        self._token, self._hint, self._notify, self._max_wait = token, hint, notify, max_wait
        secret = {auth_header: auth_value(auth_header, token)} if token else {}
        self._client = httpx.Client(
            base_url=self.base_url + "/", headers={**headers, **secret}, follow_redirects=False,
            timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=10.0),
        )

    def __repr__(self) -> str:
        return f"Api({self.label!r}, {self.base_url!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
             json: Any = None, accept: tuple[int, ...] = (), idempotent: bool | None = None,
             ) -> Reply:
        """Send with retries; a 2xx or a status in `accept` is returned, anything else raised."""
        safe = method in IDEMPOTENT if idempotent is None else idempotent
        url = self._relative(path)
        for attempt in range(1, retry.REQUEST_ATTEMPTS + 1):
            response = self._send(method, url, params, json, safe, attempt)
            if response is None:
                continue
            if response.is_success or (response.status_code in accept
                                       and not _rate_limited(response)):
                return _reply(response, f"{self.label}: {method} {_path_of(path)}")
            self._wait_or_raise(method, path, response, safe, attempt)
        raise AssertionError("unreachable: the last attempt raises")

    def _relative(self, path: str) -> str:
        if "://" not in path:
            return path.lstrip("/")
        # a next-page link: follow it only to the same API, or the token would leave with it
        if not path.startswith(self.base_url + "/"):
            host = urlsplit(path).netloc
            raise ForgeError(f"{self.label}: refusing to follow a link to another host ({host})")
        return path[len(self.base_url) + 1:]

    def _send(self, method: str, url: str, params: Mapping[str, Any] | None, json: Any,
              safe: bool, attempt: int) -> httpx.Response | None:
        try:
            return self._client.request(method, url, params=params, json=json)
        except httpx.TransportError as exc:
            shown = f"{method} /{url}"
            never_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
            problem = f"{type(exc).__name__}: {self._redact(str(exc)) or 'connection lost'}"
            if not (safe or never_sent):
                raise UncertainWrite(f"{self.label}: {shown}: {problem}; "
                                     "the forge may or may not have done it") from None
            if attempt == retry.REQUEST_ATTEMPTS:
                raise ForgeError(f"{self.label}: {shown}: {problem}",
                                 hint=f"check that {self.base_url} is reachable") from None
            self._sleep(retry.backoff(attempt), f"{shown}: {problem}")
            return None

    def _wait_or_raise(self, method: str, path: str, response: httpx.Response, safe: bool,
                       attempt: int) -> None:
        message = self._redact(message_of(response))
        status = response.status_code
        shown = f"{method} {_path_of(path)}"
        decision = retry.decide(status, response.headers, message, attempt, time.time())
        if decision is not None and attempt < retry.REQUEST_ATTEMPTS:
            if status >= 500 and not safe:
                raise UncertainWrite(f"{self.label}: {shown} -> {status}: {message}")
            if not (decision.primary_limit and decision.wait > self._max_wait):
                self._sleep(decision.wait, f"{shown} -> {status}: {decision.reason}")
                return
        error = f"{self.label}: {shown} -> {status} {response.reason_phrase}: {message}"
        if decision is not None and decision.primary_limit:
            error += f" (rate limit resets in {decision.wait:.0f} s)"
        raise ForgeError(error, hint=self._hint(method, path, status, message))

    def _sleep(self, wanted: float, what: str) -> None:
        wait = min(wanted, self._max_wait)
        capped = f" (wanted {wanted:.0f}s; MLCI_MAX_RETRY_WAIT caps it)" if wait < wanted else ""
        self._notify(f"{self.label}: {what}; retrying in {wait:.0f}s{capped}")
        time.sleep(wait)

    def _redact(self, text: str) -> str:
        return redact(text, self._token.reveal() if self._token else "")


def redact(text: str, secret: str) -> str:
    """`text` without `secret`, as written and as Python, bytes, JSON and URLs escape it (pure):
    httpx shows a bad header as `b'Bearer ...\\n'`, which the raw string does not match."""
    if not secret:
        return text
    forms = {secret, repr(secret)[1:-1], repr(secret.encode("utf-8"))[2:-1],
             json.dumps(secret)[1:-1], quote(secret, safe="")}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def auth_value(header: str, token: Token | None) -> str:
    """The header value carrying `token`: `Bearer T` for Authorization, else T itself."""
    value = token.reveal() if token else ""
    return f"Bearer {value}" if header.lower() == "authorization" else value


def _rate_limited(response: httpx.Response) -> bool:
    """A rate limit, whatever statuses the caller accepts (a 403 may be one): retried."""
    return retry.decide(response.status_code, response.headers, message_of(response), 1,
                        time.time()) is not None


def _path_of(path: str) -> str:
    if "://" not in path:
        return "/" + path.lstrip("/")
    parts = urlsplit(path)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _reply(response: httpx.Response, what: str) -> Reply:
    try:
        data = response.json() if response.content else None
    except ValueError:
        data = None
    return Reply(response.status_code, data, response.headers, what)
