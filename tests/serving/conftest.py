"""A published project for the serving tests: v0.0.1 in prod, a clone that deploys it."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.serving import Published, publish


@pytest.fixture(scope="session")
def published(trained_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Published:
    """v0.0.1 published to staging and promoted to prod; a fresh clone of the origin."""
    return publish(trained_template, tmp_path_factory.mktemp("published"))
