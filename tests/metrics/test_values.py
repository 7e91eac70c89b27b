"""The metrics engine's pure parts as literal tables: parsing, flattening, DVC's diff, verdicts."""

from __future__ import annotations

import math
from typing import Any

import pytest

from mlci.errors import ConfigError
from mlci.metrics import diff
from mlci.project import dvcfiles, values
from mlci.shared import yaml12


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("m.json", '{"a": 1, "b": {"c": 0.5}}', {"a": 1, "b": {"c": 0.5}}),
    ("m.json", "", None),  # invalid: see the error table
    ("m.json", "{}", {}),
    ("m.json", '{"x": NaN}', {"x": math.nan}),
    ("m.yaml", "a: 1\nb:\n  c: 0.5\n", {"a": 1, "b": {"c": 0.5}}),
    ("m.yml", "", {}),
    ("m.yaml", "flag: yes\nsmall: 1e-3\nodd: 017\n", {"flag": "yes", "small": 0.001, "odd": 17}),
    ("m.toml", "a = 1\n[b]\nc = 0.5\n", {"a": 1, "b": {"c": 0.5}}),
])
def test_parse(name: str, text: str, expected: Any) -> None:
    if expected is None:
        with pytest.raises(ConfigError):
            values.parse(text, name)
        return
    parsed = values.parse(text, name)
    assert repr(parsed) == repr(expected)


