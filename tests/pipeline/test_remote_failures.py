"""Issue 15, defect 1: `mlci repro` without access to the DVC remote, on a fresh clone of a
real-shaped DVC project: one `mlci: error:` line and a hint, never a traceback; dry runs
pull nothing and say what is missing; `--json` prints JSON even on failure."""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path

import pytest

from support.adopted import NO_AWS, Adopted, clone, closed_port, point_remote
from support.commands import mlci

PLUGINS = [("azure", "dvc-azure", "dvc_azure"), ("gs", "dvc-gs", "dvc_gs"),
           ("gdrive", "dvc-gdrive", "dvc_gdrive"), ("oss", "dvc-oss", "dvc_oss")]


def _one_error(stderr: str) -> tuple[str, str]:
    """The error funnel's two lines, and nothing like a traceback around them."""
    lines = [line for line in stderr.splitlines() if line.startswith(("mlci: error:", "hint:"))]
    assert "Traceback" not in stderr and len(lines) == 2, stderr
    return lines[0], lines[1]


def test_s3_remote_without_its_plugin_or_credentials(adopted: Adopted, tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)
    port = closed_port()  # with dvc-s3 installed, any request stays on loopback
    point_remote(root, "s3://mlci-bucket/store", endpointurl=f"http://127.0.0.1:{port}")
    proc = mlci("repro", "--pull", cwd=root, env=NO_AWS, expect=1)
    error, hint = _one_error(proc.stderr)
    where = "the DVC remote 'storage' (s3://mlci-bucket/store)"
    if find_spec("dvc_s3") is None:  # what is installed decides which failure comes first
        assert error == f"mlci: error: {where} needs the DVC plugin dvc-s3, which is not installed"
        assert hint == ("hint: pip install 'dvc[s3]', and add it to requirements.txt so that CI "
                        "installs it too")
    else:
        assert error == f"mlci: error: {where} refused access: Unable to locate credentials"
        assert hint.startswith("hint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    assert not (root / "models" / "model.pkl").exists()


def test_a_remote_whose_plugin_is_missing(adopted: Adopted, tmp_path: Path) -> None:
    missing = [(scheme, plugin) for scheme, plugin, module in PLUGINS if find_spec(module) is None]
    assert missing, "the test needs one DVC plugin that is not installed"
    scheme, plugin = missing[0]
    root = clone(adopted, tmp_path)
    point_remote(root, f"{scheme}://mlci-bucket/store")
    error, hint = _one_error(mlci("repro", "--pull", cwd=root, expect=1).stderr)
    assert error == (f"mlci: error: the DVC remote 'storage' ({scheme}://mlci-bucket/store) "
                     f"needs the DVC plugin {plugin}, which is not installed")
    assert hint == (f"hint: pip install 'dvc[{scheme}]', and add it to requirements.txt so "
                    "that CI installs it too")


def test_unreachable_remote_is_named_with_the_reason(adopted: Adopted, tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)
    url = f"http://127.0.0.1:{closed_port()}/dvc"
    point_remote(root, url)
    proc = mlci("repro", "--pull", cwd=root, expect=1)  # DVC alone warns and retrains
    error, hint = _one_error(proc.stderr)
    assert error.startswith(f"mlci: error: could not reach the DVC remote 'storage' ({url}): ")
    assert "Connect" in error and hint == "hint: check the URL and the network (`dvc remote list`)"
    assert not (root / "models" / "model.pkl").exists()
    json_run = mlci("repro", "--pull", "--json", cwd=root, expect=1)
    assert json.loads(json_run.stdout)["error"]["message"] == error.removeprefix("mlci: error: ")


def test_dry_run_with_pull_pulls_nothing(adopted: Adopted, tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)
    proc = mlci("repro", "--dry-run", "--pull", cwd=root, expect=1)
    error, hint = _one_error(proc.stderr)
    assert error == ("mlci: error: data/data.csv is tracked by DVC (data/data.csv.dvc) but is "
                     "not in the workspace")
    assert hint == ("hint: a dry run pulls nothing: run `dvc pull data/data.csv.dvc` first, or "
                    "drop --dry-run")
    assert not (root / ".dvc" / "cache").exists() and not (root / "data" / "data.csv").exists()


def test_dry_run_with_outputs_missing_reports_and_pulls_nothing(adopted: Adopted,
                                                               tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)
    (root / "data" / "data.csv").write_bytes((adopted.root / "data" / "data.csv").read_bytes())
    summary = json.loads(mlci("repro", "--dry-run", "--pull", "--json", cwd=root).stdout)
    assert {s["name"]: s["status"] for s in summary["stages"]}["train"] == "would_run"
    assert summary["error"] is None
    assert not (root / ".dvc" / "cache").exists()  # nothing fetched, metrics included
    assert not (root / "models" / "model.pkl").exists()


def test_dry_run_on_missing_tracked_input_hints_pull(adopted: Adopted, tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)
    proc = mlci("repro", "--dry-run", cwd=root, expect=1)
    error, hint = _one_error(proc.stderr)
    assert error.endswith("data/data.csv is tracked by DVC (data/data.csv.dvc) but is not in "
                          "the workspace")
    assert hint == ("hint: fetch it from the DVC remote: `mlci repro --pull` (or `dvc pull "
                    "data/data.csv.dvc`)")
    failed = mlci("repro", "--dry-run", "--json", cwd=root, expect=1)
    assert json.loads(failed.stdout) == {  # stdout is JSON on failure too
        "params": [], "stages": [], "metrics": {}, "metrics_vs_head": None, "pushed": None,
        "error": {"message": error.removeprefix("mlci: error: "),
                  "hint": hint.removeprefix("hint: "), "stage": None}}


def test_pull_from_the_reachable_remote_retrains_nothing(adopted: Adopted,
                                                        tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)
    summary = json.loads(mlci("repro", "--pull", "--json", cwd=root).stdout)
    assert "ran" not in {s["status"] for s in summary["stages"]}, summary
    assert (root / "models" / "model.pkl").read_bytes() == (
        adopted.root / "models" / "model.pkl").read_bytes()


def test_files_kept_by_md5_fail_like_every_other_remote_use(
        adopted: Adopted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Monitoring profiles go to the remote outside any stage (`pipeline.blobs`): a refused
    S3 remote is named the same way as for `mlci repro --pull`, with the secrets to set."""
    from mlci.errors import MlciError
    from mlci.pipeline import blobs

    root = clone(adopted, tmp_path)
    point_remote(root, "s3://mlci-bucket/store", endpointurl=f"http://127.0.0.1:{closed_port()}")
    for name, value in NO_AWS.items():
        monkeypatch.setenv(name, value)
    profile = root / "profile.json"
    profile.write_text("{}")
    for call in (lambda: blobs.store(root, profile), lambda: blobs.fetch(root, "0" * 32)):
        with pytest.raises(MlciError) as caught:
            call()
        assert caught.value.message == ("the DVC remote 'storage' (s3://mlci-bucket/store) "
                                        "refused access: Unable to locate credentials")
        assert (caught.value.hint or "").startswith(
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
