"""`mlci data scan`: planted personal data is flagged column by column, and never shown."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pytest

from mlci.data import detectors, privacy, tables
from mlci.data.privacy import Tally, Thresholds
from mlci.data.scan import ScanRequest, scan
from support.commands import commit_all, git, mlci

ROWS = 200


def luhn_complete(prefix: str) -> str:
    """`prefix` plus the check digit that makes it Luhn-valid."""
    return next(prefix + d for d in "0123456789" if detectors.luhn(prefix + d))


def iban(country: str, bban: str) -> str:
    """A valid IBAN: the check digits that make mod-97 hold."""
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


def planted(rng: random.Random) -> tuple[dict[str, list[object]], set[tuple[str, str]]]:
    """Columns of ROWS values: some of each kind of personal data, and look-alikes."""
    n = range(ROWS)
    cards = [luhn_complete(f"4{rng.randrange(10**14):014d}") for _ in n]
    ibans = [iban("DE", f"{rng.randrange(10**18):018d}") for _ in n]
    columns: dict[str, list[object]] = {
        "email": [f"user{i}@example.com" for i in n],
        "phone": [f"+44 20 7946 {i:04d}" for i in n],
        "card": [f"{c[:4]} {c[4:8]} {c[8:12]} {c[12:]}" for c in cards],
        "card_number": [int(c) for c in cards],  # as integers
        "iban": ibans,
        "ssn": [f"{rng.randrange(1, 600):03d}-{rng.randrange(1, 99):02d}-{i + 1000:04d}"
                for i in n],
        "ip": [f"10.{i // 250}.{i % 250}.{rng.randrange(1, 254)}" for i in n],
        "ip6": [f"2001:db8::{i:x}" for i in n],
        "notes": [f"key AKIA{rng.randrange(36**16):016d}"[:24] if i == 7 else "fine"
                  for i in n],
        # look-alikes: never flagged
        "card_bad_luhn": [c[:-1] + str((int(c[-1]) + 1) % 10) for c in cards],
        "iban_bad_check": [b[:2] + f"{(int(b[2:4]) + 1) % 100:02d}" + b[4:] for b in ibans],
        "order_id": [rng.randrange(10**15, 10**16) for _ in n],
        "amount": [rng.uniform(0, 1e4) for _ in n],
        "day": [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in n],
        "version": [f"v{i % 5}.{i % 7}.{i % 3}" for i in n],
        "time": [f"{i % 24:02d}:{i % 60:02d}:{i % 60:02d}" for i in n],
        "zip": [f"{rng.randrange(10000, 99999)}" for _ in n],
        "ref": [f"{rng.randrange(100, 999)}-{rng.randrange(1000000, 9999999)}" for _ in n],
    }
    expected = {("email", "email"), ("phone", "phone"), ("card", "card"),
                ("card_number", "card"), ("iban", "iban"), ("ssn", "ssn"), ("ip", "ipv4"),
                ("ip6", "ipv6"), ("notes", "cloud_key")}
    return columns, expected


def raw_values(columns: dict[str, list[object]], expected: set[tuple[str, str]]) -> list[str]:
    flagged = {column for column, _ in expected}
    return [str(v) for name in flagged for v in columns[name]]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_exactly_the_planted_columns_are_flagged(tmp_path: Path, suffix: str) -> None:
    columns, expected = planted(random.Random(13))
    path = tmp_path / f"people{suffix}"
    with tables.writer(path, tables.format_of(path)) as out:
        out.write(pa.record_batch(columns))
    result = scan(ScanRequest(tmp_path, (path,)))
    assert {(f.column, f.kind) for f in result.flagged} == expected
    assert (result.files, result.rows, result.columns) == (1, ROWS, len(columns))
    email = next(f for f in result.flagged if f.kind == "email")
    assert (email.path, email.distinct_hits, email.share) == (path.name, ROWS, 1.0)
    assert email.examples == ("u***@e***.com",)
    card = next(f for f in result.flagged if f.column == "card")
    assert card.examples[0].startswith("**** **** **** ")


def test_the_cli_never_prints_a_planted_value(tmp_path: Path) -> None:
    columns, expected = planted(random.Random(5))
    path = tmp_path / "people.csv"
    with tables.writer(path, "csv") as out:
        out.write(pa.record_batch(columns))
    text = mlci("data", "scan", str(path), cwd=tmp_path, expect=1)
    as_json = mlci("data", "scan", str(path), "--json", "--output", "found.json", cwd=tmp_path,
                   expect=1)
    written = (tmp_path / "found.json").read_text()
    assert json.loads(written) == json.loads(as_json.stdout)
    shown = text.stdout + text.stderr + as_json.stdout + as_json.stderr + written
    leaked = [value for value in raw_values(columns, expected) if value in shown]
    assert leaked == []
    assert "**** **** **** " in text.stdout and "u***@e***.com" in text.stdout


def test_json_has_exactly_the_documented_shape(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("contact\n" + "".join(f"p{i}@mail.org\n" for i in range(6)))
    data = json.loads(mlci("data", "scan", "t.csv", "--json", cwd=tmp_path, expect=1).stdout)
    assert data == {"flagged": [{"path": "t.csv", "column": "contact", "kind": "email",
                                 "distinct_hits": 6, "share": 1.0,
                                 "examples": ["p***@m***.org"]}],
                    "scanned": {"files": 1, "rows": 6, "columns": 1}}
    assert mlci("data", "scan", "t.csv", "--exit-zero", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(("values", "flagged"), [
    ([f"a{i}@x.org" for i in range(4)], False),  # 4 distinct: under 5
    ([f"a{i % 4}@x.org" for i in range(40)], False),  # many hits, 4 distinct values
    ([f"a{i}@x.org" for i in range(9)] + ["-"] * 91, False),  # 9% of the values
    ([f"a{i}@x.org" for i in range(10)] + ["-"] * 90, True),  # 10%
    (["-----BEGIN PRIVATE KEY-----"] + ["-"] * 999, True),  # a secret: one is enough
])
def test_thresholds_keep_a_stray_match_from_flagging_a_column(values: list[str],
                                                              flagged: bool) -> None:
    tally = Tally()
    privacy.count(tally, pa.array(values))
    assert bool(privacy.flag(tally, Thresholds(5, 0.1))) is flagged


def test_thresholds_and_allow_come_from_mlci_yaml(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "t.csv").write_text("a,b\n" + "".join(f"x{i}@m.org,{i}\n" for i in range(3)))
    mlci("data", "scan", "t.csv", cwd=tmp_path)  # 3 distinct: clean by default
    (tmp_path / "mlci.yaml").write_text("privacy:\n  min_distinct_hits: 3\n")
    mlci("data", "scan", "t.csv", cwd=tmp_path, expect=1)
    (tmp_path / "mlci.yaml").write_text("privacy:\n  min_distinct_hits: 3\n  allow:\n"
                                        "    - {path: '*.csv', column: a}\n")
    result = mlci("data", "scan", "t.csv", cwd=tmp_path)
    assert "1 finding(s) accepted by privacy.allow" in result.stderr
    assert mlci("data", "scan", "t.csv", "--min-distinct-hits", "9", cwd=tmp_path).returncode == 0


def test_free_text_is_scanned_line_by_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("".join(f"ticket {i}: reply to c{i}@shop.com\n" for i in range(5))
                     + "\n".join(["-"] * 500) + "\n-----BEGIN EC PRIVATE KEY-----\nMHcC\n")
    (tmp_path / "model.bin").write_bytes(b"\x00\x01 c@shop.com")
    result = scan(ScanRequest(tmp_path, (notes, tmp_path / "model.bin")))
    assert {(f.column, f.kind, f.distinct_hits) for f in result.flagged} == {
        (None, "email", 5), (None, "private_key", 1)}
    assert result.skipped == ("model.bin: binary",)


def test_sampling_takes_the_head_then_every_eighth_row() -> None:
    batch = pa.record_batch({"i": list(range(70_000))})
    first = privacy._sample(batch.slice(0, 65_540), 0).column("i").to_pylist()
    assert first == [*range(65_536), 65_536]
    rest = privacy._sample(batch.slice(65_540), 65_540).column("i").to_pylist()
    assert rest == list(range(65_544, 70_000, 8))


def test_default_scans_the_pipeline_data(project: Path) -> None:
    clean = mlci("data", "scan", cwd=project)
    assert "no personal data or secrets found: scanned 4 files" in clean.stdout
    assert "skipped models/model.pkl: binary" in clean.stderr
    people = project / "data" / "people.csv"
    people.write_text("id,contact\n" + "".join(f"{i},p{i}@corp.com\n" for i in range(20)))
    stage = "  people:\n    cmd: echo people\n    deps:\n      - data/people.csv\n"
    (project / "dvc.yaml").write_text((project / "dvc.yaml").read_text().replace(
        "stages:\n", "stages:\n" + stage, 1))
    commit_all(project, "a table in git that a stage reads")
    flagged = mlci("data", "scan", "--json", cwd=project, expect=1)
    [finding] = json.loads(flagged.stdout)["flagged"]
    assert (finding["path"], finding["column"], finding["kind"]) == ("data/people.csv",
                                                                     "contact", "email")
