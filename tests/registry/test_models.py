"""`mlci models get/list/show/history` from a fresh clone: what a deployment does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlci.project.artifacts import model_names
from support.commands import commit_all, git, mlci, run


def _retrain(project: Path, c: str) -> None:
    mlci("repro", "-S", f"train.C={c}", cwd=project)
    commit_all(project, f"train with C={c}")


def test_get_the_prod_model_in_a_fresh_clone(project: Path, tmp_path: Path) -> None:
    prod_bytes = (project / "models" / "model.pkl").read_bytes()
    mlci("publish", "classifier", "--stage", "staging", cwd=project)
    mlci("promote", "classifier", "v0.0.1", "prod", cwd=project)
    _retrain(project, "2.0")
    latest_bytes = (project / "models" / "model.pkl").read_bytes()
    assert latest_bytes != prod_bytes, "the test needs two different models"
    mlci("publish", "classifier", "--bump", "minor", "--stage", "staging", cwd=project)

    clone = tmp_path / "deploy"
    run(["git", "clone", "-q", str(project.parent / "origin.git"), str(clone)], cwd=tmp_path)
    assert not (clone / ".dvc" / "cache").exists()
    mlci("models", "get", "classifier#prod", "-o", str(tmp_path / "prod.pkl"), cwd=clone)
    assert (tmp_path / "prod.pkl").read_bytes() == prod_bytes
    got = mlci("models", "get", "classifier", cwd=clone)  # the latest, to its own file name
    assert "classifier v0.1.0" in got.stdout
    assert (clone / "model.pkl").read_bytes() == latest_bytes
    exists = mlci("models", "get", "classifier@v0.1.0", cwd=clone, expect=1)
    assert "already exists" in exists.stderr
    mlci("models", "get", "classifier@v0.0.1", "--force", cwd=clone)
    assert (clone / "model.pkl").read_bytes() == prod_bytes

    listing = json.loads(mlci("models", "list", "--json", cwd=clone).stdout)
    assert listing["classifier"]["stages"] == {"prod": "v0.0.1", "staging": "v0.1.0"}
    shown = json.loads(mlci("models", "show", "classifier", "--json", cwd=clone).stdout)
    assert [(v["version"], v["stages"]) for v in shown] == [("v0.1.0", ["staging"]),
                                                            ("v0.0.1", ["prod"])]
    assert shown[0]["commit"] == git(project, "rev-parse", "HEAD")
    table = mlci("models", "show", "classifier", cwd=clone).stdout
    assert "accuracy" in table.splitlines()[0] and "v0.0.1" in table


def test_get_errors_name_what_exists(project: Path) -> None:
    mlci("publish", "classifier", "--stage", "staging", cwd=project)
    missing_stage = mlci("models", "get", "classifier#prod", cwd=project, expect=1)
    assert "no version of classifier is in stage 'prod'" in missing_stage.stderr
    assert "staging" in missing_stage.stderr
    missing_model = mlci("models", "get", "regressor", cwd=project, expect=1)
    assert "no model named 'regressor'" in missing_model.stderr
    assert "classifier" in missing_model.stderr
    bad = mlci("models", "get", "classifier@1.0", cwd=project, expect=1)
    assert "v1.2.3" in bad.stderr and "Traceback" not in bad.stderr


def test_list_shows_declared_but_unpublished_models(project: Path) -> None:
    listing = json.loads(mlci("models", "list", "--json", cwd=project).stdout)
    assert listing == {"classifier": {"latest": None, "stages": {}, "versions": [],
                                      "deprecated": False}}
    text = mlci("models", "list", cwd=project).stdout
    assert "classifier" in text and "-" in text
    history = mlci("models", "history", "classifier", cwd=project, expect=1)
    assert "no model named 'classifier' in the registry" in history.stderr


def test_history_table(project: Path) -> None:
    mlci("publish", "classifier", "--stage", "staging", cwd=project)
    mlci("promote", "classifier", "v0.0.1", "prod", cwd=project)
    lines = mlci("models", "history", "classifier", cwd=project).stdout.splitlines()
    assert [line.split()[-1] for line in lines[2:]] == [
        "classifier@v0.0.1", "classifier#staging#1", "classifier#prod#2"]


def test_failed_get_leaves_nothing_behind(project: Path, tmp_path: Path) -> None:
    mlci("publish", "classifier", cwd=project)
    clone = tmp_path / "deploy"
    run(["git", "clone", "-q", str(project.parent / "origin.git"), str(clone)], cwd=tmp_path)
    for blob in (project.parent / "dvc-remote").rglob("*"):
        if blob.is_file():
            blob.unlink()  # the remote lost the artifact: the download fails
    out = tmp_path / "serve"
    out.mkdir()
    (out / "model.pkl").write_text("the model being served")
    failed = mlci("models", "get", "classifier", "--force", "-o", str(out / "model.pkl"),
                  cwd=clone, expect=1)
    assert "neither in this machine's DVC cache nor in the DVC remote 'storage'" in failed.stderr
    assert [p.name for p in out.iterdir()] == ["model.pkl"]
    assert (out / "model.pkl").read_text() == "the model being served"


def test_get_to_an_unwritable_place_is_one_clear_error(project: Path) -> None:
    mlci("publish", "classifier", cwd=project)
    (project / "NOTES.md").write_text("a file, not a directory\n")
    bad = mlci("models", "get", "classifier", "-o", str(project / "NOTES.md" / "m.pkl"),
               cwd=project, expect=1)
    assert "cannot write the artifact there" in bad.stderr and "Traceback" not in bad.stderr
    assert "NOTES.md/m.pkl" in bad.stderr


@pytest.mark.parametrize(("dvc_yaml", "names"), [
    (None, ()),
    ("stages: {}\n", ()),
    (("artifacts:\n  zeta: {path: z.pkl, type: model}\n  alpha: {path: a.pkl, type: model}\n"
      "  data: {path: d.csv, type: dataset}\n  untyped: {path: u.bin}\n"), ("alpha", "zeta")),
    ("artifacts:\n  broken: {type: model}\n  ok: {path: m.pkl, type: model}\n", ("ok",)),
])
def test_model_names(tmp_path: Path, dvc_yaml: str | None, names: tuple[str, ...]) -> None:
    if dvc_yaml is not None:
        (tmp_path / "dvc.yaml").write_text(dvc_yaml)
    assert model_names(tmp_path) == names
