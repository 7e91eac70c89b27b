"""When to retry a forge request and how long to wait, per GitHub's documented rules (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

REQUEST_ATTEMPTS = 5
BACKOFF_BASE = 1.0
SECONDARY_MIN_WAIT = 60.0
DEFAULT_MAX_WAIT = 120.0


@dataclass(frozen=True)
class Retry:
    """Wait `wait` seconds, then try again; `reason` is said to the user."""

    wait: float
    reason: str
    primary_limit: bool = False


def backoff(attempt: int) -> float:
    """Exponential backoff for attempt 1, 2, 3 ...: 1 s, 2 s, 4 s ..."""
    return BACKOFF_BASE * float(2 ** max(attempt - 1, 0))


def _seconds(text: str | None) -> float | None:
    try:
        return max(float(text), 0.0) if text is not None else None
    except ValueError:
        return None


def decide(status: int, headers: Mapping[str, str], message: str, attempt: int,
           now: float) -> Retry | None:
    """Whether a response with `status` is worth retrying (headers keyed in lower case)."""
    retry_after = _seconds(headers.get("retry-after"))
    if status in (403, 429):
        reset = _seconds(headers.get("x-ratelimit-reset"))
        if headers.get("x-ratelimit-remaining") == "0" and reset is not None:
            # one second past the reset, for clock skew
            return Retry(max(reset - now + 1.0, 0.0), "rate limit used up; waiting for its reset",
                         primary_limit=True)
        if retry_after is not None:
            return Retry(max(retry_after, backoff(attempt) if attempt > 1 else 0.0),
                         "rate limited; the forge sent retry-after")
        if status == 429 or "secondary rate limit" in message.lower():
            return Retry(max(SECONDARY_MIN_WAIT, backoff(attempt)),
                         "secondary rate limit without retry-after")
        return None
    if status >= 500:
        wait = backoff(attempt) if retry_after is None else max(retry_after, backoff(attempt))
        return Retry(wait, f"server error {status}")
    return None


def max_wait(text: str | None) -> float:
    """The longest single wait allowed (env MLCI_MAX_RETRY_WAIT, seconds; default 120)."""
    value = _seconds(text)
    return DEFAULT_MAX_WAIT if value is None else value
