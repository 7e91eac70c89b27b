"""The project the end-to-end tests live through: trained, committed, bare origin, DVC remote."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from support.commands import REPO_ROOT, Result, commit_all, dvc, git, mlci, mlci_process, run
from support.projects import copy_project

if TYPE_CHECKING:
    from support.forge_server import FakeForge

TOKEN = "e2e-token-0123456789abcdef"  # never to be seen in any output or step environment
# customer contacts a pull request adds to the pipeline's data: never to be seen unmasked
CONTACTS = [(f"customer{i}@example.org", f"+1 415-555-{1000 + i}") for i in range(40)]
GITLAB_PROJECT = "42"
NODE_BIN = REPO_ROOT / ".ci" / "node" / "node_modules" / ".bin"  # scripts/test installs it there


@dataclass(frozen=True)
class Scenario:
    """Where everything is: the developer's checkout, its bare origin and the DVC remote."""

    root: Path
    origin: Path
    remote: Path
    tmp: Path

    def commit_params(self, branch: str, c: float, message: str, start: str = "main") -> str:
        """On `branch` (created from `start` if new), retrain with train.C=c locally and commit
        params, dvc.lock and metrics, as a developer does; push; return the head SHA."""
        if git(self.root, "branch", "--list", branch):
            git(self.root, "checkout", "-q", branch)
        else:
            git(self.root, "checkout", "-q", "-b", branch, start)
        mlci("repro", "-S", f"train.C={c}", cwd=self.root)
        return self.push(branch, message)

    def push(self, branch: str, message: str) -> str:
        """Commit everything on `branch` and push it to origin; return the head SHA."""
        sha = commit_all(self.root, message)
        git(self.root, "push", "-q", "origin", branch)
        return sha

    def add_contacts(self, branch: str, message: str) -> str:
        """On a new `branch` from main, make the load stage also write CONTACTS to
        data/contacts.csv (an output of the stage), reproduce, commit and push; the head SHA."""
        git(self.root, "checkout", "-q", "-b", branch, "main")
        load = self.root / "src" / "load.py"
        rows = "".join(f"c{i},{email},{phone}\\n" for i, (email, phone) in enumerate(CONTACTS))
        load.write_text(load.read_text().replace(
            '    print(f"wrote', f"    Path('data/contacts.csv').write_text('name,email,phone"
            f"\\n{rows}')\n    print(f\"wrote", 1))
        pipeline = self.root / "dvc.yaml"
        pipeline.write_text(pipeline.read_text().replace(
            "      - data/raw.csv\n  validate:",
            "      - data/raw.csv\n      - data/contacts.csv\n  validate:", 1))
        mlci("repro", cwd=self.root)
        return self.push(branch, message)

    def snooping_branch(self, branch: str, message: str) -> tuple[str, Path]:
        """On a new `branch` from main, a train.py that writes every environment variable it
        can see to a file outside the checkout, as hostile pull request code would; commit and
        push. The head SHA, and the file the job's environment will be in."""
        git(self.root, "checkout", "-q", "-b", branch, "main")
        leak = self.tmp / f"{branch}-environment.json"
        train = self.root / "src" / "train.py"
        train.write_text(train.read_text().replace(
            "def main() -> None:\n",
            "def main() -> None:\n    import json, os\n"
            f"    Path({str(leak)!r}).write_text(json.dumps(dict(os.environ)))\n", 1))
        return self.push(branch, message), leak

    def merge_to_main(self, branch: str, message: str) -> None:
        """Merge `branch` into main (a merge commit, as a PR merge makes), push main, and put
        main's outputs back in the workspace."""
        git(self.root, "checkout", "-q", "main")
        git(self.root, "merge", "-q", "--no-ff", "-m", message, branch)
        git(self.root, "push", "-q", "origin", "main")
        dvc(self.root, "checkout", "-q")

    def remote_files(self) -> set[str]:
        """Paths of the files in the DVC remote, relative to it."""
        return {str(p.relative_to(self.remote)) for p in self.remote.rglob("*") if p.is_file()}

    def origin_tags(self) -> list[str]:
        out = git(self.origin, "for-each-ref", "--format=%(refname:short)", "refs/tags")
        return out.split()


SWEEP_GRID = "sweep:\n  params:\n    train.C: [0.3, 1.0]\n  rank_by: roc_auc\n  max_parallel: 2\n"
SWEEP_MARKER = "<!-- mlci-report:sweep -->"
MONITOR = """
monitor:
  classifier:
    reference: data/prepared/train.csv
    current: {current}
    target: target
    retrain:
      run: "sed -i.bak 's/seed: 42/seed: 7/' params.yaml && rm params.yaml.bak"
"""
RETRAIN_BRANCH = "mlci/retrain/classifier"


