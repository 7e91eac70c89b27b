"""A model is loaded only after its md5 matches the registry: a swapped remote object (a
malicious pickle) is refused by `models get`, `predict` and `serve`, and never runs."""

from __future__ import annotations

import json
from pathlib import Path

from mlci.registry import modelcard
from support.commands import git, mlci, mlci_process, run
from support.serving import Published, dvc_objects, free_port, malicious_pickle


def _clone(project: Path, where: Path) -> Path:
    run(["git", "clone", "-q", str(project.parent / "origin.git"), str(where)], cwd=where.parent)
    return where


def test_swapped_remote_object_is_refused_everywhere(project: Path, tmp_path: Path) -> None:
    """Issue 16 item 4: the attack writes a pickle over the remote's object; nothing loads it."""
    mlci("publish", "classifier", cwd=project)
    md5 = json.loads(mlci("models", "get", "classifier", "--json", "-o",
                          str(tmp_path / "good.pkl"), cwd=project).stdout)["md5"]
    objects = dvc_objects(project.parent / "dvc-remote", md5)
    assert len(objects) == 1
    marker = tmp_path / "pwned"
    objects[0].write_bytes(malicious_pickle(marker))
    clone = _clone(project, tmp_path / "deploy")
    out = tmp_path / "out"
    out.mkdir()

    got = mlci("models", "get", "classifier", "-o", str(out / "model.pkl"), cwd=clone, expect=1)
    assert f"dvc.lock records {md5}; refused, nothing was written" in got.stderr
    assert list(out.iterdir()) == []
    bundle = mlci("models", "get", "classifier", "--bundle", "-o", str(out / "b"), cwd=clone,
                  expect=1)
    assert "refused" in bundle.stderr and list(out.iterdir()) == []

    rows = project / "data" / "prepared" / "test.csv"
    scored = mlci("predict", "classifier", str(rows), "-o", str(out / "p.csv"), cwd=clone,
                  expect=1)
    assert "refused" in scored.stderr and list(out.iterdir()) == []
    served = mlci_process("serve", "classifier", "--port", str(free_port()), cwd=clone, expect=1)
    assert "refused" in served.stderr and "Uvicorn running" not in served.stderr
    assert not marker.exists(), "the planted pickle ran"


def test_bundle_is_verified_again_where_it_is_served(published: Published,
                                                     tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    got = json.loads(mlci("models", "get", "classifier#prod", "--bundle", "-o", str(bundle),
                          "--json", cwd=published.clone).stdout)
    assert (got["version"], got["stage"]) == ("v0.0.1", "prod")
    manifest = json.loads((bundle / "mlci-model.json").read_text())
    assert manifest["md5"] == got["md5"] and manifest["file"] == "model.pkl"
    assert (bundle / "model.pkl").read_bytes() == (published.root / "models" /
                                                   "model.pkl").read_bytes()
    rows = published.root / "data" / "prepared" / "test.csv"
    mlci("predict", str(rows), "--bundle", str(bundle), "-o", str(tmp_path / "ok.csv"),
         cwd=tmp_path)
    marker = tmp_path / "pwned"
    (bundle / "model.pkl").write_bytes(malicious_pickle(marker))
    refused = mlci("predict", str(rows), "--bundle", str(bundle), "-o", str(tmp_path / "p.csv"),
                   cwd=tmp_path, expect=1)
    assert "its manifest records; refused" in refused.stderr
    assert not marker.exists() and not (tmp_path / "p.csv").exists()


def test_model_card_carries_the_signature(published: Published) -> None:
    message = git(published.root, "tag", "-l", "--format=%(contents)", "classifier@v0.0.1")
    card = modelcard.parse(message)
    assert card is not None
    columns = list(published.test_rows().columns)
    assert card.signature["inputs"] == [{"name": c, "dtype": "float64"} for c in columns]
    assert card.signature["outputs"] == {"classes": [0, 1], "predict_proba": True}
    assert "| mean_radius | float64 |" in message
    assert "Signature: 30 input columns; outputs `predict` (classes: 0, 1)" in message


def test_default_reference_is_the_first_model_in_compare_to(published: Published,
                                                             tmp_path: Path) -> None:
    rows = published.root / "data" / "prepared" / "test.csv"
    result = json.loads(mlci("predict", str(rows), "-o", str(tmp_path / "p.csv"), "--json",
                             cwd=published.clone).stdout)
    assert (result["name"], result["version"], result["stage"]) == ("classifier", "v0.0.1",
                                                                    "prod")


def test_md5_of_is_what_dvc_records_for_files_and_directories(published: Published) -> None:
    import yaml

    from mlci.pipeline import md5_of

    lock = yaml.safe_load((published.root / "dvc.lock").read_text())
    recorded = {out["path"]: out["md5"] for stage in lock["stages"].values()
                for out in stage.get("outs", [])}
    for path in ("models/model.pkl", "data/prepared", "data/raw.csv"):
        assert md5_of(published.root / path) == recorded[path], path
    assert recorded["data/prepared"].endswith(".dir")
