"""End-to-end scenarios: one fake forge per module, shared by its ordered steps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.forge_server import FakeForge


@pytest.fixture(scope="module")
def forge() -> Iterator[FakeForge]:
    """The root `forge`, kept for the whole module: each step sees what the earlier posted."""
    with FakeForge() as server:
        yield server
