"""`mlci monitor` on a published model: reference profile, drift verdicts, exit codes, JSON,
the report, privacy, and where the data may come from."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mlci.monitoring import references
from support.browser import MermaidBrowser, mermaid_blocks, problems
from support.commands import commit_all, git, mlci
from support.projects import copy_project

MONITOR = """
monitor:
  classifier:
    reference: data/prepared/train.csv
    target: target
    drift_share: 0.5
    performance:
      accuracy: {min: 0.9}
"""
JSON_KEYS = {"model", "version", "dataset_drift", "drift_share", "columns", "prediction",
             "performance"}
COLUMN_KEYS = {"type", "stattest", "statistic", "threshold", "drifted", "psi"}


def write_csv(path: Path, header: str, rows: np.ndarray) -> Path:
    np.savetxt(path, rows, delimiter=",", header=header, comments="", fmt="%.6g")
    return path


@pytest.fixture(scope="module")
def published(trained_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project, monitored, with v0.0.1 published to staging and promoted to prod."""
    root = copy_project(trained_template, tmp_path_factory.mktemp("monitor"))
    with (root / "mlci.yaml").open("a") as handle:
        handle.write(MONITOR)
    commit_all(root, "monitor the classifier")
    mlci("publish", "classifier", "--stage", "staging", cwd=root)
    mlci("promote", "classifier", "v0.0.1", "prod", cwd=root)
    return root


