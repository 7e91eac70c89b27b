"""The package meets its own standard: ruff and mypy --strict report nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.commands import REPO_ROOT

BIN = Path(sys.executable).parent


def test_ruff_finds_nothing() -> None:
    proc = subprocess.run([str(BIN / "ruff"), "check", "toolkit", "tests", "bench"], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_finds_nothing() -> None:
    proc = subprocess.run([str(BIN / "mypy"), "--strict", "toolkit/mlci"], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
