"""`mlci diff --json` against `dvc metrics diff --json` / `dvc params diff --json`, real repo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.commands import commit_all, dvc, git, mlci, run

DVC_YAML = """\
metrics: [metrics.json, scores.yaml, top.toml]
stages:
  score:
    cmd: python make_cached.py
    deps: [source.json, make_cached.py]
    params: [train, {custom.yaml: [model.depth]}]
    metrics: [cached.json]   # cached by DVC: read from .dvc/cache by the md5 in dvc.lock
"""
COPY = "import shutil\nshutil.copy('source.json', 'cached.json')\n"
MLCI_YAML = """\
metrics:
  acc: {direction: higher, min: 0.5}
  "cached.json:c": {direction: lower}
"""


def write(root: Path, files: dict[str, str | dict[str, Any] | None]) -> None:
    for name, content in files.items():
        path = root / name
        if content is None:
            path.unlink()
        else:
            path.write_text(content if isinstance(content, str) else json.dumps(content))


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three commits changing metrics (added, removed, non-numeric, DVC-cached) and params."""
    root = tmp_path_factory.mktemp("diff") / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    dvc(root, "init", "-q")
    (root / "nlp").mkdir()  # a second pipeline in a subdirectory: paths relative to it
    write(root, {"nlp/dvc.yaml": "metrics: [scores.json]\nparams: [hp.yaml]\n",
                 "nlp/scores.json": {"bleu": 20}, "nlp/hp.yaml": "beam: 4\n"})
    write(root, {"dvc.yaml": DVC_YAML, "make_cached.py": COPY, "mlci.yaml": MLCI_YAML,
                 "metrics.json": {"acc": 0.8, "loss": 0.5, "nested": {"f1": 0.7}, "name": "v1",
                                  "list": [1, 2]},
                 "scores.yaml": "test:\n  auc: 0.9\nflag: yes\nsmall: 1e-3\n",
                 "top.toml": "[eval]\nrmse = 1.5\n", "source.json": {"c": 1, "d": 0.25},
                 "params.yaml": "train:\n  lr: 0.1\n  layers: [1, 2]\n  opt: adam\nother: 1\n",
                 "custom.yaml": "model:\n  depth: 3\n  width: 8\n"})
    dvc(root, "repro", "-q")
    commit_all(root, "first")
    write(root, {"metrics.json": {"acc": 0.85, "new": 1, "nested": {"f1": "n/a"}, "name": "v2",
                                  "list": [1, 2]},
                 "scores.yaml": "test:\n  auc: 0.93\nflag: no\nsmall: 2e-3\n", "top.toml": None,
                 "source.json": {"c": 2, "d": 0.25},
                 "params.yaml": "train:\n  lr: 0.05\n  layers: [1, 2, 3]\n  seed: 1\nother: 1\n",
                 "custom.yaml": "model:\n  depth: 4\n  width: 16\n",
                 "nlp/scores.json": {"bleu": 22.5}, "nlp/hp.yaml": "beam: 5\n"})
    dvc(root, "repro", "-q")
    commit_all(root, "second")
    write(root, {"metrics.json": {"acc": 0.86, "new": 1, "nested": {"f1": 0.72}, "name": "v2"}})
    commit_all(root, "third")
    write(root, {"metrics.json": {"acc": 0.9, "new": 2, "nested": {"f1": 0.72}, "name": "v3"},
                 "params.yaml": "train:\n  lr: 0.01\n  layers: [1, 2, 3]\n  seed: 1\nother: 2\n"})
    return root


def ours(root: Path, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(mlci("diff", *args, "--json", cwd=root).stdout)
    return data


def theirs(root: Path, kind: str, *args: str) -> Any:
    return json.loads(dvc(root, kind, "diff", *args, "--json").stdout)


def without_verdicts(part: dict[str, Any]) -> dict[str, Any]:
    return {path: {key: {k: v for k, v in change.items() if k not in ("direction", "verdict")}
                   for key, change in changes.items()} for path, changes in part.items()}


@pytest.mark.parametrize("revs", [
    ("HEAD~2", "HEAD~1"), ("HEAD~1", "HEAD"), ("HEAD~2", "HEAD", "--all"), (),
    ("HEAD~2",), ("HEAD~1", "workspace", "--all"),
])
def test_same_numbers_as_dvc(history: Path, revs: tuple[str, ...]) -> None:
    found = ours(history, *revs)
    assert without_verdicts(found["metrics"]) == theirs(history, "metrics", *revs)
    assert found["params"] == theirs(history, "params", *revs)
    assert found["metrics"], "the comparison must exercise something"


def test_pipeline_in_a_subdirectory(history: Path) -> None:
    found = ours(history, "HEAD~2", "HEAD~1")
    assert found["metrics"]["nlp/scores.json"]["bleu"] == {"old": 20, "new": 22.5, "diff": 2.5}
    assert found["params"]["nlp/hp.yaml"]["beam"] == {"old": 4, "new": 5, "diff": 1}


def test_cached_metric_comes_from_the_dvc_cache(history: Path) -> None:
    assert not (history / "cached.json").read_text().count('"c": 1')
    found = ours(history, "HEAD~2", "HEAD~1")
    assert found["metrics"]["cached.json"]["c"] == {
        "old": 1, "new": 2, "diff": 1, "direction": "lower", "verdict": "regressed"}


def test_verdicts_follow_mlci_yaml(history: Path) -> None:
    found = ours(history, "HEAD~2", "HEAD~1")["metrics"]["metrics.json"]
    assert found["acc"]["direction"] == "higher" and found["acc"]["verdict"] == "improved"
    assert "direction" not in found["new"] and found["new"] == {"old": None, "new": 1}
    assert found["loss"] == {"old": 0.5, "new": None}


def test_targets_limit_the_files(history: Path) -> None:
    found = ours(history, "HEAD~2", "HEAD~1", "--targets", "scores.yaml")
    assert without_verdicts(found["metrics"]) == theirs(
        history, "metrics", "HEAD~2", "HEAD~1", "--targets", "scores.yaml")
    assert list(found["metrics"]) == ["scores.yaml"] and found["params"] == {}


def test_terminal_and_markdown_tables(history: Path) -> None:
    text = mlci("diff", "HEAD~2", "HEAD~1", cwd=history).stdout
    lines = {line.split()[1]: line for line in text.splitlines() if line.startswith("metrics.json")}
    assert "0.8" in lines["acc"] and "0.85" in lines["acc"] and "improved" in lines["acc"]
    assert "+0.05" in lines["acc"] and "+6.25%" in lines["acc"]
    assert "train.lr" in text and "0.05" in text
    md = mlci("diff", "HEAD~2", "HEAD~1", "--md", cwd=history).stdout
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in md.splitlines()]
    assert rows[0][:2] == ["Path", "Metric"] and ["metrics.json", "acc", "0.8", "0.85"] in [
        row[:4] for row in rows]


