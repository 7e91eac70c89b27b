"""`mlci report` on the trained example project: a pull-request branch against origin/main."""

from __future__ import annotations

from pathlib import Path

from mlci.report import render
from mlci.shared.markdown import REPORT_MARKER
from support.commands import commit_all, dvc, git, mlci, run


def feature_branch(project: Path) -> str:
    """A branch that retrains with another C: metrics, params, stages and the model change."""
    git(project, "checkout", "-q", "-b", "feature")
    mlci("repro", "-S", "train.C=0.01", cwd=project)
    return commit_all(project, "weaker regularisation")


def test_report_of_a_pull_request(project: Path) -> None:
    main_sha = git(project, "rev-parse", "origin/main")
    rows = "".join(f"{i},{i % 2}\n" for i in range(500))
    (project / "labels.csv").write_text("id,label\n" + rows)
    dvc(project, "add", "-q", "labels.csv")
    head_sha = feature_branch(project)
    mlci("report", "--head", "HEAD", "--output", "render.md", cwd=project)
    text = (project / "render.md").read_text()
    assert text.startswith(REPORT_MARKER + "\n") and len(text) <= render.LIMIT
    assert f"Comparing base `{main_sha[:7]}` with head `{head_sha[:7]}`." in text
    assert "Stages changed: train, evaluate." in text
    assert "| train.C | 1 | 0.01 |" in text
    assert "| models/model.pkl | modified |" in text
    assert "| labels.csv | added | — | 2.8 KiB |" in text, text[text.find("### Data"):]
    for section in ("### Metrics", "### Gate", "### Trends", "### Plots", "### Data changes"):
        assert section in text
    assert '    title "ROC curve: base (blue) vs head (orange)"' in text
    assert "**Confusion matrix**" in text
    # trend x-axis: the two commits of main, then head
    assert f'x-axis ["{git(project, "rev-parse", "--short=7", "main~1")}", "{main_sha[:7]}", ' \
           f'"head {head_sha[:7]}"]' in text


def test_workspace_head_to_stdout(project: Path) -> None:
    (project / "metrics.json").write_text('{"accuracy": 0.5, "f1": 0.5, "roc_auc": 0.5, '
                                          '"log_loss": 0.9}')
    proc = mlci("report", "--trend", "0", cwd=project)
    assert proc.stdout.startswith(REPORT_MARKER)
    assert "(working tree)" in proc.stdout and "## ❌ mlci: gate failed" in proc.stdout
    assert "### Trends" not in proc.stdout
    assert "| accuracy | 0.5 | 🔴 regressed" not in proc.stdout  # change columns in between
    assert "🔴 regressed" in proc.stdout


def test_shallow_clone_says_how_to_fetch(project: Path, tmp_path: Path) -> None:
    feature_branch(project)
    (project / "notes.txt").write_text("second commit on the branch\n")
    commit_all(project, "notes")
    git(project, "push", "-q", "origin", "feature")
    clone = tmp_path / "shallow"
    origin = git(project, "remote", "get-url", "origin")
    run(["git", "clone", "-q", "--depth", "1", "-b", "feature", f"file://{origin}", str(clone)],
        cwd=tmp_path)
    git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    proc = mlci("report", cwd=clone, expect=1)
    lines = proc.stderr.splitlines()
    assert lines[0] == "mlci: error: no merge-base of HEAD and origin/main: this clone is shallow"
    assert lines[1].startswith("hint: fetch the history: `git fetch --unshallow origin main`")
    proc = mlci("report", "--base", "HEAD~5", cwd=clone, expect=1)
    assert "(this clone is shallow)" in proc.stderr and "git fetch --unshallow" in proc.stderr


def test_unknown_head_is_one_line(project: Path) -> None:
    proc = mlci("report", "--head", "nope", cwd=project, expect=1)
    assert proc.stderr.splitlines()[0] == "mlci: error: unknown revision 'nope'"


def test_no_default_branch_asks_for_base(project: Path) -> None:
    git(project, "checkout", "-q", "-b", "other")
    git(project, "branch", "-q", "-D", "main")
    git(project, "remote", "remove", "origin")
    proc = mlci("report", cwd=project, expect=1)
    assert proc.stderr.startswith("mlci: error: no branch 'main' or 'origin/main' to compare with")
    assert "--base REV" in proc.stderr
    assert mlci("report", "--base", "HEAD", cwd=project).stdout.startswith(REPORT_MARKER)
