"""`mlci serve --follow`: the stage moves under a steady request loop, not one request fails;
a version that does not verify is refused and the old one keeps serving."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from support.commands import commit_all, git, mlci
from support.serving import Published, Server, dvc_objects, malicious_pickle, publish, serving

FOLLOW_TIMEOUT = 120.0


class Load:
    """Requests in a loop until stopped: statuses and the versions that answered."""

    def __init__(self, server: Server, body: dict[str, Any]) -> None:
        self.server, self.body = server, body
        self.statuses: Counter[int] = Counter()
        self.versions: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import httpx

        with httpx.Client(base_url=self.server.url, timeout=30) as client:
            while not self._stop.is_set():
                answer = client.post("/v2/models/classifier/infer", json=self.body)
                self.statuses[answer.status_code] += 1
                if answer.status_code == 200:
                    version = answer.json()["model_version"]
                    if not self.versions or self.versions[-1] != version:
                        self.versions.append(version)

    def wait_for(self, version: str) -> None:
        deadline = time.monotonic() + FOLLOW_TIMEOUT
        while time.monotonic() < deadline:
            if version in self.versions:
                return
            time.sleep(0.2)
        pytest.fail(f"the server never served {version}: {self.versions}\n"
                    f"{self.server.output()}")


def _infer_body(published: Published) -> dict[str, Any]:
    row = published.test_rows().head(1)
    return {"inputs": [{"name": "x", "shape": [1, row.shape[1]], "datatype": "FP64",
                        "data": row.to_numpy().reshape(-1).tolist()}]}


def _swaps(server: Server, outcome: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(server.client.get("/metrics").text):
        for sample in family.samples:
            if sample.name == "mlci_model_swaps_total" and sample.labels["outcome"] == outcome:
                return float(sample.value)
    return 0.0


def test_follow_swaps_without_a_failed_request(trained_template: Path, tmp_path: Path) -> None:
    deployed = publish(trained_template, tmp_path)
    root = deployed.root
    mlci("repro", "-S", "train.C=0.3", cwd=root)
    commit_all(root, "retrain with C=0.3")
    git(root, "push", "-q", "origin", "main")
    mlci("publish", "classifier", "--stage", "staging", cwd=root)
    args = ["classifier#prod", "--follow", "1"]
    with serving(args, deployed.clone, tmp_path / "log") as server, \
            Load(server, _infer_body(deployed)) as load:
        assert server.client.get("/v2/models/classifier").json()["versions"] == ["v0.0.1"]
        mlci("promote", "classifier", "v0.0.2", "prod", cwd=root)  # pushes the tag to origin
        load.wait_for("v0.0.2")

        # v0.0.3: the same model at a new commit, its object replaced in the remote and in the
        # deployment's cache: it must be refused while v0.0.2 keeps answering
        (root / "NOTES.md").write_text("a note\n")
        commit_all(root, "a note")
        git(root, "push", "-q", "origin", "main")
        third = json.loads(mlci("publish", "classifier", "--stage", "staging", "--json",
                                cwd=root).stdout)
        assert third["version"] == "v0.0.3"
        md5 = json.loads(mlci("models", "get", "classifier@v0.0.3", "--json", "-o",
                              str(tmp_path / "v3.pkl"), cwd=root).stdout)["md5"]
        marker = tmp_path / "pwned"
        for copy in dvc_objects(deployed.remote, md5) + dvc_objects(deployed.clone / ".dvc",
                                                                    md5):
            copy.chmod(0o644)
            copy.write_bytes(malicious_pickle(marker))
        mlci("promote", "classifier", "v0.0.3", "prod", cwd=root)
        deadline = time.monotonic() + FOLLOW_TIMEOUT
        while _swaps(server, "refused") < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _swaps(server, "refused") == 1, server.output()
        assert server.client.get("/v2/models/classifier").json()["versions"] == ["v0.0.2"]
    assert load.statuses == Counter({200: sum(load.statuses.values())}), load.statuses
    assert load.versions == ["v0.0.1", "v0.0.2"]
    assert "--follow: classifier v0.0.1 -> v0.0.2" in server.output()
    assert "refused classifier v0.0.3, still serving v0.0.2" in server.output()
    assert not marker.exists()
