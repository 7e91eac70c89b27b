"""Data checks in the gate and the report: a failed check or flagged data fails the gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlci.data.checks import DataCheck, Outcome
from mlci.data.results import Failure, Finding, ScanResult, ValidationResult
from mlci.metrics import datarules
from mlci.metrics.rules import FAIL, PASS, GateResult
from support.commands import commit_all, mlci

CHECK = DataCheck("validate", "data/raw.csv", "data/schema.yaml", "data/validation.json")
FAILED = ValidationResult((Failure("age", "in_range(18, 99)", 3, (120, 5)),
                           Failure("city", "not_nullable", 1, (None,))))
FLAGGED = ScanResult((Finding("data/people.csv", "email", "email", 40, 1.0, ("a***@b***.com",)),),
                     files=2, rows=80, columns=5)


@pytest.mark.parametrize(("outcome", "result", "head", "reason"), [
    (Outcome(CHECK, ValidationResult(())), PASS, 0, "valid against data/schema.yaml"),
    (Outcome(CHECK, FAILED), FAIL, 2, "2 check(s) failed against data/schema.yaml: "
     "age: in_range(18, 99), 3 rows (+1 more)"),
    (Outcome(CHECK, None, "no data/validation.json: run the pipeline (`mlci repro`)"), FAIL,
     None, "no data/validation.json: run the pipeline (`mlci repro`)"),
])
def test_a_schema_check_is_one_rule(outcome: Outcome, result: str, head: object,
                                    reason: str) -> None:
    rule = datarules.schema_rule(outcome)
    assert (rule.metric, rule.rule, rule.head, rule.outcome, rule.reason) == (
        "data/raw.csv", "schema", head, result, reason)


def test_privacy_findings_fail_and_a_clean_scan_passes() -> None:
    [flagged] = datarules.privacy_rules(FLAGGED)
    assert (flagged.metric, flagged.rule, flagged.outcome, flagged.reason) == (
        "data/people.csv:email", "privacy", FAIL,
        "e-mail addresses: 40 distinct, 100% of the sampled values")
    [clean] = datarules.privacy_rules(ScanResult((), 2, 80, 5))
    assert (clean.outcome, clean.reason) == (PASS, "no personal data or secrets in 2 file(s)")


def test_the_results_travel_in_the_gate_json_and_are_judged_again() -> None:
    judged = datarules.extend(GateResult(()), [Outcome(CHECK, FAILED)], FLAGGED)
    assert not judged.passed
    document = json.loads(json.dumps(judged.to_json()))
    outcomes, scan = datarules.from_values(document["data"])
    again = datarules.extend(GateResult(()), outcomes, scan)
    assert again.rules == judged.rules
    with pytest.raises(ValueError):
        datarules.from_values({"checks": [{"outcome": {"failures": "all fine"}}]})


def test_a_failed_check_fails_the_gate_and_shows_in_the_report(project: Path) -> None:
    schema = project / "data" / "schema.yaml"
    schema.write_text(schema.read_text().replace("max_value: 30.3", "max_value: 20.0", 1))
    mlci("repro", cwd=project)
    result = json.loads((project / "data" / "validation.json").read_text())
    [failure] = result["failures"]
    assert (failure["column"], failure["check"]) == ("mean_radius", "in_range(4.8, 20.0)")
    gate = mlci("gate", cwd=project, expect=1)
    assert "gate failed: data/raw.csv 1 check(s) failed against data/schema.yaml" in gate.stdout
    scan = project / "scan.json"
    scan.write_text(json.dumps(FLAGGED.to_json()))
    report = mlci("report", "--base", "HEAD", "--privacy", str(scan), "--trend", "0",
                  cwd=project).stdout
    section = report.split("### Data checks", 1)[1]
    assert "| data/raw.csv | data/schema.yaml | ✅ valid | ❌ failed |" in section
    assert f"| mean\\_radius | in\\_range(4.8, 20.0) | {failure['failing_rows']} |" in section
    assert "| data/people.csv | email | email | 40 | 100% | a\\*\\*\\*@&#8203;b\\*\\*\\*.com |" \
        in section
    as_json = mlci("gate", "--json", "--privacy", str(scan), cwd=project, expect=1).stdout
    (project / "gate.json").write_text(as_json)
    commit_all(project, "a tighter schema")
    again = mlci("gate", "--from-json", "gate.json", cwd=project, expect=1)
    assert "data/people.csv:email" in again.stdout and "data/raw.csv" in again.stdout
