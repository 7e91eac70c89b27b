"""Releases: create one per tag, idempotently (for `mlci publish --release`)."""

from __future__ import annotations

from mlci.errors import ForgeError
from mlci.forge import connect
from mlci.forge.http import UncertainWrite
from mlci.forge.job import Context
from mlci.forge.protocol import Notify, Release
from mlci.forge.sticky import fit

BODY_LIMIT = 125_000  # GitHub's release body limit


def ensure_release(context: Context, tag: str, name: str, body: str, target: str,
                   notify: Notify) -> Release:
    """The release of `tag`: the existing one, else a new one at commit `target`."""
    if context.token is None:
        raise ForgeError(f"{context.token_name} is not set: cannot create a release")
    forge = connect(context, notify)
    try:
        existing = forge.release(tag)
        if existing is not None:
            return existing
        try:
            created = forge.create_release(tag, name, fit(body, BODY_LIMIT).text, target)
        except UncertainWrite as exc:
            notify(f"{exc.message}; reading the release back")
            created = None
        if created is not None:
            return created
        again = forge.release(tag)
        if again is None:
            raise ForgeError(f"{forge.name}: the release of {tag} was neither created nor found")
        return again
    finally:
        forge.close()