def make_scenario(trained_template: Path, tmp: Path) -> Scenario:
    """A copy of the session's trained project with its own DVC remote and bare origin (main)."""
    root = copy_project(trained_template, tmp)
    return Scenario(root, tmp / "origin.git", tmp / "dvc-remote", tmp)


def fresh_clone(origin: Path, where: Path) -> Path:
    """A clone of origin with its tags, as another machine would make."""
    run(["git", "clone", "-q", str(origin), str(where)], cwd=where.parent)
    return where


def gitlab_run(s: Scenario, forge: FakeForge, *args: str, expect: int = 0,
               **variables: str) -> Result:
    """`mlci ci run --forge gitlab ARGS` in the developer's checkout, against the fake forge,
    with CI `variables` (e.g. CI_MERGE_REQUEST_IID); the token never shows in its output."""
    env = {"CI_API_V4_URL": forge.gitlab_url, "CI_PROJECT_ID": GITLAB_PROJECT,
           "MLCI_GITLAB_TOKEN": TOKEN, "PIP_NO_INDEX": "1", "MLCI_MAX_RETRY_WAIT": "0",
           "PATH": os.pathsep.join([str(NODE_BIN), os.environ["PATH"]]), **variables}
    proc = mlci_process("ci", "run", "--forge", "gitlab", *args, cwd=s.root, expect=expect,
                        env=env)
    assert TOKEN not in proc.stdout + proc.stderr
    return proc


def open_merge_request(forge: FakeForge, iid: int, head_sha: str) -> None:
    """Merge request `iid` of the GitLab project, opened or moved to `head_sha`."""
    pull = forge.store.pull("gitlab", GITLAB_PROJECT, iid)
    if pull is None:
        forge.add_pull(GITLAB_PROJECT, iid, head_sha, forge="gitlab")
    else:
        with forge.store.lock:
            pull["head_sha"] = head_sha



def tune_branch(s: Scenario) -> str:
    """A branch `tune` that changes nothing the pipeline reads, pushed: its head SHA."""
    git(s.root, "checkout", "-q", "-b", "tune")
    (s.root / "NOTES.md").write_text("Which C is best? The sweep says.\n")
    return s.push("tune", "a question for the sweep")


def check_leaderboard(s: Scenario, body: str) -> None:
    """The sweep's one comment: its marker, headline, both combinations passing the gate, and
    the combination of HEAD reproducing HEAD's committed metrics."""
    import json

    assert body.startswith(SWEEP_MARKER + "\n## 🏆 mlci sweep: best roc\\_auc ")
    assert body.count(SWEEP_MARKER) == 1
    head = json.loads((s.root / "metrics.json").read_text())
    rows = [line for line in body.splitlines() if line.startswith(("| 1 |", "| 2 |"))]
    assert len(rows) == 2 and all("✅ pass" in row for row in rows)
    assert any(row.startswith(f"| {i} | 1.0 | **{head['roc_auc']}** |") for i in (1, 2)
               for row in rows)


def monitored_scenario(trained_template: Path, tmp: Path, forge: FakeForge) -> Scenario:
    """The example, monitored (current data: `tmp/live.csv`), its CI generated, v0.0.1
    published and promoted to prod; the forge knows the origin."""
    s = make_scenario(trained_template, tmp)
    with (s.root / "mlci.yaml").open("a") as handle:
        handle.write(MONITOR.format(current=s.tmp / "live.csv"))
    mlci("ci", "generate", cwd=s.root)
    s.push("main", "monitor the classifier")
    mlci("publish", "classifier", "--stage", "staging", cwd=s.root)
    mlci("promote", "classifier", "v0.0.1", "prod", cwd=s.root)
    forge.store.origin = str(s.origin)
    return s


def live_data(s: Scenario, shift: float) -> None:
    """The current data: the held-out rows, with the first 20 features moved by `shift`."""
    import numpy as np

    test = s.root / "data" / "prepared" / "test.csv"
    rows = np.loadtxt(test, delimiter=",", skiprows=1)
    rows[:, :20] += shift
    np.savetxt(s.tmp / "live.csv", rows, delimiter=",", comments="", fmt="%.6g",
               header=test.read_text().splitlines()[0])
