"""Run Evidently's legacy DataDriftPreset on pairs of Parquet files; print its per-column verdicts.

Not a test module: tests/monitoring/test_evidently.py runs it with .ci/evidently-venv/bin/python
(Evidently 0.7 needs pandas<3, so it lives in its own environment). Input on stdin: a JSON list
of {"reference": PATH, "current": PATH, "stattest": NAME or null}; output on stdout: a JSON
list of {"columns": {NAME: {"stattest", "score", "drifted", "threshold"}}, "share", "drift"}.
"""

import json
import sys
import warnings

import pandas as pd
from evidently.legacy.metric_preset import DataDriftPreset
from evidently.legacy.pipeline.column_mapping import ColumnMapping
from evidently.legacy.report import Report


def run(case: dict) -> dict:
    reference = pd.read_parquet(case["reference"])
    current = pd.read_parquet(case["current"])
    preset = DataDriftPreset(stattest=case.get("stattest"), num_stattest=case.get("num_stattest"),
                             drift_share=case.get("drift_share", 0.5))
    report = Report(metrics=[preset])
    mapping = ColumnMapping(target=case.get("target"), prediction=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.run(reference_data=reference, current_data=current, column_mapping=mapping)
    metrics = report.as_dict()["metrics"]
    table = next(m["result"] for m in metrics if "drift_by_columns" in m["result"])
    summary = next(m["result"] for m in metrics if "share_of_drifted_columns" in m["result"])
    columns = {name: {"stattest": r["stattest_name"], "score": float(r["drift_score"]),
                      "drifted": bool(r["drift_detected"]), "threshold": r["stattest_threshold"]}
               for name, r in table["drift_by_columns"].items()}
    return {"columns": columns, "share": summary["share_of_drifted_columns"],
            "drift": summary["dataset_drift"]}


if __name__ == "__main__":
    print(json.dumps([run(case) for case in json.load(sys.stdin)]))