@pytest.mark.parametrize(("name", "text", "message"), [
    ("metrics.json", "{oops", "metrics.json: not valid JSON"),
    ("scores.yaml", "a: [1, 2", "scores.yaml: not valid YAML"),
    ("m.toml", "a = ", "m.toml: not valid TOML"),
])
def test_parse_errors_name_the_file(name: str, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        values.parse(text, name)
    assert caught.value.message.startswith(message)
    assert "\n" not in caught.value.message


# YAML 1.2 as DVC reads it (ruamel, pure Python) and as mlci reads it (libyaml + 1.2 resolvers)
@pytest.mark.parametrize("text", [
    "a: yes", "a: no", "a: on", "a: True", "a: FALSE", "a: 1e-3", "a: 1e+3", "a: 1.0e5",
    "a: 017", "a: 0o17", "a: 0x1F", "a: -0b101", "a: 1_000", "a: +12", "a: -0", "a: 1.",
    "a: .5", "a: .inf", "a: -.inf", "a: 1:30", "a: ~", "a: null", "a: NaN", "a: 12e",
    "a: 2001-12-14", 'a: "1"', "b: [1, 2.5, x]", "c: {d: 0.25, e: [true, off]}",
])
def test_yaml12_reads_like_dvc(text: str) -> None:
    from ruamel.yaml import YAML

    assert repr(yaml12.load(text)) == repr(YAML(typ="safe").load(text))


@pytest.mark.parametrize(("data", "expected"), [
    ({"a": 1, "b": "x", "c": None, "d": [1, 2], "e": {}, "f": True}, {"a": 1, "b": "x", "f": True}),
    ({"n": {"m": None}, "k": {"j": 0.5}}, {"k": {"j": 0.5}}),
    (0.93, 0.93),
    ([1, 2], None),
    (None, None),
])
def test_extract_keeps_what_dvc_counts_as_metrics(data: Any, expected: Any) -> None:
    assert values.extract(data) == expected


@pytest.mark.parametrize(("data", "expected"), [
    ({"a": 1, "b": {"c": 2, "d": {"e": 3}}}, {"a": 1, "b.c": 2, "b.d.e": 3}),
    ({"a": {}, "b": {"c": {}}}, {}),
    ({1: {2: "x"}}, {"1.2": "x"}),
    ({"l": [1, 2]}, {"l": [1, 2]}),
    (5, {}),
])
def test_flatten(data: Any, expected: dict[str, Any]) -> None:
    assert values.flatten(data) == expected


DIFF_CASES: list[tuple[dict[str, Any], dict[str, Any], bool, dict[str, Any]]] = [
    # changed, unchanged (hidden), added, removed
    ({"m.json": {"a": 1, "b": 2, "gone": 3}}, {"m.json": {"a": 1.5, "b": 2, "new": 4}}, False,
     {"m.json": {"a": {"old": 1, "new": 1.5, "diff": 0.5}, "gone": {"old": 3, "new": None},
                 "new": {"old": None, "new": 4}}}),
    # --all shows unchanged keys with diff 0
    ({"m.json": {"a": 1}}, {"m.json": {"a": 1}}, True,
     {"m.json": {"a": {"old": 1, "new": 1, "diff": 0}}}),
    # a whole file added / removed
    ({}, {"m.json": {"a": {"b": 1}}}, False, {"m.json": {"a.b": {"old": None, "new": 1}}}),
    ({"m.json": {"a": 1}}, {}, False, {"m.json": {"a": {"old": 1, "new": None}}}),
    # non-numeric values: no diff
    ({"m.json": {"s": "v1", "n": 1}}, {"m.json": {"s": "v2", "n": "n/a"}}, False,
     {"m.json": {"n": {"old": 1, "new": "n/a"}, "s": {"old": "v1", "new": "v2"}}}),
    # lists compare as their Python text
    ({"p.yaml": {"l": [1, 2]}}, {"p.yaml": {"l": [1, 3]}}, False,
     {"p.yaml": {"l": {"old": "[1, 2]", "new": "[1, 3]"}}}),
    # booleans are numbers to DVC
    ({"m.json": {"ok": False}}, {"m.json": {"ok": True}}, False,
     {"m.json": {"ok": {"old": False, "new": True, "diff": 1}}}),
    # a file that is one number
    ({"m.json": 0.5}, {"m.json": 0.75}, False,
     {"m.json": {"": {"old": 0.5, "new": 0.75, "diff": 0.25}}}),
    # a file that is not a mapping next to one that is
    ({"m.json": {"a": 1}}, {"m.json": 0.75}, False,
     {"m.json": {"a": {"old": 1, "new": "unable to parse"}}}),
    # nothing changed
    ({"m.json": {"a": 1}}, {"m.json": {"a": 1}}, False, {}),
]


@pytest.mark.parametrize(("old", "new", "with_unchanged", "expected"), DIFF_CASES)
def test_diff_matches_dvc(old: dict[str, Any], new: dict[str, Any], with_unchanged: bool,
                          expected: dict[str, Any]) -> None:
    from dvc.utils.diff import diff as dvc_diff
    from dvc.utils.diff import format_dict

    assert diff.diff(old, new, with_unchanged) == expected
    wrap = {path: {"data": data} for path, data in old.items()}
    wrap_new = {path: {"data": data} for path, data in new.items()}
    assert expected == dvc_diff(format_dict(wrap), format_dict(wrap_new), with_unchanged)


@pytest.mark.parametrize(("direction", "old", "new", "expected"), [
    ("higher", 0.9, 0.95, "improved"),
    ("higher", 0.9, 0.85, "regressed"),
    ("lower", 0.5, 0.4, "improved"),
    ("lower", 0.5, 0.6, "regressed"),
    ("higher", 0.9, 0.9, "unchanged"),
    (None, 1, 1, "unchanged"),
    ("higher", None, 0.9, "added"),
    ("lower", 0.9, None, "removed"),
    ("higher", 0.9, "n/a", None),
    ("higher", 0.9, math.nan, None),
    (None, 0.9, 0.95, None),
])
def test_verdict(direction: str | None, old: Any, new: Any, expected: str | None) -> None:
    assert diff.verdict(direction, old, new) == expected


@pytest.mark.parametrize(("old", "new", "expected"), [
    (0.5, 0.75, 50.0), (2, 1, -50.0), (-2, -1, 50.0), (0, 1, None), ("a", 1, None),
    (None, 1, None), (True, 1, None),
])
def test_percent(old: Any, new: Any, expected: float | None) -> None:
    assert diff.percent(old, new) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (0.9312, "0.9312"), (12, "12"), (0.000015, "1.5e-05"), (0.1 + 0.2, "0.3"), (None, "—"),
    ("x", "x"), (math.nan, "nan"),
])
def test_fmt(value: Any, expected: str) -> None:
    assert diff.fmt(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (0.05, "+0.05"), (-0.1, "-0.1"), (0, "0"), (0.0, "0"), (3, "+3"), (math.nan, "nan"),
    (math.inf, "+inf"), (-math.inf, "-inf"), (0.000015, "+1.5e-05"),
])
def test_signed(value: float, expected: str) -> None:
    assert diff.signed(value) == expected


