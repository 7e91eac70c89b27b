"""The project the end-to-end tests live through: trained, committed, bare origin, DVC remote."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from support.commands import commit_all, dvc, git, mlci, run
from support.projects import copy_project

TOKEN = "e2e-token-0123456789abcdef"  # never to be seen in any output or step environment


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


def make_scenario(trained_template: Path, tmp: Path) -> Scenario:
    """A copy of the session's trained project with its own DVC remote and bare origin (main)."""
    root = copy_project(trained_template, tmp)
    return Scenario(root, tmp / "origin.git", tmp / "dvc-remote", tmp)


def fresh_clone(origin: Path, where: Path) -> Path:
    """A clone of origin with its tags, as another machine would make."""
    run(["git", "clone", "-q", str(origin), str(where)], cwd=where.parent)
    return where
