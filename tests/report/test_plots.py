"""Issue 15, defect 4: the report draws every plot DVC draws, with DVC's data: `y` mapping
several files (inside a DVC-cached output directory), a dvclive directory of TSV files with
`x: step` and no `y`, a confusion CSV. The reference is `dvc plots diff --json` itself."""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from typing import Any

from mlci.project import dvcfiles
from mlci.project.context import Project
from mlci.report.collect import ReportRequest, collect
from mlci.report.document import PlotPair
from support.adopted import DVC_YAML, Adopted, copy
from support.commands import commit_all, dvc, git


def _dvc_series(root: Path) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """DVC's datapoints by (plot id, file name or "", revision)."""
    data = json.loads(dvc(root, "plots", "diff", "HEAD~1", "HEAD", "--json").stdout)["data"]
    series: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for plot_id, renders in data.items():
        for value in renders[0]["content"]["data"]["values"]:
            key = (plot_id, value.get("filename", ""), value["rev"])
            series.setdefault(key, []).append(value)
    return series


def _same_as_dvc(root: Path) -> tuple[PlotPair, ...]:
    """The report's plots of HEAD~1 vs HEAD, checked series by series against DVC's."""
    pairs = collect(ReportRequest(Project(root), "HEAD~1", "HEAD", trend=0)).plots
    theirs = _dvc_series(root)
    assert len(pairs) == len({(i, f) for i, f, _ in theirs})
    for pair in pairs:
        name = posixpath.basename(pair.path)
        keys = [k for k in theirs if k[0] == pair.path or k[1] == name]
        assert {k[2] for k in keys} == {"HEAD~1", "HEAD"}, pair.path
        for key in keys:
            records = pair.base if key[2] == "HEAD~1" else pair.head
            ours = [(float(r[pair.x]), float(r[pair.y])) for r in records]
            assert ours == [(float(v[pair.x]), float(v[pair.y])) for v in theirs[key]], key
    return pairs


def test_report_plots_are_the_series_dvc_draws(adopted: Adopted, tmp_path: Path) -> None:
    pairs = _same_as_dvc(copy(adopted, tmp_path))
    assert [(p.path, p.x, p.y, p.kind) for p in pairs] == [
        ("eval/plots/roc_train.json", "fpr", "tpr", "curve"),
        ("eval/plots/roc_test.json", "fpr", "tpr", "curve"),
        ("dvclive/plots/metrics/eval/acc.tsv", "step", "acc", "curve"),
        ("dvclive/plots/metrics/train/loss.tsv", "step", "loss", "curve"),
        ("eval/confusion.csv", "actual", "predicted", "confusion")]


def test_a_plot_without_x_and_y_draws_index_and_last_field(tmp_path: Path) -> None:
    """`plots: [scores.csv]`: DVC draws the last column against the row index ("step")."""
    git(tmp_path, "init", "-q", "-b", "main")
    dvc(tmp_path, "init", "-q")
    (tmp_path / "dvc.yaml").write_text("plots:\n  - scores.csv\n  - lists.json\n")
    for scale in (1, 2):
        (tmp_path / "scores.csv").write_text("epoch,f1\n" + "".join(
            f"{i},{i * scale / 10}\n" for i in range(4)))
        rows = [{"p": i, "r": scale * i} for i in range(3)]
        (tmp_path / "lists.json").write_text(json.dumps({"a": rows, "b": rows}))
        commit_all(tmp_path, f"scale {scale}")
    pairs = _same_as_dvc(tmp_path)
    assert [(p.path, p.x, p.y) for p in pairs] == [("scores.csv", "step", "f1"),
                                                   ("lists.json", "step", "r")]


def test_plot_definitions_follow_dvc() -> None:
    import yaml

    plots = dvcfiles.layout(yaml.safe_load(DVC_YAML)).plots
    assert [(p.path, [(s.path, s.x, s.y) for s in p.sources]) for p in plots] == [
        ("roc", [("eval/plots/roc_train.json", "fpr", ("tpr",)),
                 ("eval/plots/roc_test.json", "fpr", ("tpr",))]),
        ("dvclive/plots/metrics", [("dvclive/plots/metrics", "step", ())]),
        ("eval/confusion.csv", [("eval/confusion.csv", "actual", ("predicted",))]),
    ]
    listed = dvcfiles.layout({"plots": [{"p": {"x": {"a.json": "t"}, "y": {"a.json": ["u", "v"]}}},
                                        "c.csv"]}).plots
    assert [[(s.path, s.x, s.y) for s in p.sources] for p in listed] == [
        [("a.json", "t", ("u", "v"))], [("c.csv", None, ())]]