def test_lookup_by_key_and_by_file() -> None:
    found = values.lookup({"a.json": {"acc": 1, "f1": 2}, "b.json": {"acc": 3}})
    # `acc` is in two files: no bare name, mlci.yaml must say which (the gate says so)
    assert found == {"f1": 2, "a.json:acc": 1, "a.json:f1": 2, "b.json:acc": 3}
    assert values.short_names(found) == {"f1": 2, "a.json:acc": 1, "b.json:acc": 3}


DVC_YAML = {
    "metrics": ["top.json"],
    "params": ["extra.toml"],
    "plots": [{"plots/pr.json": {"x": "recall", "y": "precision"}}],
    "stages": {
        "train": {"cmd": "x", "params": ["train", {"custom.yaml": ["a.b", "c"]}],
                  "metrics": [{"metrics.json": {"cache": False}}, "cached.json"]},
        "eval": {"cmd": "y", "wdir": "sub", "metrics": ["../m2.yaml", "${item}.json"],
                 "params": [{"custom.yaml": []}],
                 "plots": [{"roc.json": {"cache": False, "x": "fpr", "y": "tpr",
                                         "title": "ROC"}}]},
    },
}


def test_layout_follows_dvc_rules() -> None:
    layout = dvcfiles.layout(DVC_YAML)
    assert layout.metrics == ("top.json", "metrics.json", "cached.json", "m2.yaml")
    assert layout.cached == frozenset({"cached.json", "m2.yaml"})
    # params.yaml is always tracked whole; paths are relative to the stage's wdir
    assert layout.params == {"params.yaml": (), "extra.toml": (), "custom.yaml": ("a.b", "c"),
                             "sub/custom.yaml": ()}
    assert [(p.path, p.x, p.y, p.title) for p in layout.plots] == [
        ("plots/pr.json", "recall", "precision", None), ("sub/roc.json", "fpr", "tpr", "ROC")]


@pytest.mark.parametrize(("data", "expected"), [
    (None, dvcfiles.Layout(params={"params.yaml": ()})),
    ({"stages": {"s": {"params": [{"p.yaml": ["x", "y.z"]}, {"p.yaml": ["x"]}]}}},
     dvcfiles.Layout(params={"params.yaml": (), "p.yaml": ("x", "y.z")}, wdirs={"s": ""})),
    ({"stages": {"s": {"params": [{"p.yaml": ["x"]}, {"p.yaml": None}]}}},
     dvcfiles.Layout(params={"params.yaml": (), "p.yaml": ()}, wdirs={"s": ""})),
    ({"stages": "garbage", "metrics": "nope"}, dvcfiles.Layout(params={"params.yaml": ()})),
])
def test_layout_edges(data: Any, expected: dvcfiles.Layout) -> None:
    assert dvcfiles.layout(data) == expected


def test_layout_in_a_subdirectory_and_merged() -> None:
    sub = dvcfiles.layout({"metrics": ["m.json"], "stages": {"t": {
        "wdir": "src", "params": ["lr"], "metrics": [{"../out.json": {"cache": False}}]}}}, "nlp")
    assert sub.metrics == ("nlp/m.json", "nlp/out.json")
    assert sub.params == {"params.yaml": (), "nlp/src/params.yaml": ("lr",)}
    assert sub.wdirs == {"t": "nlp/src"}
    root = dvcfiles.layout({"stages": {"e": {"params": [{"nlp/src/params.yaml": []}],
                                             "metrics": ["cached.json"]}}})
    merged = dvcfiles.merge([root, sub])
    assert merged.metrics == ("cached.json", "nlp/m.json", "nlp/out.json")
    assert merged.cached == frozenset({"cached.json"})
    assert merged.params == {"params.yaml": (), "nlp/src/params.yaml": ()}


