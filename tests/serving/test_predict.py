"""`mlci predict`: chunked batch scoring, rows in input order, every table format."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from support.commands import mlci
from support.serving import Published


@pytest.fixture(scope="module")
def table(published: Published, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The test split three times over, shuffled, with an id column and the label."""
    rows = pd.read_csv(published.root / "data" / "prepared" / "test.csv")
    rows = pd.concat([rows] * 3).sample(frac=1.0, random_state=3).reset_index(drop=True)
    rows.insert(0, "id", [f"row-{i}" for i in range(len(rows))])
    return rows


@pytest.mark.parametrize(("suffix", "out_suffix"), [(".csv", ".csv"), (".parquet", ".parquet"),
                                                    (".jsonl", ".jsonl")])
def test_predict_keeps_input_order(published: Published, table: pd.DataFrame, tmp_path: Path,
                                   suffix: str, out_suffix: str) -> None:
    source = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        table.to_csv(source, index=False)
    elif suffix == ".parquet":
        table.to_parquet(source)
    else:
        table.to_json(source, orient="records", lines=True)
    out = tmp_path / f"out{out_suffix}"
    result = json.loads(mlci("predict", "classifier#prod", str(source), "-o", str(out),
                             "--chunk-size", "50", "--keep", "id", "--json",
                             cwd=published.clone).stdout)
    assert (result["version"], result["rows"], result["format"]) == ("v0.0.1", len(table),
                                                                     out_suffix[1:])
    scored = pd.read_csv(out) if out_suffix == ".csv" else pq.read_table(out).to_pandas() \
        if out_suffix == ".parquet" else pd.read_json(out, lines=True)
    assert list(scored.columns) == ["id", "prediction", "proba_0", "proba_1"]
    model = published.model()
    features = table.drop(columns=["id", "target"])
    assert scored["id"].tolist() == table["id"].tolist()
    np.testing.assert_array_equal(scored["prediction"], model.predict(features))
    np.testing.assert_allclose(scored["proba_1"], model.predict_proba(features)[:, 1])


def test_predict_names_the_version_and_refuses_misfits(published: Published,
                                                       table: pd.DataFrame,
                                                       tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    table.head(10).to_csv(source, index=False)
    done = mlci("predict", str(source), cwd=published.clone)
    assert "scored 10 rows with classifier v0.0.1" in done.stdout
    assert (tmp_path / "in.predictions.csv").is_file()
    table.head(10).drop(columns="mean_area").to_csv(source, index=False)
    missing = mlci("predict", str(source), "-o", str(tmp_path / "bad.csv"),
                   cwd=published.clone, expect=1)
    assert "no column 'mean_area'" in missing.stderr and not (tmp_path / "bad.csv").exists()
    usage = mlci("predict", "a", "b", "c", cwd=published.clone, expect=2)
    assert "[REF] INPUT" in usage.stderr
