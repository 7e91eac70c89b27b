"""The report's charts as readers see them: mermaid.js 11 in headless Chromium, light and dark.

Screenshots of every chart: see the "mermaid chart screenshots" line at the end of the run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlci.shared import charts
from support.browser import MermaidBrowser, mermaid_blocks, problems
from support.commands import REPO_ROOT, commit_all, git, mlci
from support.contrast import rgb

GOLDEN = Path(__file__).parent / "golden"


REPORTS = {"golden-full": (GOLDEN / "full.md", 3), "golden-unchanged": (GOLDEN / "unchanged.md", 0),
           "readme-sample": (REPO_ROOT / "README.md", 5)}


@pytest.mark.parametrize("name", REPORTS)
def test_golden_and_readme_reports_draw_readably(mermaid: MermaidBrowser, name: str) -> None:
    path, charts = REPORTS[name]
    text = path.read_text(encoding="utf-8")
    drawn = mermaid.draw(text, name)
    assert len(drawn) == 2 * len(mermaid_blocks(text)) == 2 * charts
    assert problems(drawn) == []


def test_a_real_pull_request_report_draws_readably(project: Path,
                                                   mermaid: MermaidBrowser) -> None:
    git(project, "checkout", "-q", "-b", "feature")
    mlci("repro", "-S", "train.C=0.3", cwd=project)
    commit_all(project, "stronger regularisation")
    text = mlci("report", "--head", "HEAD", cwd=project).stdout
    drawn = mermaid.draw(text, "pull-request")
    # four key metrics of the example's mlci.yaml over main's two commits + head, one ROC curve
    assert len(drawn) == 2 * 5
    assert problems(drawn) == []
    # the palette leaves the theme alone: the chart follows GitHub's light or dark mode
    assert {d.theme: d.background for d in drawn} == {"default": "rgb(255, 255, 255)",
                                                      "dark": "rgb(51, 51, 51)"}
    roc = [d for d in drawn if "ROC curve" in d.source]
    assert {len(d.lines) for d in roc} == {2} and all(d.screenshot.stat().st_size for d in drawn)


def test_every_palette_colour_and_chart_kind_draws_readably(mermaid: MermaidBrowser) -> None:
    """What the monitor's histograms and the sweep's leaderboards will draw."""
    every = [charts.Series("reference", (5, 30, 12, 3), "bar"),
             *(charts.Series(f"run {i}", (i, 10 + i, 20 - i, 2 * i)) for i in range(1, 8))]
    board = [charts.Series("roc_auc", (0.9977, 0.9975, 0.9968), "bar")]
    text = "\n\n".join([
        charts.xychart("Every colour", ["a", "b", "c", "d"], every, y_title="rows"),
        charts.xychart("Leaderboard", ["C=1", "C=0.3", "C=0.1"], board, horizontal=True)])
    drawn = mermaid.draw(text, "kinds")
    assert problems(drawn) == []
    hexes = {charts.PALETTE[i].hex for i in range(8)}
    assert {d.bars[0] for d in drawn} | {line for d in drawn for line in d.lines} == {
        "rgb({}, {}, {})".format(*rgb(h)) for h in hexes}


BROKEN = {
    # the issue: mermaid's own palette draws the first line #ECECFF on white (1.17:1)
    "theme-palette": ("xychart-beta\n    x-axis [a, b]\n    y-axis 0 --> 2\n    line [1, 2]",
                      "line rgb(236, 236, 255) has contrast 1.17 on GitHub's page #ffffff"),
    "syntax": ("xychart-beta\n    x-axis [a, b]\n    line [1, 2e-05]", "Parse error"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_the_check_sees_what_a_reader_would_miss(mermaid: MermaidBrowser, case: str) -> None:
    source, expected = BROKEN[case]
    found = problems(mermaid.draw(f"```mermaid\n{source}\n```\n", f"broken-{case}"))
    assert any(expected in problem for problem in found), found
