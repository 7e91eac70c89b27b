"""`mlci serve` as the tests run it: a real uvicorn process on a free loopback port."""

from __future__ import annotations

import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.commands import mlci, run
from support.projects import copy_project

START_TIMEOUT = 120.0  # a cold start imports DVC, scikit-learn and uvicorn on a busy machine


@dataclass(frozen=True)
class Published:
    """The developer's checkout, its bare origin and DVC remote, and a deployment's clone."""

    root: Path
    origin: Path
    remote: Path
    clone: Path

    def model(self) -> Any:
        """The published model, unpickled from the developer's own workspace (trusted)."""
        return pickle.loads((self.root / "models" / "model.pkl").read_bytes())

    def test_rows(self) -> Any:
        """The test split as a pandas DataFrame of features (no target)."""
        import pandas as pd

        return pd.read_csv(self.root / "data" / "prepared" / "test.csv").drop(columns="target")


def publish(trained_template: Path, where: Path) -> Published:
    """A copy of the trained project with v0.0.1 in staging and prod, and a fresh clone."""
    root = copy_project(trained_template, where)
    mlci("publish", "classifier", "--stage", "staging", cwd=root)
    mlci("promote", "classifier", "v0.0.1", "prod", cwd=root)
    clone = where / "deploy"
    run(["git", "clone", "-q", str(where / "origin.git"), str(clone)], cwd=where)
    return Published(root, where / "origin.git", where / "dvc-remote", clone)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running `mlci serve`; `url` is its base URL."""

    process: subprocess.Popen[str]
    port: int
    log: Path
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.url, timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def terminate(self) -> int:
        """SIGTERM, then the exit code (the server must stop by itself)."""
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"mlci serve ignored SIGTERM\n{self.output()}")


def start(args: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None) -> Server:
    """`mlci serve ARGS --port P`, waited for until /v2/health/ready answers 200."""
    port = free_port()
    handle = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "mlci", "serve", *args, "--port", str(port)], cwd=cwd,
        stdout=handle, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})})
    handle.close()
    server = Server(process, port, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"mlci serve exited {process.returncode}\n{server.output()}")
        try:
            if server.client.get("/v2/health/ready").status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.terminate()
    pytest.fail(f"mlci serve did not become ready\n{server.output()}")


@contextmanager
def serving(args: list[str], cwd: Path, log: Path) -> Iterator[Server]:
    server = start(args, cwd, log)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.terminate()


class Planted:
    """A pickle that, when loaded, writes a marker file: proof that untrusted code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


def malicious_pickle(marker: Path) -> bytes:
    """Bytes that unpickle into `Path(marker).write_text("pwned")`."""
    return pickle.dumps(Planted(marker))


def dvc_objects(root: Path, md5: str) -> list[Path]:
    """Every copy of the object `md5` in `root` (a DVC cache or a local remote)."""
    return [p for p in root.rglob(md5[2:]) if p.is_file() and p.parent.name == md5[:2]]