@pytest.fixture(scope="module")
def live(published: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Current data: the held-out rows as they are, and with most features shifted."""
    where = tmp_path_factory.mktemp("live")
    test = published / "data" / "prepared" / "test.csv"
    header = test.read_text().splitlines()[0]
    rows = np.loadtxt(test, delimiter=",", skiprows=1)
    shifted = rows.copy()
    shifted[:, :20] += 1.0
    return {"same": write_csv(where / "same.csv", header, rows),
            "shifted": write_csv(where / "shifted.csv", header, shifted)}


def test_the_published_card_names_the_reference_profile(published: Path) -> None:
    card = git(published, "tag", "-l", "--format=%(contents)", "classifier@v0.0.1")
    md5 = card.split("monitoring profile: `", 1)[1].split("`", 1)[0]
    assert len(md5) == 32
    remote = published.parent / "dvc-remote" / "files" / "md5" / md5[:2] / md5[2:]
    assert json.loads(remote.read_text())["rows"] == 426  # the training rows, profiled


def test_unshifted_data_is_healthy(published: Path, live: dict[str, Path]) -> None:
    proc = mlci("monitor", "--current", str(live["same"]), "--json", cwd=published)
    result = json.loads(proc.stdout)
    assert set(result) == JSON_KEYS
    assert (result["model"], result["version"], result["dataset_drift"]) == \
        ("classifier", "v0.0.1", False)
    assert result["drift_share"] == 0.5
    assert len(result["columns"]) == 31  # 30 features and the label
    assert all(set(c) == COLUMN_KEYS for c in result["columns"].values())
    assert result["columns"]["mean_radius"]["stattest"] == "ks"  # 426 reference rows: p-values
    assert result["columns"]["target"]["stattest"] == "z"


def test_shifted_data_drifts_and_exits_1(published: Path, live: dict[str, Path],
                                        tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    proc = mlci("monitor", "classifier#prod", "--current", str(live["shifted"]), "--output",
                str(out), cwd=published, expect=1)
    assert proc.stdout.startswith("unhealthy: classifier v0.0.1 (prod): data drift in")
    text = out.read_text()
    assert text.startswith("<!-- mlci-monitor -->\n## ❌ mlci monitor: classifier v0.0.1 (prod)")
    assert "profile published with the version" in text, text
    assert "| mean\\_radius | numerical | K-S p\\_value |" in text
    assert "```mermaid" in text and "### Data quality" in text
    table = text.split("### Columns", 1)[1].split("###", 1)[0]
    verdicts = [line.split(" | ")[5] for line in table.splitlines() if line.startswith("| ")][2:]
    assert verdicts == sorted(verdicts, key=lambda v: "no drift" in v)  # most drifted first


def test_the_report_charts_draw_readably(published: Path, live: dict[str, Path],
                                        mermaid: MermaidBrowser) -> None:
    text = mlci("monitor", "--current", str(live["shifted"]), cwd=published, expect=1).stdout
    drawn = mermaid.draw(text, "monitor")
    assert len(mermaid_blocks(text)) == 3  # the three most drifted columns
    assert len(drawn) == 2 * 3 and problems(drawn) == []
    assert all(len(d.bars) == 10 and len(d.lines) == 1 for d in drawn)  # 10 bins, 1 line


def test_current_data_from_a_revision_and_a_sample(published: Path) -> None:
    proc = mlci("monitor", "--current", "HEAD:data/prepared/test.csv", "--sample", "50",
                "--json", cwd=published)
    result = json.loads(proc.stdout)
    assert result["dataset_drift"] is False
    report = mlci("monitor", "--current", "HEAD:data/prepared/test.csv", "--sample", "50",
                  cwd=published)
    assert "Current: `HEAD:data/prepared/test.csv`, 50 rows." in report.stdout


def test_prediction_logs_are_current_data(published: Path, tmp_path: Path) -> None:
    """What `mlci serve --log-predictions` writes: JSONL rows with the inputs and more columns;
    a file still being written (`.part`) is not read."""
    test = published / "data" / "prepared" / "test.csv"
    names = test.read_text().splitlines()[0].split(",")
    rows = np.loadtxt(test, delimiter=",", skiprows=1)
    logs = tmp_path / "logs"
    logs.mkdir()
    for part, chunk in enumerate(np.array_split(rows, 2)):
        (logs / f"predictions-{part}.jsonl").write_text("".join(
            json.dumps({"request_id": f"r{part}-{i}", "time": "2025-01-01T00:00:00Z",
                        "model": "classifier", "version": "v0.0.1", "prediction": 1,
                        **dict(zip(names, row.tolist(), strict=True))}) + "\n"
            for i, row in enumerate(chunk)))
    (logs / "predictions-2.jsonl.part").write_text('{"mean_radius": "half a row')
    result = json.loads(mlci("monitor", "--current", str(logs), "--json", cwd=published).stdout)
    assert result["dataset_drift"] is False and len(result["columns"]) == 31
    report = mlci("monitor", "--current", str(logs), cwd=published).stdout
    assert f"{len(rows):,} rows." in report


def test_a_version_without_a_profile_gets_one_built_and_cached(published: Path,
                                                               live: dict[str, Path]) -> None:
    # the stored profile is skipped when mlci.yaml's column settings no longer match it
    config = published / "mlci.yaml"
    saved = config.read_text()
    config.write_text(saved + "    columns: {exclude: [mean_area]}\n")
    try:
        first = mlci("monitor", "--current", str(live["same"]), cwd=published)
        assert "profile built now" in first.stdout and "mean\\_area" not in first.stdout
        again = mlci("monitor", "--current", str(live["same"]), cwd=published)
        assert "profile built earlier, cached" in again.stdout
        assert any(references.cache_dir().glob("*.json"))
    finally:
        config.write_text(saved)


def test_hashed_and_excluded_columns_never_show_their_values(published: Path,
                                                             tmp_path: Path) -> None:
    (tmp_path / "ref.csv").write_text("email,plan,score\n" + "".join(
        f"user{i}@example.com,{'free' if i % 3 else 'pro'},{i % 7}\n" for i in range(300)))
    (tmp_path / "cur.csv").write_text("email,plan,score\n" + "".join(
        f"other{i}@example.com,enterprise-secret,{i % 5}\n" for i in range(200)))
    config = published / "mlci.yaml"
    saved = config.read_text()
    config.write_text(saved + "privacy: {hash: [plan], exclude: [email]}\n")
    try:
        proc = mlci("monitor", "--reference", str(tmp_path / "ref.csv"), "--current",
                    str(tmp_path / "cur.csv"), cwd=published, expect=1)
        as_json = mlci("monitor", "--reference", str(tmp_path / "ref.csv"), "--current",
                       str(tmp_path / "cur.csv"), "--json", cwd=published, expect=1)
    finally:
        config.write_text(saved)
    for text in (proc.stdout, as_json.stdout):
        assert "enterprise" not in text and "example.com" not in text and "free" not in text
        assert "email" not in text  # excluded: not even profiled
    assert "| plan | categorical |" in proc.stdout  # hashed: tested, values hidden
    assert "unseen categories" in proc.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("--current", "nowhere.csv"), "nowhere.csv: no such file or directory"),
    (("nope#prod", "--current", "x.csv"), "no model named 'nope' in the registry"),
    (("--current", "HEAD:data/prepared/test.csv", "--sample", "0"),
     "--sample: expected a positive number of rows, got 0"),
])
def test_bad_input_is_one_line_and_exit_1(published: Path, args: tuple[str, ...],
                                          message: str) -> None:
    proc = mlci("monitor", *args, cwd=published, expect=1)
    assert proc.stderr.startswith(f"mlci: error: {message}")
    assert "Traceback" not in proc.stderr


def test_an_unmonitored_model_needs_a_reference(project: Path) -> None:
    mlci("publish", "classifier", "--stage", "staging", cwd=project)
    proc = mlci("monitor", "classifier#staging", "--current", "x.csv", cwd=project, expect=1)
    assert "mlci.yaml has no monitor.classifier section" in proc.stderr
