"""`mlci data infer`: a schema in pandera's YAML that pandera itself loads and agrees with."""

from __future__ import annotations

from pathlib import Path

import pandera.pandas as pa
import pyarrow
import pyarrow.csv as csv
import pytest

from mlci.data import schemas
from mlci.data.results import default_schema
from support.commands import mlci

REFERENCE = pyarrow.table({
    "id": list(range(40)),
    "age": [20 + i % 30 for i in range(40)],
    "income": [1000.0 + 37.5 * i for i in range(40)],
    "city": ["Oslo", "Lima", "Pune", "Oslo"] * 10,
    "comment": [None if i % 4 == 0 else f"note {i}" for i in range(40)],
    "score": [None if i == 3 else i / 40 for i in range(40)],
})


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    csv.write_csv(REFERENCE, tmp_path / "ref.csv")
    return tmp_path / "ref.csv"


def test_pandera_loads_the_schema_and_the_reference_passes_it(reference: Path) -> None:
    text = mlci("data", "infer", str(reference), cwd=reference.parent).stdout
    schema = pa.DataFrameSchema.from_yaml(text)  # pandera's own loader
    schema.validate(csv.read_csv(reference).to_pandas(), lazy=True)  # raises on any failure
    columns = schema.columns
    assert (columns["id"].dtype.type.name, columns["id"].unique, columns["id"].nullable) == (
        "int64", True, False)
    assert [c.statistics for c in columns["age"].checks] == [
        {"min_value": 18, "max_value": 51, "include_min": True, "include_max": True}]
    assert [c.statistics for c in columns["income"].checks] == [
        {"min_value": 850.0, "max_value": 2610.0, "include_min": True, "include_max": True}]
    assert columns["city"].checks[0].statistics == {"allowed_values": ["Lima", "Oslo", "Pune"]}
    assert (columns["comment"].nullable, columns["comment"].checks) == (True, [])
    assert (columns["score"].nullable, columns["age"].unique) == (True, False)


def test_the_header_says_it_was_inferred(reference: Path, tmp_path: Path) -> None:
    result = mlci("data", "infer", str(reference), "-o", "s.yaml", cwd=tmp_path)
    text = (tmp_path / "s.yaml").read_text()
    assert text.startswith(f"# Data schema INFERRED by `mlci data infer` from {reference} "
                           "(40 rows).\n# REVIEW IT")
    assert "review it" in result.stderr
    assert mlci("data", "validate", str(reference), "--schema", "s.yaml",
                cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(("low", "high", "margin", "integer", "expected"), [
    (0.0, 1.0, 0.1, False, (0.0, 1.1)),  # non-negative values stay non-negative
    (-2.0, 2.0, 0.1, False, (-2.4, 2.4)),
    (6.981, 28.11, 0.1, False, (4.8, 30.3)),
    (0.05263, 0.1634, 0.1, False, (0.041, 0.175)),
    (0, 1, 0.1, True, (0, 1)),  # a 0/1 column stays 0/1
    (20, 120, 0.1, True, (10, 130)),
    (5.0, 5.0, 0.1, False, (4.5, 5.5)),  # a constant
])
def test_ranges_widen_by_the_margin(low: float, high: float, margin: float, integer: bool,
                                    expected: tuple[float, float]) -> None:
    assert schemas.widened(low, high, margin, integer) == expected


def test_default_schema_path() -> None:
    assert default_schema("data/raw.csv") == "data/raw.schema.yaml"
    assert default_schema("logs/2024.jsonl.gz") == "logs/2024.schema.yaml"
