"""`mlci data validate`: every failure with its rows and examples, chunk by chunk, as pandera
counts them on the whole table."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.parquet as pq
import pytest

from mlci.data.validation import ValidateRequest, validate
from support.commands import mlci

SCHEMA = """\
schema_type: dataframe
columns:
  id: {dtype: int64, unique: true}
  age: {dtype: int64, in_range: {min_value: 18, max_value: 99}}
  city: {dtype: str, isin: [Lima, Oslo, Pune]}
  score: {dtype: float64, nullable: false, greater_than_or_equal_to: 0.0}
coerce: true
"""


def table(rows: int = 30) -> list[dict[str, object]]:
    return [{"id": i, "age": 20 + i % 50, "city": ["Lima", "Oslo", "Pune"][i % 3],
             "score": i / 10} for i in range(rows)]


def broken() -> list[dict[str, object]]:
    rows = table()
    rows[3]["age"] = "forty"  # dtype
    rows[4]["age"] = 12.5  # dtype (not a whole number)
    rows[5]["score"] = None  # null
    rows[6]["score"] = None
    rows[7]["age"] = 120  # range
    rows[8]["age"] = 5
    rows[9]["age"] = 120
    rows[10]["city"] = "Paris"  # category
    rows[11]["id"] = 1  # unique: rows 1 and 11
    rows[12]["id"] = 2
    rows[13]["id"] = 2  # rows 2, 12, 13
    rows[14]["city"] = "ana.lima@example.com"  # category, and personal
    return rows


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def schema(tmp_path: Path) -> Path:
    (tmp_path / "schema.yaml").write_text(SCHEMA)
    return tmp_path / "schema.yaml"


def failures(path: Path, schema: Path, chunk_rows: int = 200_000) -> dict[tuple[str, str],
                                                                          tuple[int, list[object]]]:
    result = validate(ValidateRequest(path, schema, chunk_rows=chunk_rows))
    return {(f.column or "", f.check): (f.failing_rows, list(f.examples)) for f in result.failures}


def test_each_kind_of_failure_with_its_rows_and_examples(tmp_path: Path, schema: Path) -> None:
    found = failures(write_csv(tmp_path / "t.csv", broken()), schema)
    assert found == {
        ("id", "field_uniqueness"): (5, [1, 2]),
        ("age", "dtype('int64')"): (2, ["forty", "12.5"]),
        ("age", "in_range(18, 99)"): (3, [120, 5]),
        ("city", "isin(['Lima', 'Oslo', 'Pune'])"): (2, ["Paris", "a***@e***.com"]),
        ("score", "not_nullable"): (2, [None]),
    }


@pytest.mark.parametrize("chunk_rows", [4, 200_000])
def test_a_jsonl_column_whose_kind_changes_is_a_failure_not_a_read_error(
        tmp_path: Path, schema: Path, chunk_rows: int) -> None:
    """pyarrow's JSON reader refuses a column that turns from numbers to text ("forty" in
    row 3); the values are then read as text and judged like the CSV's: the same failures."""
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in broken()))
    csv = failures(write_csv(tmp_path / "t.csv", broken()), schema)
    assert failures(path, schema, chunk_rows) == csv
    assert csv[("age", "dtype('int64')")] == (2, ["forty", "12.5"])