def test_only_commit_and_workspace(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    dvc(tmp_path, "init", "-q")
    write(tmp_path, {"dvc.yaml": "metrics: [m.json]\n", "m.json": {"acc": 0.5},
                     "mlci.yaml": "metrics:\n  acc: {min: 0.4}\n"})
    commit_all(tmp_path, "only")
    write(tmp_path, {"m.json": {"acc": 0.6}})
    found = ours(tmp_path)
    assert found["metrics"] == theirs(tmp_path, "metrics")
    assert found["metrics"]["m.json"]["acc"]["new"] == 0.6
    assert mlci("gate", "--head", "HEAD", cwd=tmp_path).stdout.endswith("gate passed: 1 rule\n")


def test_unknown_revision_is_one_line(history: Path) -> None:
    proc = mlci("diff", "nope", "HEAD", cwd=history, expect=1)
    assert proc.stderr.splitlines()[0] == "mlci: error: unknown revision 'nope'"
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_malformed_metrics_names_file_and_revision(history: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(history), str(clone)], cwd=tmp_path)
    (clone / "metrics.json").write_text("{broken")
    sha = commit_all(clone, "broken metrics")
    proc = mlci("diff", "HEAD~1", "HEAD", cwd=clone, expect=1)
    first = proc.stderr.splitlines()[0]
    assert first.startswith(f"mlci: error: metrics.json at HEAD ({sha[:7]}): not valid JSON")
    assert "Traceback" not in proc.stderr


def test_outside_a_repository(tmp_path: Path) -> None:
    proc = mlci("diff", cwd=tmp_path, expect=1)
    assert "not a git repository" in proc.stderr


def test_against_head_before_the_first_commit(tmp_path: Path) -> None:
    from mlci.metrics.comparison import against_head
    from mlci.project.context import Project

    git(tmp_path, "init", "-q", "-b", "main")
    write(tmp_path, {"dvc.yaml": "metrics: [m.json]\n", "m.json": {"acc": 0.5}})
    found = against_head(Project(tmp_path))
    assert found.base.label == "no commit" and found.head.label == "workspace"
    assert found.metrics == {"m.json": {"acc": {"old": None, "new": 0.5}}}


def test_before_the_first_commit_says_so(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    proc = mlci("diff", cwd=tmp_path, expect=1)
    assert proc.stderr.splitlines()[0] == (
        "mlci: error: unknown revision 'HEAD': this repository has no commits yet")


def test_markdown_diff_is_one_escaped_gfm_table() -> None:
    from mlci.metrics.comparison import Comparison
    from mlci.metrics.table import render
    from mlci.project.snapshot import Snapshot

    result = Comparison(
        Snapshot("HEAD", "a" * 40), Snapshot("workspace", None),
        {"m.json": {"a|b": {"old": 1, "new": 2, "diff": 1}, "<x>": {"old": 0.5, "new": None}}},
        {"params.yaml": {"lr": {"old": 0.1, "new": 0.05, "diff": -0.05}}}, {"a|b": "higher"})
    assert render(result, as_markdown=True).splitlines() == [
        "| Path | Metric | aaaaaaa | workspace | Change | % | Verdict |",
        "|---|---|---:|---:|---:|---:|---|",
        "| m.json | a\\|b | 1 | 2 | +1 | +100.00% | 🟢 improved |",
        "| m.json | &lt;x&gt; | 0.5 | — |  |  | ➖ removed |",
        "",
        "| Path | Param | aaaaaaa | workspace | Change |",
        "|---|---|---:|---:|---:|",
        "| params.yaml | lr | 0.1 | 0.05 | -0.05 |",
    ]
