"""-S overrides: parsing (a literal table), writing params.yaml (comments kept, nothing partial)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlci.errors import ConfigError
from mlci.project import params


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("train.C=0.5", params.Override("params.yaml", "train.C", 0.5)),
        ("train.max_iter=200", params.Override("params.yaml", "train.max_iter", 200)),
        ("train.name='0.5'", params.Override("params.yaml", "train.name", "0.5")),
        ("train.flag=true", params.Override("params.yaml", "train.flag", True)),
        ("other.yaml:a.b=x", params.Override("other.yaml", "a.b", "x")),
        ("seed=", params.Override("params.yaml", "seed", "")),
        ("a=b=c", params.Override("params.yaml", "a", "b=c")),
    ],
)
def test_parse_override(text: str, expected: params.Override) -> None:
    assert params.parse_override(text) == expected


@pytest.mark.parametrize("text", ["train.C", "=1", "train..C=1", ".C=1", "file.yaml:=3"])
def test_parse_override_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        params.parse_override(text)


PARAMS = "train:\n  C: 1.0   # regularisation\n  max_iter: 100\nprepare:\n  seed: 1\n"


def test_apply_keeps_comments_and_reports_old_values(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text(PARAMS)
    changes = params.apply(tmp_path, [params.parse_override("train.C=0.5"),
                                      params.parse_override("prepare.seed=7")])
    assert changes == [("params.yaml:train.C", 1.0, 0.5), ("params.yaml:prepare.seed", 1, 7)]
    assert (tmp_path / "params.yaml").read_text() == (
        "train:\n  C: 0.5   # regularisation\n  max_iter: 100\nprepare:\n  seed: 7\n"
    )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("train.CC=1", "params.yaml: train.CC: no such parameter"),
        ("nope.C=1", "params.yaml: nope: no such parameter"),
        ("train.C.x=1", "params.yaml: train.C.x: no such parameter"),
        ("train=1", "params.yaml: train: is a section, not a value"),
    ],
)
def test_apply_refuses_unknown_keys_and_writes_nothing(
    tmp_path: Path, override: str, message: str
) -> None:
    (tmp_path / "params.yaml").write_text(PARAMS)
    good = params.parse_override("prepare.seed=9")
    with pytest.raises(ConfigError) as caught:
        params.apply(tmp_path, [good, params.parse_override(override)])
    assert caught.value.message == message
    assert (tmp_path / "params.yaml").read_text() == PARAMS


def test_unknown_key_hint_lists_known_parameters(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text(PARAMS)
    with pytest.raises(ConfigError) as caught:
        params.apply(tmp_path, [params.parse_override("train.c=1")])
    assert caught.value.hint == (
        "-S only changes existing parameters; known: train.C, train.max_iter, prepare.seed"
    )


def test_missing_params_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^params.yaml: file not found$"):
        params.apply(tmp_path, [params.parse_override("train.C=1")])
