"""GTO itself, in its own virtual environment, reads the registry mlci writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.commands import REPO_ROOT, commit_all, mlci, run

GTO_VENV = REPO_ROOT / ".ci" / "gto-venv"
REQUIREMENTS = REPO_ROOT / ".ci" / "gto-requirements.txt"


@pytest.fixture(scope="session")
def gto() -> Path:
    """`.ci/gto-venv/bin/gto`, which scripts/test installs from .ci/gto-requirements.txt."""
    exe = GTO_VENV / "bin" / "gto"
    if not exe.exists():
        pytest.fail(f"GTO is not installed in {GTO_VENV}: run scripts/test (it installs it from "
                    f"{REQUIREMENTS.relative_to(REPO_ROOT)})")
    return exe


def _at(second: int) -> dict[str, str]:
    """GTO orders tags by their time; give each step its own second (mlci needs no such help)."""
    return {"GIT_COMMITTER_DATE": f"2026-01-01T00:00:{second:02d}+00:00"}


def _commit(project: Path, name: str) -> None:
    (project / name).write_text(name)
    commit_all(project, f"add {name}")


def test_gto_show_lists_what_mlci_published(project: Path, gto: Path) -> None:
    mlci("publish", "classifier", "--bump", "minor", "--stage", "staging", cwd=project,
         env=_at(1))
    mlci("promote", "classifier", "v0.1.0", "prod", cwd=project, env=_at(2))
    _commit(project, "A.md")
    mlci("publish", "classifier", "--bump", "minor", "--stage", "staging", cwd=project,
         env=_at(3))
    _commit(project, "B.md")
    mlci("publish", "classifier", cwd=project, env=_at(4))

    shown = json.loads(run([str(gto), "show", "--json"], cwd=project).stdout)
    assert shown == {"classifier": {
        "version": "v0.2.1", "stage": {"prod": "v0.1.0", "staging": "v0.2.0"},
        "registered": True, "active": True,
    }}
    ours = json.loads(mlci("models", "list", "--json", cwd=project).stdout)["classifier"]
    assert ours["latest"] == shown["classifier"]["version"]
    assert ours["stages"] == shown["classifier"]["stage"]

    versions = json.loads(run([str(gto), "show", "classifier", "--json"], cwd=project).stdout)
    assert [v["version"] for v in versions] == ["v0.2.1", "v0.2.0", "v0.1.0"]
    stages = {v["version"]: sorted(s["stage"] for s in v["stages"]) for v in versions}
    assert stages == {"v0.2.1": [], "v0.2.0": ["staging"], "v0.1.0": ["prod"]}
    tags = {v["version"]: v["ref"] for v in versions}
    assert tags["v0.1.0"] == "classifier@v0.1.0"
    history = json.loads(run([str(gto), "history", "classifier", "--json"], cwd=project).stdout)
    assert {e["ref"] for e in history} >= {"classifier#staging#1", "classifier#prod#2",
                                           "classifier#staging#3"}