def test_counts_match_pandera_on_the_whole_table(tmp_path: Path, schema: Path) -> None:
    """pandera is the reference: the same table, checked at once, gives the same counts."""
    rows = [r for r in broken() if not isinstance(r["age"], str) and r["age"] != 12.5]
    ours = failures(write_csv(tmp_path / "t.csv", rows), schema, chunk_rows=4)
    try:
        pa.DataFrameSchema.from_yaml(schema.read_text()).validate(pd.DataFrame(rows), lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    theirs = {(column, check): len(group) for (column, check), group in
              cases.groupby(["column", "check"])}
    assert {key: rows for key, (rows, _) in ours.items()} == theirs


def test_chunks_change_nothing(tmp_path: Path, schema: Path) -> None:
    path = write_csv(tmp_path / "t.csv", broken())
    assert failures(path, schema, chunk_rows=4) == failures(path, schema)


def test_a_clean_table_passes(tmp_path: Path, schema: Path) -> None:
    write_csv(tmp_path / "t.csv", table())
    result = mlci("data", "validate", "t.csv", "--schema", str(schema), cwd=tmp_path)
    assert result.stdout == f"t.csv: valid against {schema} (30 rows)\n"
    as_json = mlci("data", "validate", "t.csv", "--schema", str(schema), "--json", cwd=tmp_path)
    assert json.loads(as_json.stdout) == {"valid": True, "failures": []}


def test_cli_json_output_file_and_exit_codes(tmp_path: Path, schema: Path) -> None:
    write_csv(tmp_path / "t.csv", broken())
    (tmp_path / "t.schema.yaml").write_text(SCHEMA)  # the default schema of t.csv
    result = mlci("data", "validate", "t.csv", "--json", "-o", "out/result.json", cwd=tmp_path,
                  expect=1)
    data = json.loads(result.stdout)
    assert data == json.loads((tmp_path / "out" / "result.json").read_text())
    assert set(data) == {"valid", "failures"} and data["valid"] is False
    assert all(set(f) == {"column", "check", "failing_rows", "examples"}
               for f in data["failures"])
    text = mlci("data", "validate", "t.csv", "--exit-zero", cwd=tmp_path)
    assert "t.csv: 5 check(s) failed against t.schema.yaml (30 rows)" in text.stdout
    assert "ana.lima@example.com" not in text.stdout + result.stdout


def test_private_columns_are_masked_in_examples(tmp_path: Path, schema: Path) -> None:
    write_csv(tmp_path / "t.csv", broken())
    (tmp_path / "mlci.yaml").write_text("privacy:\n  hash: [city]\n")
    data = json.loads(mlci("data", "validate", "t.csv", "--schema", str(schema), "--json",
                           cwd=tmp_path, expect=1).stdout)
    [city] = [f for f in data["failures"] if f["column"] == "city"]
    assert city["examples"] == ["***"]


def test_parquet_types_and_a_missing_column(tmp_path: Path, schema: Path) -> None:
    frame = pyarrow.table({"id": [1, 2, 3], "age": [20.0, 30.5, 40.0],
                           "score": [1.0, 2.0, 3.0]})
    pq.write_table(frame, tmp_path / "t.parquet")
    found = failures(tmp_path / "t.parquet", schema)
    assert found == {("age", "dtype('int64')"): (1, [30.5]),
                     ("city", "column_in_dataframe"): (3, [])}


@pytest.mark.parametrize(("schema_text", "message"), [
    (None, "no such schema file"),
    ("columns: [unclosed\n", "not a pandera YAML schema"),
])
def test_a_bad_schema_is_one_clear_error(tmp_path: Path, schema_text: str | None,
                                         message: str) -> None:
    write_csv(tmp_path / "t.csv", table())
    if schema_text is not None:
        (tmp_path / "s.yaml").write_text(schema_text)
    result = mlci("data", "validate", "t.csv", "--schema", "s.yaml", cwd=tmp_path, expect=1)
    assert message in result.stderr and "Traceback" not in result.stderr


def test_uniqueness_ignores_nulls_as_pandera_does(tmp_path: Path) -> None:
    frame = pd.DataFrame({"k": ["a", None, "b", "a", None, "c", "b", "b"]})
    write_csv(tmp_path / "t.csv", frame.to_dict("records"))
    (tmp_path / "s.yaml").write_text("schema_type: dataframe\ncolumns:\n"
                                     "  k: {dtype: str, unique: true, nullable: true}\n")
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        pa.DataFrameSchema.from_yaml((tmp_path / "s.yaml").read_text()).validate(frame, lazy=True)
    assert failures(tmp_path / "t.csv", tmp_path / "s.yaml", chunk_rows=3) == {
        ("k", "field_uniqueness"): (len(caught.value.failure_cases), ["a", "b"])}


def test_five_million_rows_stay_under_500_mb(tmp_path: Path) -> None:
    """Bounded memory: chunks for pandera, a sort (not a hash table) for uniqueness."""
    import subprocess
    import sys

    import numpy as np

    rows = 5_000_000
    ids = np.arange(rows)
    cities = pyarrow.array(["Lima", "Oslo", "Pune"]).take(pyarrow.array(ids % 3))
    pq.write_table(pyarrow.table({"id": ids, "x": (ids % 1000) / 10.0, "city": cities}),
                   tmp_path / "big.parquet", row_group_size=250_000)
    (tmp_path / "s.yaml").write_text(
        "schema_type: dataframe\ncolumns:\n  id: {dtype: int64, unique: true}\n"
        "  x: {dtype: float64, in_range: {min_value: 0.0, max_value: 99.0}}\n"
        "  city: {dtype: str, isin: [Lima, Oslo, Pune]}\n")
    # a fresh interpreter starts mlci and reads its peak RSS: from this (big) process, the
    # child's peak would include the pages it shared with pytest before its exec
    launcher = ("import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:], "
                "stdout=subprocess.PIPE); out = p.stdout.read().decode(); "
                "_, status, usage = os.wait4(p.pid, 0); "
                "print(usage.ru_maxrss, os.waitstatus_to_exitcode(status)); print(out)")
    proc = subprocess.run([sys.executable, "-c", launcher, sys.executable, "-m", "mlci", "data",
                           "validate", "big.parquet", "--schema", "s.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    peak_kb, code = map(int, proc.stdout.split("\n", 1)[0].split())
    assert code == 1, proc.stdout
    assert "x         in_range(0.0, 99.0)  45,000" in proc.stdout  # 99.1 to 99.9: 9 in 1,000
    assert peak_kb / 1024 < 500  # ru_maxrss is in kilobytes on Linux
