"""Tables: every format round-trips through `writer` and `batches`, in bounded batches."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from mlci.data import tables
from mlci.errors import MlciError

SAMPLE = pa.table({"age": [31, 45, 27, 60, 38], "income": [1.5, 2.0, None, 4.25, 3.0],
                   "city": ["Oslo", "Lima", "Oslo", None, "Pune"]})


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_written_tables_read_back_in_small_batches(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"t{suffix}"
    with tables.writer(path, tables.format_of(path)) as out:
        for batch in SAMPLE.to_batches(max_chunksize=2):
            out.write(batch)
    assert out.rows == 5
    got = list(tables.batches(path, batch_rows=2))
    assert [b.num_rows for b in got] == [2, 2, 1]
    assert pa.Table.from_batches(got).to_pylist() == SAMPLE.to_pylist()
    assert tables.read(path, columns=["city", "age"], max_rows=3).to_pylist() == [
        {"city": "Oslo", "age": 31}, {"city": "Lima", "age": 45}, {"city": "Oslo", "age": 27}]
    assert tables.schema(path).names == ["age", "income", "city"]


def test_a_directory_reads_as_one_table_with_types_promoted(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.jsonl").write_text(json.dumps({"x": 1, "y": "u"}) + "\n")
    (tmp_path / "logs" / "b.jsonl").write_text(json.dumps({"x": 2.5, "y": "v"}) + "\n")
    (tmp_path / "logs" / "notes.txt").write_text("not a table")
    table = tables.read(tmp_path / "logs")
    assert table.column("x").to_pylist() == [1.0, 2.5]
    assert tables.files(tmp_path / "logs") == [tmp_path / "logs" / "a.jsonl",
                                                tmp_path / "logs" / "b.jsonl"]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("t.csv", "x,y\n1,2\n", "no column 'z'"),
    ("t.xlsx", "", "not a table file mlci reads"),
    ("t.jsonl", "{not json\n", "not readable as JSONL"),
    ("missing.csv", None, "no such file or directory"),
])
def test_bad_input_is_one_clear_error(tmp_path: Path, name: str, content: str | None,
                                      message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(MlciError, match=message):
        list(tables.batches(path, columns=["z"] if name == "t.csv" else None))


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError), tables.writer(path, "parquet") as out:
        out.write(SAMPLE.to_batches()[0])
        raise RuntimeError("scoring failed half-way")
    assert list(tmp_path.iterdir()) == []
