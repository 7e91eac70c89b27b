"""The drift engine against Evidently itself: same test per column, same statistics, same verdicts.

Evidently 0.7 (legacy Report + DataDriftPreset) runs in its own environment,
.ci/evidently-venv (from .ci/evidently-requirements.txt; scripts/test makes it), on the very
Parquet files mlci profiles. Data are generated with and without shifts: numeric, integer,
binary, categorical and text columns, missing values, small (<= 1000 rows: p-value tests)
and large references (distances), and a current side big enough for the asymptotic KS test.
"""

from __future__ import annotations

import json
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlci.data import tables
from mlci.monitoring import drift, profile
from support.commands import REPO_ROOT

EVIDENTLY = REPO_ROOT / ".ci" / "evidently-venv" / "bin" / "python"
RUNNER = Path(__file__).with_name("evidently_drift.py")
RELATIVE = 1e-6


@dataclass(frozen=True)
class Case:
    name: str
    reference_rows: int
    current_rows: int
    shift: float
    stattest: str | None = None  # Evidently's `stattest=` for every column


CASES = (
    Case("small", 400, 600, 0.0), Case("small-shifted", 400, 600, 1.0),
    Case("large", 3000, 2000, 0.0), Case("large-shifted", 3000, 2000, 1.0),
    Case("small-vs-many", 300, 12_000, 0.3),
    Case("psi-small", 400, 600, 1.0, "psi"), Case("psi-large", 3000, 2000, 0.5, "psi"),
    Case("jensenshannon", 3000, 2000, 0.5, "jensenshannon"),
)


def table(rng: np.random.Generator, rows: int, shift: float) -> pa.Table:
    """Eleven kinds of column; `shift` moves each distribution by a different amount."""
    categories = np.array(list("abcde"))
    weights = np.array([0.3, 0.3, 0.2, 0.1, 0.1]) * (1 - shift) + 0.2 * shift
    missing = rng.random(rows) < 0.1
    return pa.table({
        "normal": rng.normal(0, 1, rows),
        "moved": rng.normal(0.6 * shift, 1 + 0.2 * shift, rows),
        "skewed": rng.exponential(1 + shift, rows),
        "counts": rng.integers(0, 40 + int(30 * shift), rows),
        "few_integers": rng.integers(0, 4, rows),
        "binary": rng.choice([0, 1], rows, p=[0.7 - 0.3 * shift, 0.3 + 0.3 * shift]),
        "letter": categories[rng.choice(5, rows, p=weights / weights.sum())],
        "answer": rng.choice(["yes", "no"], rows),
        "few_floats": rng.choice([0.5, 1.5, 2.5], rows),
        "with_missing": pa.array(rng.normal(shift, 1, rows), mask=missing),
        "target": rng.choice([0, 1], rows, p=[0.5 + 0.2 * shift, 0.5 - 0.2 * shift]),
    })


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    where = tmp_path_factory.mktemp("evidently")
    out = {}
    for index, case in enumerate(CASES):
        rng = np.random.default_rng(index)
        ref, cur = where / f"{case.name}-reference.parquet", where / f"{case.name}-current.parquet"
        pq.write_table(table(rng, case.reference_rows, 0.0), ref)
        pq.write_table(table(rng, case.current_rows, case.shift), cur)
        out[case.name] = (ref, cur)
    return out


@pytest.fixture(scope="module")
def evidently(files: dict[str, tuple[Path, Path]]) -> dict[str, Any]:
    """Evidently's verdicts for every case, from one run of its own interpreter."""
    if not EVIDENTLY.exists():
        pytest.fail(f"{EVIDENTLY} is missing: scripts/test makes it (python -m venv "
                    ".ci/evidently-venv && .ci/evidently-venv/bin/pip install -r "
                    ".ci/evidently-requirements.txt)")
    request = [{"reference": str(files[c.name][0]), "current": str(files[c.name][1]),
                "stattest": c.stattest, "target": "target"} for c in CASES]
    proc = subprocess.run([str(EVIDENTLY), str(RUNNER)], input=json.dumps(request), text=True,
                          capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(zip((c.name for c in CASES), json.loads(proc.stdout), strict=True))


def mlci_drift(case: Case, files: dict[str, tuple[Path, Path]]) -> drift.Drift:
    ref_path, cur_path = files[case.name]
    reference = profile.build(tables.batches(ref_path), profile.Spec())
    current = profile.build(tables.batches(cur_path),
                            profile.current_spec(reference, profile.Spec()))
    overrides = dict.fromkeys(reference.columns, case.stattest) if case.stattest else {}
    return drift.compare(reference, current, drift.Options(stattest=overrides, target="target"))


def close(ours: float, theirs: float) -> bool:
    if theirs == 0 or not math.isfinite(theirs):
        return ours == theirs or abs(ours - theirs) <= 1e-12
    return abs(ours - theirs) <= RELATIVE * abs(theirs)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_same_test_statistic_and_verdict_per_column(case: Case, files: dict[str, tuple[Path, Path]],
                                                    evidently: dict[str, Any]) -> None:
    theirs = evidently[case.name]
    ours = mlci_drift(case, files)
    columns = {c.name: c for c in ours.columns}
    assert set(columns) == set(theirs["columns"])
    for name, expected in theirs["columns"].items():
        got = columns[name]
        assert (got.test.label, got.threshold) == (expected["stattest"],
                                                    expected["threshold"]), name
        assert close(got.statistic, expected["score"]), (name, got.statistic, expected["score"])
        assert got.drifted == expected["drifted"], name
    assert math.isclose(ours.share, theirs["share"]) and ours.dataset_drift == theirs["drift"]


def test_the_cases_cover_every_default_test_and_both_verdicts(
        files: dict[str, tuple[Path, Path]], evidently: dict[str, Any]) -> None:
    """The comparison above is only as good as what it saw: every test, drift and no drift."""
    seen = {(c["stattest"], c["drifted"]) for result in evidently.values()
            for c in result["columns"].values()}
    for label in ("K-S p_value", "chi-square p_value", "Z-test p_value",
                  "Wasserstein distance (normed)", "Jensen-Shannon distance", "PSI"):
        assert {(label, True), (label, False)} <= seen, label
    assert {r["drift"] for r in evidently.values()} == {True, False}
