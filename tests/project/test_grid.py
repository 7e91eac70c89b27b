"""The grid (pure): combinations, `-S` texts that read back as the same values, the CI matrix,
and which combinations may run together."""

from __future__ import annotations

from typing import Any

import pytest

from mlci.project import grid
from mlci.project.grid import Combination
from mlci.project.params import parse_override


def test_expand_keeps_the_key_order_and_counts_from_one() -> None:
    found = grid.expand({"train.C": (0.1, 1.0), "prepare.test_size": (0.2, 0.25)})
    assert [(c.id, c.as_dict()) for c in found] == [
        (1, {"train.C": 0.1, "prepare.test_size": 0.2}),
        (2, {"train.C": 0.1, "prepare.test_size": 0.25}),
        (3, {"train.C": 1.0, "prepare.test_size": 0.2}),
        (4, {"train.C": 1.0, "prepare.test_size": 0.25}),
    ]
    assert found[1].overrides == ("train.C=0.1", "prepare.test_size=0.25")
    assert found[1].label == "train.C=0.1 prepare.test_size=0.25"


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.1, "0.1"), (1.0, "1.0"), (1, "1"), (1e-05, "1e-05"), (True, "true"), (False, "false"),
     ("lbfgs", "lbfgs"), ("0.5", '"0.5"'), ("yes", '"yes"'), ("null", '"null"'),
     ("a=b", '"a=b"'), ("é", '"\\u00e9"'), (float("inf"), ".inf"), (-float("inf"), "-.inf")],
)
def test_value_text_reads_back_as_the_same_value_and_type(value: Any, text: str) -> None:
    assert grid.value_text(value) == text
    parsed = parse_override(f"train.x={text}").value
    assert parsed == value
    kind = bool if isinstance(value, bool) else type(value)
    assert isinstance(parsed, kind) and (kind is not int or not isinstance(parsed, bool))


def test_matrix_is_the_include_list_github_reads() -> None:
    combos = grid.expand({"train.C": (0.5,), "train.solver": ("saga",)})
    assert grid.matrix(combos) == {"include": [
        {"id": 1, "overrides": "train.C=0.5 train.solver=saga",
         "params": {"train.C": 0.5, "train.solver": "saga"}}]}


STAGES = {"load": (), "prepare": ("params.yaml:prepare",),
          "train": ("params.yaml:prepare", "params.yaml:train"),
          "evaluate": ("params.yaml:prepare", "params.yaml:train"),
          "report": ("other.yaml:",)}


def test_stage_uses_matches_keys_by_file_and_dotted_prefix() -> None:
    uses = grid.stage_uses(STAGES, ["train.C", "prepare.test_size", "other.yaml:a.b",
                                    "params.yaml:training.lr"])
    assert uses == {"load": frozenset(), "prepare": {"prepare.test_size"},
                    "train": {"train.C", "prepare.test_size"},
                    "evaluate": {"train.C", "prepare.test_size"},
                    "report": {"other.yaml:a.b"}}


def combo(i: int, c: float, size: float) -> Combination:
    return Combination(i, (("train.C", c), ("prepare.test_size", size)))


USES = grid.stage_uses(STAGES, ["train.C", "prepare.test_size"])
BASE = {"train.C": 1.0, "prepare.test_size": 0.25}


@pytest.mark.parametrize(
    ("a", "b", "clash"),
    [
        (combo(1, 0.1, 0.2), combo(2, 0.3, 0.2), True),  # both would run prepare(0.2)
        (combo(1, 0.1, 0.2), combo(2, 0.1, 0.25), False),  # nothing in common
        (combo(1, 0.1, 0.25), combo(2, 0.3, 0.25), False),  # prepare(0.25) is the base's
        (combo(1, 0.1, 0.2), combo(2, 0.1, 0.2), True),
    ],
)
def test_clashes_when_a_changed_stage_gets_the_same_inputs(a: Combination, b: Combination,
                                                           clash: bool) -> None:
    assert grid.clashes(a, b, USES, BASE) is clash
    assert grid.clashes(b, a, USES, BASE) is clash


def test_next_ready_skips_what_clashes_and_never_waits_on_nothing() -> None:
    pending = [combo(3, 0.3, 0.2), combo(4, 0.3, 0.25)]
    assert grid.next_ready(pending, [combo(1, 0.1, 0.2)], USES, BASE) == pending[1]
    assert grid.next_ready(pending[:1], [combo(1, 0.1, 0.2)], USES, BASE) is None
    assert grid.next_ready(pending, [], USES, BASE) == pending[0]
    assert grid.clashes(Combination(1, (("train.C", 1),)), Combination(2, (("train.C", True),)),
                        {"train": frozenset({"train.C"})}, {}) is False
