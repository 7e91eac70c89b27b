"""Data checks in the gate: a failed schema check or a flagged privacy scan fails it. Pure.

Each declared schema check is one rule (`schema`), judged at head: valid passes; failures, or
no result at all, fail (a missing value never passes). A privacy scan, when given, adds one
`privacy` rule per flagged column, or one passing rule when it found nothing. The results
travel in the gate's JSON (`data`), so `mlci gate --from-json` judges them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from mlci.data.checks import DataCheck, Outcome
from mlci.data.detectors import by_kind
from mlci.data.results import ScanResult, ValidationResult
from mlci.metrics.rules import FAIL, PASS, GateResult, Rule


def extend(result: GateResult, outcomes: Sequence[Outcome],
           scan: ScanResult | None) -> GateResult:
    """The gate `result` with a rule per data check and per privacy finding."""
    if not outcomes and scan is None:
        return result
    rules = [*map(schema_rule, outcomes), *privacy_rules(scan)]
    return replace(result, rules=(*result.rules, *rules), data=values(outcomes, scan))


def schema_rule(outcome: Outcome) -> Rule:
    check, found = outcome.check, outcome.result
    if found is None:
        return Rule(check.data, "schema", None, None, None, FAIL, outcome.problem)
    if found.valid:
        return Rule(check.data, "schema", None, None, 0, PASS, f"valid against {check.schema}")
    first, count = found.failures[0], len(found.failures)
    where = f"{first.column}: " if first.column else ""
    more = f" (+{count - 1} more)" if count > 1 else ""
    return Rule(check.data, "schema", None, None, count, FAIL,
                f"{count} check(s) failed against {check.schema}: {where}{first.check}, "
                f"{first.failing_rows:,} rows{more}")


def privacy_rules(scan: ScanResult | None) -> list[Rule]:
    if scan is None:
        return []
    if scan.clean:
        return [Rule("data", "privacy", None, None, 0, PASS,
                     f"no personal data or secrets in {scan.files} file(s)")]
    return [Rule(f"{f.path}:{f.column}" if f.column else f.path, "privacy", None, None,
                 f.distinct_hits, FAIL, f"{_label(f.kind)}: {f.distinct_hits:,} distinct, "
                 f"{f.share:.0%} of the sampled values") for f in scan.flagged]


def _label(kind: str) -> str:
    try:
        return by_kind(kind).label
    except StopIteration:  # a kind from a newer mlci, read back from JSON
        return kind


def values(outcomes: Sequence[Outcome], scan: ScanResult | None) -> dict[str, Any]:
    """The data-check results as JSON, for the gate's `data` key."""
    return {
        "checks": [{"stage": o.check.stage, "data": o.check.data, "schema": o.check.schema,
                    "result": o.check.result, "problem": o.problem,
                    "outcome": None if o.result is None else o.result.to_json()}
                   for o in outcomes],
        "privacy": None if scan is None else scan.to_json(),
    }


def from_values(data: Any) -> tuple[tuple[Outcome, ...], ScanResult | None]:
    """`values` read back (from another job: every field is checked; ValueError if wrong)."""
    if data is None:
        return (), None
    if not isinstance(data, dict) or not isinstance(data.get("checks", []), list):
        raise ValueError('"data" must be an object with a "checks" list')
    outcomes = tuple(_outcome(item) for item in data.get("checks", []))
    privacy = data.get("privacy")
    return outcomes, None if privacy is None else ScanResult.from_json(privacy)


def _outcome(item: Any) -> Outcome:
    if not isinstance(item, dict):
        raise ValueError("each data check must be an object")
    check = DataCheck(*(str(item.get(k, "")) for k in ("stage", "data", "schema", "result")))
    found = item.get("outcome")
    result = None if found is None else ValidationResult.from_json(found)
    return Outcome(check, result, str(item.get("problem") or "no result"))

