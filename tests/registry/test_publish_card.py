"""The model card's data hashes: stages with `wdir:`, pipelines in subdirectories, `dvc add`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mlci.registry import modelcard
from support.commands import commit_all, dvc, git, mlci

ROOT_DVC_YAML = """\
stages:
  prep:
    wdir: data
    cmd: python -c "open('raw.txt', 'w').write('raw rows')"
    outs: [raw.txt]
"""
SUB_DVC_YAML = """\
stages:
  train:
    wdir: work
    cmd: python -c "open('model.bin', 'w').write('weights v1')"
    outs: [model.bin]
artifacts:
  net:
    path: work/model.bin
    type: model
"""


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """A root pipeline whose stage has a wdir, a second pipeline in sub/, an added file."""
    root = tmp_path / "repo"
    for directory in (root / "data", root / "sub" / "work", root / "extra"):
        directory.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    dvc(root, "init", "-q")
    dvc(root, "remote", "add", "-d", "storage", str(tmp_path / "dvc-remote"))
    (root / "dvc.yaml").write_text(ROOT_DVC_YAML + "artifacts:\n  added:\n"
                                   "    path: extra/weights.bin\n    type: model\n")
    (root / "sub" / "dvc.yaml").write_text(SUB_DVC_YAML)
    (root / "extra" / "weights.bin").write_text("added weights")
    dvc(root, "add", "-q", "extra/weights.bin")
    dvc(root, "repro", "-q", "dvc.yaml", "sub/dvc.yaml")
    commit_all(root, "two pipelines, one added file")
    return root


def _card(root: Path, tag: str) -> modelcard.ModelCard:
    card = modelcard.parse(git(root, "tag", "-l", "--format=%(contents)", tag))
    assert card is not None
    return card


def test_card_hashes_follow_wdir_and_subdirectories(monorepo: Path) -> None:
    published = json.loads(mlci("publish", "sub:net", "--no-push", "--json", cwd=monorepo).stdout)
    assert published["tags"] == ["sub=net@v0.0.1"]
    card = _card(monorepo, "sub=net@v0.0.1")
    assert card.path == "sub/work/model.bin"
    assert card.artifact_md5 == _md5("weights v1")
    assert card.data == {"data/raw.txt": _md5("raw rows"), "sub/work/model.bin": _md5("weights v1")}


def test_card_of_an_added_artifact_has_its_hash(monorepo: Path) -> None:
    mlci("publish", "added", "--no-push", cwd=monorepo)
    assert _card(monorepo, "added@v0.0.1").artifact_md5 == _md5("added weights")


def test_card_tables_are_well_formed_whatever_the_values() -> None:
    """A param value or column name holding a pipe or a line break stays in its cell, and
    the card still reads back from its machine-readable line (GFM parser, markdown-it-py)."""
    from support.gfm import tables

    card = modelcard.ModelCard(
        "classifier", "v0.1.0", "0" * 40, "models/model.pkl",
        metrics={"acc": 0.9}, params={"prepare.sep": "a|b", "train.note": "two\nlines"},
        signature={"inputs": [{"name": "x|y", "dtype": "float64"}],
                   "outputs": {"classes": [0, 1], "predict_proba": True}})
    text = modelcard.render(card)
    found = {t.header: t.rows for t in tables(text)}
    assert found[("param", "value")] == (("prepare.sep", "a|b"), ("train.note", "two lines"))
    assert found[("input", "dtype")] == (("x|y", "float64"),)
    assert modelcard.parse(text) == card
