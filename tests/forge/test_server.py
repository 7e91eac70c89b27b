"""The fake forge as a separate process (how act / gitlab-ci-local runs reach it)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support.commands import REPO_ROOT, mlci
from support.forge_server import github_env, iter_requests

HEAD = "0123456789abcdef0123456789abcdef01234567"
TOKEN = "ghs_pr0cessT0ken"


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    state, port_file = tmp_path / "state.json", tmp_path / "port"
    state.write_text(json.dumps({"pulls": [{"forge": "github", "repo": "octo/proj",
                                            "number": 5, "head_sha": HEAD}]}))
    proc = subprocess.Popen([sys.executable, "-m", "support.forge_server", "--port", "0",
                             "--state", str(state), "--port-file", str(port_file)],
                            stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT / "tests")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once it listens
        assert line.startswith("fake forge listening on http://127.0.0.1:"), line
        assert line.strip().endswith(port_file.read_text())
        yield line.split()[-1], state
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_server_process_is_seeded_driven_and_recorded_through_its_state_file(
        server_process: tuple[str, Path], tmp_path: Path) -> None:
    url, state = server_process
    faults = [{"path": "/issues/5/comments$", "method": "POST", "drop": "after"}]
    assert httpx.post(f"{url}/_fake/faults", json=faults).status_code == 200
    env = github_env(url, tmp_path, head_sha=HEAD, token=TOKEN)
    (tmp_path / "r.md").write_text("report")
    mlci("comment", "r.md", cwd=tmp_path, env=env)
    data = json.loads(state.read_text())
    assert [c["body"] for c in data["comments"]] == ["<!-- mlci-report -->\nreport"]
    calls = [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in iter_requests(state)]
    assert calls == [("GET", "user"), ("GET", "comments"), ("POST", "comments"),
                     ("GET", "comments")]
    assert all(r["auth"] == f"Bearer {TOKEN}" for r in iter_requests(state))
    live = httpx.get(f"{url}/_fake/state").json()
    assert live["comments"] == data["comments"] and live["faults"] == []

