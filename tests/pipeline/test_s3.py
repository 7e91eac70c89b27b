"""DVC remotes on S3 (a local moto server): `mlci init --remote s3://... --remote-endpoint`,
`mlci repro --push`, a fresh clone's `mlci repro --pull` that retrains nothing, `mlci publish`
and `mlci models get` through S3."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.commands import commit_all, git, mlci
from support.projects import copy_project
from support.s3 import CREDENTIALS, S3, s3_server


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    with s3_server() as server:
        yield server


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


def model_md5(root: Path) -> str:
    lock = (root / "dvc.lock").read_text()
    return lock.split("path: models/model.pkl", 1)[1].split("md5: ", 1)[1].split()[0]


def test_push_pull_publish_and_get_through_s3(trained_template: Path, tmp_path: Path, s3: S3,
                                              credentials: None) -> None:
    root = copy_project(trained_template, tmp_path)
    mlci("init", str(root), "--remote", s3.url("team"), "--remote-endpoint", s3.endpoint,
         cwd=tmp_path)
    config = [line.strip() for line in (root / ".dvc" / "config").read_text().splitlines()]
    assert config[config.index("['remote \"storage\"']") + 1:] == [
        "url = s3://mlci-test/team", f"endpointurl = {s3.endpoint}"]
    commit_all(root, "the team's S3 remote")
    git(root, "push", "-q", "origin", "main")

    pushed = json.loads(mlci("repro", "--push", "--json", cwd=root).stdout)
    assert pushed["pushed"] > 0
    keys = s3.keys("team")
    md5 = model_md5(root)
    assert f"files/md5/{md5[:2]}/{md5[2:]}" in keys
    assert any(key.startswith("runs/") for key in keys)  # the run-cache

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), str(clone))
    fresh = json.loads(mlci("repro", "--pull", "--json", cwd=clone).stdout)
    assert "ran" not in {stage["status"] for stage in fresh["stages"]}, fresh
    model = (root / "models" / "model.pkl").read_bytes()
    assert (clone / "models" / "model.pkl").read_bytes() == model

    mlci("publish", "classifier", "--bump", "patch", cwd=root)
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), str(other))
    assert not (other / ".dvc" / "cache").exists()  # so the model can only come from S3
    mlci("models", "get", "classifier@v0.0.1", "-o", str(tmp_path / "got.pkl"), cwd=other)
    assert (tmp_path / "got.pkl").read_bytes() == model


def test_without_credentials_the_push_fails_with_one_line(trained_template: Path,
                                                          tmp_path: Path, s3: S3,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    root = copy_project(trained_template, tmp_path)
    mlci("init", str(root), "--remote", s3.url("nocreds"), "--remote-endpoint", s3.endpoint,
         cwd=tmp_path)
    result = mlci("repro", "--push", cwd=root, expect=1)
    assert "Traceback" not in result.stderr
    assert (f"mlci: error: the DVC remote 'storage' ({s3.url('nocreds')}) refused access: "
            "Unable to locate credentials\n") in result.stderr
    assert "ci.dvc_remote_secrets" in result.stderr.splitlines()[-1]
    assert s3.keys("nocreds") == set()


@pytest.mark.parametrize(
    ("args", "problem"),
    [(["--remote-endpoint", "http://127.0.0.1:9"], "needs an s3:// --remote"),
     (["--remote", "/tmp/x", "--remote-endpoint", "http://127.0.0.1:9"],
      "needs an s3:// --remote"),
     (["--remote", "s3://b/p", "--remote-endpoint", "127.0.0.1:9"],
      "expected an http(s):// URL, got '127.0.0.1:9'")],
)
def test_remote_endpoint_needs_an_s3_remote_and_a_url(tmp_path: Path, args: list[str],
                                                      problem: str) -> None:
    result = mlci("init", str(tmp_path / "p"), *args, cwd=tmp_path, expect=2)
    assert problem in result.stderr
    assert not (tmp_path / "p").exists()
