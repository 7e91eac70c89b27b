"""`mlci comment` as a GitHub pull_request job against the fake forge."""

from __future__ import annotations

from pathlib import Path

from support.commands import Result, mlci
from support.forge_server import FakeForge, github_env

TOKEN = "ghs_S3cr3tT0kenValue"
REPO = "octo/proj"
HEAD = "3f786850e387550fdab836ed7e6dc881de23001b"
MARK = "<!-- mlci-report -->"


def post(forge: FakeForge, tmp_path: Path, report: str, *args: str, expect: int = 0,
         env: dict[str, str] | None = None, **context: object) -> Result:
    """Run `mlci comment` as a GitHub pull_request job; the token must never be printed."""
    path = tmp_path / "report.md"
    path.write_text(report)
    job = github_env(forge, tmp_path, head_sha=HEAD, token=TOKEN, **context)  # type: ignore[arg-type]
    proc = mlci("comment", str(path), *args, cwd=tmp_path, expect=expect,
                env={**job, **(env or {})})
    assert TOKEN not in proc.stdout + proc.stderr
    return proc
