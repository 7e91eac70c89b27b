"""Issue 15, defect 5: the registry of a project whose versions GTO registered (not mlci),
seen from a fresh clone: what `gto show` lists, metrics read at each version's commit (as
`dvc metrics show` reads them), the tags' time zones, and `models get` from a remote that
cannot be reached."""

from __future__ import annotations

import json
import re
from pathlib import Path

from support.adopted import GTO, Adopted, clone, closed_port, point_remote
from support.commands import dvc, mlci, run


def test_list_shows_what_gto_shows_and_no_dataset(adopted: Adopted, tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)
    gto = json.loads(run([str(GTO), "show", "--json"], cwd=root).stdout)
    ours = json.loads(mlci("models", "list", "--json", cwd=root).stdout)
    assert set(ours) == set(gto) == {"clf"}  # `data` is a dataset artifact: no model
    assert (ours["clf"]["latest"], ours["clf"]["stages"]) == (
        gto["clf"]["version"], gto["clf"]["stage"]) == ("v0.2.0", {"prod": "v0.1.0"})
    assert "data" not in mlci("models", "list", cwd=root).stdout
    missing = mlci("models", "show", "data", cwd=root, expect=1)
    assert "no model named 'data' in the registry" in missing.stderr


def test_show_reads_metrics_at_each_versions_commit(adopted: Adopted, tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)  # no DVC cache: the cached metrics come from the remote
    shown = json.loads(mlci("models", "show", "clf", "--json", cwd=root).stdout)
    assert [(v["version"], v["commit"]) for v in shown] == [
        ("v0.2.0", adopted.commits[1]), ("v0.1.0", adopted.commits[0])]
    dvc_metrics = json.loads(dvc(adopted.root, "metrics", "show", "-A", "--json").stdout)
    for version in shown:
        files = dvc_metrics[version["commit"]]["data"]
        expected = {"loss": files["dvclive/metrics.json"]["data"]["loss"],
                    "step": files["dvclive/metrics.json"]["data"]["step"],
                    "roc_auc": files["eval/metrics.json"]["data"]["roc_auc"],
                    "dvclive/metrics.json:acc": files["dvclive/metrics.json"]["data"]["acc"],
                    "eval/metrics.json:acc": files["eval/metrics.json"]["data"]["acc"]}
        assert version["metrics"] == expected, version["version"]


def test_the_human_table_keeps_the_tags_time_zone(adopted: Adopted, tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)
    (root / "mlci.yaml").write_text("metrics:\n  roc_auc: {direction: higher}\n")
    lines = mlci("models", "show", "clf", cwd=root).stdout.splitlines()
    assert lines[0].split() == ["version", "commit", "date", "stages", "roc_auc"]
    # GTO stamps its tags with the current time in the zone of GIT_COMMITTER_DATE (+02:00)
    newest, oldest = lines[2].split(), lines[3].split()
    assert newest[:2] == ["v0.2.0", adopted.commits[1][:7]] and newest[4:] == ["+02:00", "-",
                                                                               "0.9"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", " ".join(newest[2:4]))
    assert oldest[4:6] == ["+02:00", "prod"]


def test_get_says_why_the_remote_gave_nothing(adopted: Adopted, tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)
    out = tmp_path / "prod.pkl"
    got = mlci("models", "get", "clf#prod", "-o", str(out), cwd=root)
    assert "clf v0.1.0" in got.stdout
    assert out.read_text() == "lr=0.1 rows=20"  # the model GTO registered, from the remote
    out.unlink()

    url = f"http://127.0.0.1:{closed_port()}/dvc"
    point_remote(root, url)
    failed = mlci("models", "get", "clf#prod", "-o", str(out), cwd=root, expect=1)
    error, hint = failed.stderr.splitlines()
    assert error.startswith(f"mlci: error: could not reach the DVC remote 'storage' ({url}): ")
    assert "Connect" in error and hint.startswith("hint: check the URL and the network")
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["clone"]

    empty = tmp_path / "empty"
    empty.mkdir()
    point_remote(root, str(empty))
    failed = mlci("models", "get", "clf#prod", "-o", str(out), cwd=root, expect=1)
    assert failed.stderr.splitlines()[0] == (
        f"mlci: error: models/model.pkl at {adopted.commits[0][:7]} is neither in this "
        f"machine's DVC cache nor in the DVC remote 'storage' ({empty})")
