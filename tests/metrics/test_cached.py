"""Issue 15, defect 3: metrics that live in the DVC cache. A clone has none of the cache:
mlci fetches them from the DVC remote (and then agrees with `dvc metrics diff`), or diff,
report and gate say exactly which revision's file is unavailable and why. Also a bare
metric name that two files hold: the gate asks for `file:key`."""

from __future__ import annotations

import json
import shutil
from importlib.util import find_spec
from pathlib import Path

import pytest

from support.adopted import NO_AWS, Adopted, clone, copy, point_remote
from support.commands import dvc, git, mlci

FILES = ("dvclive/metrics.json", "eval/metrics.json")


def test_a_clone_fetches_cached_metrics_and_agrees_with_dvc(adopted: Adopted,
                                                             tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)
    ours = mlci("diff", "HEAD~2", "HEAD", "--json", cwd=root)
    assert ours.stderr == ""  # nothing unavailable: both revisions fetched from the remote
    theirs = json.loads(dvc(root, "metrics", "diff", "HEAD~2", "HEAD", "--json").stdout)
    assert json.loads(ours.stdout)["metrics"] == theirs
    assert set(theirs) == set(FILES)
    assert (root / ".dvc" / "cache").is_dir()  # fetched into this clone's cache


def _unreachable(adopted: Adopted, tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A clone whose DVC remote cannot give it the metrics, and how mlci must say why."""
    root = clone(adopted, tmp_path)
    for name in FILES:  # head (the workspace) has its metrics; the commits' are remote only
        shutil.copy(adopted.root / name, root / name)
    if kind == "empty":
        empty = tmp_path / "empty-remote"
        empty.mkdir()
        point_remote(root, str(empty))
        return root, f"in neither this machine's DVC cache nor the DVC remote 'storage' ({empty})"
    point_remote(root, "s3://mlci-bucket/store", endpointurl="http://127.0.0.1:9")
    where = "the DVC remote 'storage' (s3://mlci-bucket/store)"
    if find_spec("dvc_s3") is None:
        return root, (f"not in this machine's DVC cache, and {where} needs the DVC plugin "
                      "dvc-s3, which is not installed")
    return root, f"not in this machine's DVC cache, and {where} refused access"


@pytest.mark.parametrize("kind", ["empty", "s3"])
def test_unavailable_metrics_are_named_in_diff_report_and_gate(
        adopted: Adopted, tmp_path: Path, kind: str) -> None:
    root, why = _unreachable(adopted, tmp_path, kind)
    base = git(root, "rev-parse", "--short=7", "HEAD~1")
    proc = mlci("diff", "HEAD~1", "--json", cwd=root, env=NO_AWS)
    warnings = proc.stderr.splitlines()
    assert len(warnings) == 2
    for line, name in zip(warnings, FILES, strict=True):
        assert line.startswith(f"mlci: warning: {name} at HEAD~1 ({base}) is a DVC output "
                               "(dvc.lock md5 "), line
        assert why in line
    data = json.loads(proc.stdout)
    assert sorted(data["unavailable"]["base"]) == list(FILES) and data["unavailable"]["head"] == {}
    assert data["metrics"]["eval/metrics.json"]["acc"] == {"old": None, "new": 0.85,
                                                          "verdict": "unavailable"}
    table = mlci("diff", "HEAD~1", cwd=root, env=NO_AWS).stdout
    assert "eval/metrics.json     acc       unavailable" in table

    (root / "mlci.yaml").write_text(
        "metrics:\n  eval/metrics.json:acc: {direction: higher, min: 0.5, max_drop: 0.1}\n")
    gate = json.loads(mlci("gate", "--base", "HEAD~1", "--json", cwd=root, env=NO_AWS,
                           expect=1).stdout)
    outcomes = {r["rule"]: (r["outcome"], r["reason"]) for r in gate["rules"]}
    assert outcomes["min"] == ("pass", "0.85 >= min 0.5")
    assert outcomes["max_drop"][0] == "fail"
    assert outcomes["max_drop"][1].startswith("unavailable at base: eval/metrics.json is a DVC ")
    assert why in outcomes["max_drop"][1]

    text = mlci("report", "--base", "HEAD~1", "--trend", "0", cwd=root, env=NO_AWS).stdout
    assert "### Unavailable metrics" in text
    assert f"| base `{base}` | eval/metrics.json | a DVC output (dvc.lock md5 " in text
    assert "| eval/metrics.json:acc | unavailable | 0.85 |" in text


def test_a_bare_name_in_two_files_must_name_its_file(adopted: Adopted, tmp_path: Path) -> None:
    root = copy(adopted, tmp_path)
    (root / "mlci.yaml").write_text("metrics:\n  acc: {min: 0.1}\n  loss: {max: 1}\n")
    gate = json.loads(mlci("gate", "--json", cwd=root, expect=1).stdout)
    reasons = {r["metric"]: (r["outcome"], r["reason"]) for r in gate["rules"]}
    assert reasons["acc"] == ("fail", "ambiguous at head: dvclive/metrics.json, eval/metrics.json "
                              "all have it; name one in mlci.yaml, e.g. 'dvclive/metrics.json:acc'")
    assert reasons["loss"][0] == "pass"  # one file has it: the bare name is enough
    (root / "mlci.yaml").write_text("metrics:\n  eval/metrics.json:acc: {min: 0.1}\n")
    assert mlci("gate", cwd=root).stdout.splitlines()[-1] == "gate passed: 1 rule"
