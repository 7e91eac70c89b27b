"""Which stages of dvc.yaml are data checks, and where their results are: literal tables."""

from __future__ import annotations

import pytest

from mlci.data.checks import DataCheck, declared
from mlci.project import dvcfiles


def checks_of(cmd: object, wdir: str | None = None) -> list[tuple[str, str, str]]:
    stage: dict[str, object] = {"cmd": cmd}
    if wdir:
        stage["wdir"] = wdir
    layout = dvcfiles.layout({"stages": {"check": stage}})
    return [(c.data, c.schema, c.result) for c in declared(layout)]


@pytest.mark.parametrize(("cmd", "expected"), [
    ("mlci data validate data/raw.csv --schema data/schema.yaml -o data/v.json --exit-zero",
     [("data/raw.csv", "data/schema.yaml", "data/v.json")]),
    ("mlci data validate --schema=s.yaml --output=out/v.json raw.csv",
     [("raw.csv", "s.yaml", "out/v.json")]),
    ("mlci data validate raw.csv -oresult.json", [("raw.csv", "raw.schema.yaml", "result.json")]),
    (".venv/bin/mlci data validate 'my data.csv' --output v.json --json",
     [("my data.csv", "my data.schema.yaml", "v.json")]),
    ("python -m mlci data validate a.csv -o a.json && mlci data validate b.csv -o b.json",
     [("a.csv", "a.schema.yaml", "a.json"), ("b.csv", "b.schema.yaml", "b.json")]),
    (["python src/load.py", "mlci data validate x.parquet -o x.json"],
     [("x.parquet", "x.schema.yaml", "x.json")]),
    ("mlci data validate raw.csv --schema s.yaml", []),  # no result file: the stage itself fails
    ("mlci data infer raw.csv -o s.yaml", []),
    ("echo 'unbalanced", []),
    (None, []),
])
def test_validate_commands_are_checks(cmd: object, expected: list[tuple[str, str, str]]) -> None:
    assert checks_of(cmd) == expected


def test_paths_are_relative_to_the_stage_directory() -> None:
    assert checks_of("mlci data validate ../raw.csv -o v.json", wdir="sub") == [
        ("raw.csv", "raw.schema.yaml", "sub/v.json")]
    layout = dvcfiles.layout({"stages": {"v": {"cmd": "mlci data validate t.csv -o v.json"}}},
                             "pipelines/a")
    assert declared(layout) == (DataCheck("v", "pipelines/a/t.csv", "pipelines/a/t.schema.yaml",
                                          "pipelines/a/v.json"),)
