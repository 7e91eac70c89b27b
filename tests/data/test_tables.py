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
    picked = pa.Table.from_batches(tables.batches(path, columns=["city", "age"]))
    assert picked.slice(0, 3).to_pylist() == [
        {"city": "Oslo", "age": 31}, {"city": "Lima", "age": 45}, {"city": "Oslo", "age": 27}]
    assert tables.schema(path).names == ["age", "income", "city"]


def test_a_directory_reads_as_its_table_files_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.jsonl").write_text(json.dumps({"x": 1, "y": "u"}) + "\n")
    (tmp_path / "logs" / "b.jsonl").write_text(json.dumps({"x": 2.5, "y": "v"}) + "\n")
    (tmp_path / "logs" / "notes.txt").write_text("not a table")
    assert [b.to_pylist() for b in tables.batches(tmp_path / "logs")] == [
        [{"x": 1, "y": "u"}], [{"x": 2.5, "y": "v"}]]
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


def _notes_csv(path: Path, rows: int) -> Path:
    """Numbers and text, every 7th note quoted with line breaks and escaped quotes inside."""
    lines = [f'{i},{i * 0.5},"note {i}\nline two, ""quoted""\n"' if i % 7 == 0
             else f"{i},{i * 0.5},plain {i}" for i in range(rows)]
    path.write_text("id,score,note\n" + "\n".join(lines) + "\n")
    return path


def test_csv_ranges_never_cut_a_quoted_line_break(tmp_path: Path) -> None:
    """Tiny ranges, many cuts: the same rows, order and types as pyarrow's own reader."""
    import pyarrow.csv as csv

    from mlci.data import csv_ranges

    path = _notes_csv(tmp_path / "notes.csv", 3000)
    got = pa.Table.from_batches(list(csv_ranges.batches(path, None, range_bytes=1024)))
    assert got.equals(csv.read_csv(path))
    picked = pa.Table.from_batches(list(csv_ranges.batches(path, ["id"], range_bytes=4096)))
    assert picked.column("id").to_pylist() == list(range(3000))


def test_a_large_csv_reads_in_parallel_as_one_table(tmp_path: Path) -> None:
    import pyarrow.csv as csv

    from mlci.data import csv_ranges

    path = _notes_csv(tmp_path / "big.csv", 1_100_000)
    assert path.stat().st_size > 2 * csv_ranges.RANGE  # the parallel path
    got = list(tables.batches(path, columns=["note", "id"], batch_rows=100_000))
    assert max(b.num_rows for b in got) <= 100_000
    expected = csv.read_csv(path, parse_options=csv.ParseOptions(newlines_in_values=True),
                            convert_options=csv.ConvertOptions(include_columns=["note", "id"]))
    assert pa.Table.from_batches(got).equals(expected)
    # `types` holds in every range, the first included (a value that does not fit is text)
    typed = tables.batches(path, columns=["id"], types={"id": pa.string()})
    assert {batch.schema.field("id").type for batch in typed} == {pa.string()}


def test_a_mid_sized_csv_streams_quoted_line_breaks_across_blocks(tmp_path: Path) -> None:
    """Below the parallel threshold, pyarrow's streaming reader cuts blocks outside quotes."""
    import pyarrow.csv as csv

    from mlci.data import csv_ranges

    path = _notes_csv(tmp_path / "mid.csv", 300_000)
    assert tables._CSV_BLOCK < path.stat().st_size <= 2 * csv_ranges.RANGE  # several blocks
    got = pa.Table.from_batches(list(tables.batches(path, batch_rows=50_000)))
    assert got.equals(csv.read_csv(path, parse_options=csv.ParseOptions(newlines_in_values=True)))


@pytest.mark.parametrize(("data", "cut"), [
    (b"a,b\n1,2\n3,4", 8), (b'1,"x\ny"\n2,z\n', 12), (b'1,"x\ny', 0), (b'1,"x\n""y"""\n', 12),
    (b"no line break", 0),
])
def test_safe_cut(data: bytes, cut: int) -> None:
    from mlci.data.csv_ranges import safe_cut

    assert safe_cut(data) == cut


def test_text_batches_keep_what_does_not_fit_as_text(tmp_path: Path) -> None:
    """JSONL: the named columns as JSON text (numbers, then a word); the others as pyarrow
    types them; a broken line is named by its number."""
    path = tmp_path / "t.jsonl"
    path.write_text('{"age": 31, "ok": true}\n\n{"age": "forty", "ok": false}\n'
                    '{"age": 2.5, "ok": null}\n')
    with pytest.raises(MlciError, match="changed from number to string"):
        list(tables.batches(path))
    got = [row for b in tables.text_batches(path, ["age"], batch_rows=2) for row in b.to_pylist()]
    assert got == [{"age": "31", "ok": True}, {"age": "forty", "ok": False},
                               {"age": "2.5", "ok": None}]
    path.write_text('{"age": 1}\n{"age": 2\n')
    with pytest.raises(MlciError, match=r"t.jsonl: not readable as JSONL: line 2: "):
        list(tables.text_batches(path, ["age"]))
