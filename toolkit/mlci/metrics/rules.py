"""The gate: mlci.yaml's metric policy judged against head (and base) values. Pure.

Absolute rules (`min`, `max`) look at head only; regression rules (`max_drop`, `max_rise`)
compare head with base and are "not applicable" without a base value. A metric the policy
names that is missing, non-numeric or NaN at head fails every one of its rules: it never
passes silently.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from mlci.metrics.diff import fmt
from mlci.project.values import is_number

if TYPE_CHECKING:
    from mlci.config import MetricPolicy

Outcome = Literal["pass", "fail", "not applicable"]
PASS: Outcome = "pass"
FAIL: Outcome = "fail"
NOT_APPLICABLE: Outcome = "not applicable"
RULES = ("min", "max", "max_drop", "max_rise")
NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}  # how to_json writes them


@dataclass(frozen=True)
class Rule:
    """One threshold of one metric and what the gate made of it."""

    metric: str
    rule: str  # "min" | "max" | "max_drop" | "max_rise" | "present"
    threshold: float | None
    base: Any
    head: Any
    outcome: Outcome
    reason: str


@dataclass(frozen=True)
class Gaps:
    """Metrics files each revision has but whose values could not be read: {file: why}."""

    base: Mapping[str, str] = field(default_factory=dict)
    head: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GateResult:
    """Every rule's outcome (the gate passes when no rule fails) and the values judged."""

    rules: tuple[Rule, ...]
    head_values: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    base_values: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    data: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)  # data checks
    gaps: Gaps = field(default_factory=Gaps, compare=False, repr=False)

    @property
    def passed(self) -> bool:
        return all(rule.outcome != FAIL for rule in self.rules)

    @property
    def failures(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.outcome == FAIL)

    def describe(self) -> str:
        """One line for a commit status: 'gate passed: 6 rules' / 'gate failed: accuracy ...'."""
        if not self.rules:
            return "no gate: no metric has a rule"
        if self.passed:
            checked, skipped = self._tally()
            text = f"gate passed: {_count(checked, 'rule')}"
            return text + (f" ({skipped} not applicable)" if skipped else "")
        first, *others = self.failures
        text = f"gate failed: {first.metric} {first.reason}"
        return text + (f" (+{len(others)} more)" if others else "")

    def headline(self) -> str:
        """The report's verdict: 'gate passed (6 rules, 1 not applicable)' / 'gate failed (2 of
        7 rules)'."""
        if not self.passed:
            return f"gate failed ({len(self.failures)} of {_count(len(self.rules), 'rule')})"
        checked, skipped = self._tally()
        return f"gate passed ({_count(checked, 'rule')}" + (
            f", {skipped} not applicable)" if skipped else ")")

    def _tally(self) -> tuple[int, int]:
        """(rules checked and passed, rules not applicable)."""
        checked = sum(rule.outcome == PASS for rule in self.rules)
        return checked, len(self.rules) - checked

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: passed, description, every rule and the metric values judged."""
        rules = [{**asdict(rule), "base": _json_value(rule.base), "head": _json_value(rule.head)}
                 for rule in self.rules]
        base = None if self.base_values is None else _json_values(self.base_values)
        values: dict[str, Any] = {"base": base, "head": _json_values(self.head_values)}
        if self.gaps.base or self.gaps.head:
            values["unavailable"] = {"base": dict(self.gaps.base), "head": dict(self.gaps.head)}
        found = {"passed": self.passed, "description": self.describe(), "rules": rules,
                 "values": values}
        return found if self.data is None else {**found, "data": dict(self.data)}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN / inf are not JSON
    return value


def _json_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _json_value(value) for name, value in values.items()}


def reevaluate(data: Any, policy: Mapping[str, MetricPolicy]) -> GateResult:
    """Judge the values of a `to_json` result again by `policy`; its rules and verdict are ignored.

    A gate result read from another job (a fork's artifact) may claim anything; only its
    metric values are data, and this checkout's policy decides.
    """
    base, head = _values(data)
    return evaluate(policy, base, head, _gaps(data["values"].get("unavailable")))


def _values(data: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    values = data.get("values") if isinstance(data, dict) else None
    if not isinstance(values, dict) or not isinstance(values.get("head"), dict):
        raise ValueError(
            "expected an object with \"values\": {\"head\": {...}, \"base\": ...}")
    base = values.get("base")
    if base is not None and not isinstance(base, dict):
        raise ValueError("\"values.base\" must be an object or null")
    return (None if base is None else _from_json(base)), _from_json(values["head"])


def _gaps(data: Any) -> Gaps:
    """`values.unavailable` of a gate result (a claim that can only fail rules, never pass)."""
    if not isinstance(data, dict):
        return Gaps()
    sides = [data.get(side) for side in ("base", "head")]
    base, head = ({str(k): str(v) for k, v in side.items()} if isinstance(side, dict) else {}
                  for side in sides)
    return Gaps(base, head)


def _from_json(values: dict[str, Any]) -> dict[str, Any]:
    return {str(name): NON_FINITE.get(value, value) if isinstance(value, str) else value
            for name, value in values.items()}


def evaluate(policy: Mapping[str, MetricPolicy], base: Mapping[str, Any] | None,
             head: Mapping[str, Any], gaps: Gaps | None = None) -> GateResult:
    """Judge each metric of `policy` (names as in mlci.yaml) against head and base values;
    `gaps` names the metrics files a revision has but could not read."""
    gaps = gaps or Gaps()
    rules: list[Rule] = []
    for name, metric_policy in policy.items():
        base_value = None if base is None else base.get(name)
        head_gap = missing(name, head, gaps.head, "head")
        base_gap = None if base is None else missing(name, base, gaps.base, "base")
        found = _metric_rules(name, metric_policy, base_value, head.get(name), head_gap)
        rules.extend(_no_base(rule, base_gap) for rule in found)
    return GateResult(tuple(rules), dict(head), None if base is None else dict(base), gaps=gaps)


def missing(name: str, values: Mapping[str, Any], gaps: Mapping[str, str],
            side: str) -> str | None:
    """Why `name` has no value at `side` though that revision may hold one: several files
    have the key (mlci.yaml must say which), or its file could not be read."""
    if name in values:
        return None
    files = [key[: -len(name) - 1] for key in values if key.endswith(":" + name)]
    if len(files) > 1:
        return (f"ambiguous at {side}: {', '.join(files)} all have it; name one in mlci.yaml, "
                f"e.g. '{files[0]}:{name}'")
    path = name.rpartition(":")[0]
    unread = {path: gaps[path]} if path in gaps else {} if path else dict(gaps)
    if not unread:
        return None
    return f"unavailable at {side}: " + "; ".join(f"{f} is {why}" for f, why in unread.items())


def _no_base(rule: Rule, gap: str | None) -> Rule:
    """A regression rule without a base value fails when that value exists but is unreadable."""
    if gap is None or rule.outcome != NOT_APPLICABLE or rule.base is not None:
        return rule
    return Rule(rule.metric, rule.rule, rule.threshold, rule.base, rule.head, FAIL, gap)


def _metric_rules(name: str, policy: MetricPolicy, base: Any, head: Any,
                  gap: str | None = None) -> list[Rule]:
    thresholds = [(rule, getattr(policy, rule)) for rule in RULES
                  if getattr(policy, rule) is not None]
    if not is_number(head):
        problem = gap or _problem(head)
        if not thresholds:
            return [Rule(name, "present", None, base, head, FAIL, problem)]
        return [Rule(name, rule, limit, base, head, FAIL, problem) for rule, limit in thresholds]
    if not thresholds:
        return [Rule(name, "present", None, base, head, PASS, f"{fmt(head)} is a number")]
    return [_judge(name, rule, float(limit), base, head) for rule, limit in thresholds]


def _problem(head: Any) -> str:
    if head is None:
        return "missing at head"
    if isinstance(head, float) and math.isnan(head):
        return "is NaN at head"
    return f"is not a number at head: {str(head)[:40]!r}"


def _judge(name: str, rule: str, limit: float, base: Any, head: float) -> Rule:
    if rule == "min":
        ok = not _exceeds(limit, head)
        return Rule(name, rule, limit, base, head, _outcome(ok),
                    f"{fmt(head)} {'>=' if ok else '<'} min {fmt(limit)}")
    if rule == "max":
        ok = not _exceeds(head, limit)
        return Rule(name, rule, limit, base, head, _outcome(ok),
                    f"{fmt(head)} {'<=' if ok else '>'} max {fmt(limit)}")
    if not is_number(base):
        reason = "no base value" if base is None else "base value is not a number"
        return Rule(name, rule, limit, base, head, NOT_APPLICABLE, reason)
    change = base - head if rule == "max_drop" else head - base
    ok = not _exceeds(change, limit)
    return Rule(name, rule, limit, base, head, _outcome(ok),
                _regression(rule, change, base, head, limit, ok))


def _regression(rule: str, change: float, base: float, head: float, limit: float,
                ok: bool) -> str:
    if change == 0:
        return f"unchanged ({rule} {fmt(limit)})"
    if change < 0:
        return f"{fmt(base)} → {fmt(head)}: no {rule[4:]} ({rule} {fmt(limit)})"
    verb = "dropped" if rule == "max_drop" else "rose"
    return (f"{verb} {fmt(change)} from {fmt(base)} to {fmt(head)} "
            f"({'<=' if ok else '>'} {rule} {fmt(limit)})")


def _exceeds(value: float, limit: float) -> bool:
    """value > limit, ignoring float noise (0.95 - 0.93 is 0.020000000000000018)."""
    return value > limit and not math.isclose(value, limit, rel_tol=1e-9, abs_tol=1e-12)


def _outcome(ok: bool) -> Outcome:
    return PASS if ok else FAIL