def test_lock_stages_make_repository_paths() -> None:
    lock = {"schema": "2.0", "stages": {"t": {"cmd": "x", "outs": [
        {"path": "model.bin", "hash": "md5", "md5": "ee55", "size": 3}]}}}
    stages = dvcfiles.lock_stages(lock, "nlp", {"t": "nlp/src"})
    assert list(stages) == ["nlp/dvc.yaml:t"]
    assert list(dvcfiles.outs({"stages": stages})) == ["nlp/src/model.bin"]
    assert dvcfiles.lock_stages(lock, "", {"t": ""}) == lock["stages"]
    assert dvcfiles.lock_stages(None, "", {}) == {}


@pytest.mark.parametrize(("keys", "expected"), [
    ((), {"a": {"b": 1, "c": 2}, "d": 3}),
    (("a.b",), {"a": {"b": 1}}),
    (("a.b", "d", "missing", "a.zz"), {"a": {"b": 1}, "d": 3}),
    (("a",), {"a": {"b": 1, "c": 2}}),
])
def test_select_params(keys: tuple[str, ...], expected: Any) -> None:
    assert dvcfiles.select({"a": {"b": 1, "c": 2}, "d": 3}, keys) == expected


LOCK_OLD = {"schema": "2.0", "stages": {
    "train": {"cmd": "python t.py", "outs": [
        {"path": "model.pkl", "hash": "md5", "md5": "aa11", "size": 10},
        {"path": "data/dir", "hash": "md5", "md5": "bb22.dir", "size": 300, "nfiles": 3}]},
    "old": {"cmd": "x", "outs": [{"path": "legacy.bin", "md5": "cc33", "size": 5}]},
}}
LOCK_NEW = {"schema": "2.0", "stages": {
    "train": {"cmd": "python t.py --fast", "outs": [
        {"path": "model.pkl", "hash": "md5", "md5": "aa12", "size": 12}]},
    "old": {"cmd": "x", "outs": [{"path": "legacy.bin", "md5": "cc33", "size": 5}]},
}}


def test_lock_outs_and_changed_stages() -> None:
    outs = dvcfiles.outs(LOCK_OLD)
    assert outs["data/dir"] == dvcfiles.Out("data/dir", "bb22.dir", 300, 3, False)
    assert outs["legacy.bin"].legacy
    assert dvcfiles.changed_stages(LOCK_OLD, LOCK_NEW) == ("train",)
    assert dvcfiles.changed_stages(None, LOCK_NEW) == ("train", "old")


def test_dvcfile_outs_are_relative_to_the_dvc_file() -> None:
    data = {"outs": [{"md5": "dd44", "size": 7, "hash": "md5", "path": "raw.csv"}]}
    assert dvcfiles.dvcfile_outs(data, "data/raw.csv.dvc") == {
        "data/raw.csv": dvcfiles.Out("data/raw.csv", "dd44", 7, None, False)}
    assert dvcfiles.dvcfile_outs(None, "x.dvc") == {}


@pytest.mark.parametrize(("out", "expected"), [
    (dvcfiles.Out("m.json", "ab12cd", 1, None, False), ".dvc/cache/files/md5/ab/12cd"),
    (dvcfiles.Out("m.json", "ab12cd", 1, None, True), ".dvc/cache/ab/12cd"),
    (dvcfiles.Out("d", "ab12cd.dir", 1, 2, False), ""),
    (dvcfiles.Out("m.json", None, None, None, False), ""),
])
def test_cache_file(out: dvcfiles.Out, expected: str) -> None:
    assert dvcfiles.cache_file(".dvc/cache", out) == expected
