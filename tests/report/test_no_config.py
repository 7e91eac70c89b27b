"""Issue 15, defect 6: the report of a project without mlci.yaml says there is no gate, and
its trends show each commit once, naming the commits whose metrics could not be read."""

from __future__ import annotations

import re
from pathlib import Path

from support import gfm
from support.adopted import Adopted, copy, point_remote
from support.commands import git, mlci


def test_no_mlci_yaml_means_no_gate(adopted: Adopted, tmp_path: Path) -> None:
    root = copy(adopted, tmp_path)
    text = mlci("report", "--base", "HEAD~1", "--head", "HEAD", cwd=root).stdout
    assert text.splitlines()[1] == "## 📊 mlci: metrics report (no gate)"
    assert "gate passed" not in text and "mlci.yaml sets no metric policy" not in text
    assert "No gate: this project has no mlci.yaml." in text


def test_trends_show_each_commit_once(adopted: Adopted, tmp_path: Path) -> None:
    root = copy(adopted, tmp_path)
    first = adopted.commits[0]
    lock = git(root, "show", f"{first}:dvc.lock")  # lose the first commit's cached metrics
    md5 = re.search(r"path: eval/metrics.json\n\s+hash: md5\n\s+md5: (\w+)", lock)
    assert md5 is not None
    (root / ".dvc/cache/files/md5" / md5.group(1)[:2] / md5.group(1)[2:]).unlink()
    (tmp_path / "empty").mkdir()
    point_remote(root, str(tmp_path / "empty"))
    text = mlci("report", "--base", "HEAD~1", "--head", "HEAD", cwd=root).stdout
    short = [sha[:7] for sha in adopted.commits]
    axes = {line.strip() for line in text.splitlines() if line.strip().startswith("x-axis [")}
    # eval/metrics.json at the first commit is unreadable: its trends start later; the head
    # commit, also main's last, is drawn once, as head
    assert axes == {f'x-axis ["{short[0]}", "{short[1]}", "head {short[2]}"]',
                    f'x-axis ["{short[1]}", "head {short[2]}"]'}
    unreadable = gfm.check(text)[0]
    assert unreadable.header == ("Revision", "File", "Why")
    assert unreadable.rows[0][:2] == (f"main `{short[0]}`", "eval/metrics.json")
