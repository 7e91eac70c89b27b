"""The gate's rules as literal tables (pure: policy + values in, GateResult out)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from mlci.config import MetricPolicy
from mlci.metrics.rules import FAIL, NOT_APPLICABLE, PASS, Rule, evaluate, reevaluate

ACC = MetricPolicy(direction="higher", min=0.9, max_drop=0.02)
LOSS = MetricPolicy(direction="lower", max=0.3, max_rise=0.05)
DIRECTION_ONLY = MetricPolicy(direction="higher")


@pytest.mark.parametrize(("policy", "base", "head", "expected"), [
    # absolute bounds at head
    ({"acc": ACC}, None, {"acc": 0.95}, [("min", PASS), ("max_drop", NOT_APPLICABLE)]),
    ({"acc": ACC}, None, {"acc": 0.85}, [("min", FAIL), ("max_drop", NOT_APPLICABLE)]),
    ({"acc": ACC}, None, {"acc": 0.9}, [("min", PASS), ("max_drop", NOT_APPLICABLE)]),
    ({"loss": LOSS}, None, {"loss": 0.31}, [("max", FAIL), ("max_rise", NOT_APPLICABLE)]),
    # regression bounds vs base, with float noise: 0.95 - 0.93 is 0.020000000000000018
    ({"acc": ACC}, {"acc": 0.95}, {"acc": 0.93}, [("min", PASS), ("max_drop", PASS)]),
    ({"acc": ACC}, {"acc": 0.95}, {"acc": 0.92}, [("min", PASS), ("max_drop", FAIL)]),
    ({"loss": LOSS}, {"loss": 0.2}, {"loss": 0.25}, [("max", PASS), ("max_rise", PASS)]),
    ({"loss": LOSS}, {"loss": 0.2}, {"loss": 0.26}, [("max", PASS), ("max_rise", FAIL)]),
    ({"loss": LOSS}, {"loss": 0.2}, {"loss": 0.1}, [("max", PASS), ("max_rise", PASS)]),
    # no base value, or a non-numeric one: regression rules do not apply
    ({"acc": ACC}, {"other": 1}, {"acc": 0.95}, [("min", PASS), ("max_drop", NOT_APPLICABLE)]),
    ({"acc": ACC}, {"acc": "n/a"}, {"acc": 0.95}, [("min", PASS), ("max_drop", NOT_APPLICABLE)]),
    # missing, non-numeric, NaN or boolean at head: every rule fails
    ({"acc": ACC}, {"acc": 0.95}, {}, [("min", FAIL), ("max_drop", FAIL)]),
    ({"acc": ACC}, None, {"acc": "high"}, [("min", FAIL), ("max_drop", FAIL)]),
    ({"acc": ACC}, None, {"acc": math.nan}, [("min", FAIL), ("max_drop", FAIL)]),
    ({"acc": ACC}, None, {"acc": True}, [("min", FAIL), ("max_drop", FAIL)]),
    # a metric with only a direction must still be there
    ({"f1": DIRECTION_ONLY}, None, {"f1": 0.5}, [("present", PASS)]),
    ({"f1": DIRECTION_ONLY}, None, {}, [("present", FAIL)]),
    # integers count as numbers; no policy, no rules
    ({"n": MetricPolicy(min=10)}, None, {"n": 12}, [("min", PASS)]),
    ({}, None, {"acc": 0.1}, []),
])
def test_rules(policy: dict[str, MetricPolicy], base: dict[str, Any] | None,
               head: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    result = evaluate(policy, base, head)
    assert [(r.rule, r.outcome) for r in result.rules] == expected
    assert result.passed == all(outcome != FAIL for _, outcome in expected)


@pytest.mark.parametrize(("policy", "base", "head", "expected"), [
    ({"acc": ACC, "loss": LOSS}, {"acc": 0.95, "loss": 0.2}, {"acc": 0.94, "loss": 0.2},
     "gate passed: 4 rules"),
    ({"acc": ACC}, None, {"acc": 0.95}, "gate passed: 1 rule (1 not applicable)"),
    ({}, None, {}, "no gate: no metric has a rule"),
    ({"acc": ACC}, None, {"acc": 0.91 - 0.1}, "gate failed: acc 0.81 < min 0.9"),
    ({"acc": ACC, "loss": LOSS}, {"acc": 0.99}, {"acc": 0.5, "loss": 0.9},
     "gate failed: acc 0.5 < min 0.9 (+2 more)"),
    ({"acc": ACC}, None, {}, "gate failed: acc missing at head (+1 more)"),
    ({"acc": ACC}, {"acc": 0.99}, {"acc": 0.95},
     "gate failed: acc dropped 0.04 from 0.99 to 0.95 (> max_drop 0.02)"),
])
def test_describe_is_one_line(policy: dict[str, MetricPolicy], base: dict[str, Any] | None,
                              head: dict[str, Any], expected: str) -> None:
    assert evaluate(policy, base, head).describe() == expected


def test_describe_is_the_whole_line_the_forge_shortens_it() -> None:
    text = evaluate({"a" * 300: ACC}, None, {}).describe()
    assert text == f"gate failed: {'a' * 300} missing at head (+1 more)"


def test_json_carries_the_values_and_reevaluate_judges_only_them() -> None:
    result = evaluate({"acc": ACC, "loss": LOSS}, {"acc": 0.95}, {"acc": math.nan, "loss": 0.1})
    data = result.to_json()
    assert data["passed"] is False and data["description"] == result.describe()
    assert data["rules"][0]["head"] == "nan"  # NaN is not JSON
    assert data["values"] == {"base": {"acc": 0.95}, "head": {"acc": "nan", "loss": 0.1}}
    again = reevaluate(data, {"acc": ACC, "loss": LOSS})
    assert again == result and again.passed is False
    forged = {**data, "passed": True, "rules": []}  # a verdict from the file counts for nothing
    assert reevaluate(forged, {"acc": ACC}) == evaluate({"acc": ACC}, {"acc": 0.95},
                                                        {"acc": math.nan})


@pytest.mark.parametrize("data", [
    {"passed": True, "rules": []}, {"values": {"head": [1]}}, {"values": {"head": {}, "base": 1}},
    [], "x",
])
def test_reevaluate_refuses_what_is_not_a_gate_result(data: Any) -> None:
    with pytest.raises(ValueError):
        reevaluate(data, {"acc": ACC})


def test_reevaluate_reads_infinities_back() -> None:
    data = evaluate({"loss": LOSS}, None, {"loss": -math.inf}).to_json()
    assert data["values"]["head"] == {"loss": "-inf"}
    assert reevaluate(data, {"loss": LOSS}).passed


def test_rule_records_values() -> None:
    rule = evaluate({"acc": ACC}, {"acc": 0.95}, {"acc": 0.92}).rules[1]
    assert rule == Rule("acc", "max_drop", 0.02, 0.95, 0.92, FAIL,
                        "dropped 0.03 from 0.95 to 0.92 (> max_drop 0.02)")
