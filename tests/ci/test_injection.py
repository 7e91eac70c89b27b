"""An attacker-controlled PR title / branch name cannot execute in any generated workflow.

Every `run:` script (GitHub) and `script:` (GitLab) runs under bash the way the forge runs it,
with every `${{ ... }}` expression and every event-derived variable set to a hostile string.
`mlci`, `python` and `git` are stub executables that record their arguments.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlci.ci.generate import rendered
from support.projects import VARIANTS, make_project

EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)
STUB = """#!/bin/sh
{ printf '%s' "${0##*/}"; for a in "$@"; do printf '\\t%s' "$a"; done
  printf '\\n'; } >> "$STUB_LOG"
[ "${0##*/}" = git ] && echo 0123456789abcdef0123456789abcdef01234567
exit 0
"""
# GitLab variables a merge request's author controls
GITLAB_HOSTILE = ("CI_COMMIT_BRANCH", "CI_COMMIT_REF_NAME", "CI_COMMIT_MESSAGE",
                  "CI_COMMIT_TITLE", "CI_MERGE_REQUEST_TITLE", "CI_MERGE_REQUEST_DESCRIPTION",
                  "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "CI_MERGE_REQUEST_DIFF_BASE_SHA")


def payloads(canary: Path) -> list[str]:
    return [f'x"; touch {canary}1; echo "', f"$(touch {canary}2)", f"`touch {canary}3`",
            f"x'; touch {canary}4; echo '", f"main\ntouch {canary}5"]


class Runner:
    """Runs scripts in a work tree under bash, with stub tools and a hostile value."""

    def __init__(self, tmp: Path, hostile: str) -> None:
        self.work, self.bin, self.temp = tmp / "work", tmp / "bin", tmp / "runner-temp"
        for directory in (self.work, self.bin, self.temp / "mlci-report"):
            directory.mkdir(parents=True, exist_ok=True)
        for name in ("mlci", "python", "git"):
            (self.bin / name).write_text(STUB)
            (self.bin / name).chmod(0o755)
        self.log = tmp / "calls.log"
        self.hostile = hostile
        # what a hostile fork's train run can put in its artifact
        for name in ("pr-number", "report.md", "gate.json"):
            (self.temp / "mlci-report" / name).write_text(hostile)

    def env(self, extra: dict[str, str]) -> dict[str, str]:
        base = {"PATH": f"{self.bin}:{os.environ['PATH']}", "HOME": str(self.work),
                "STUB_LOG": str(self.log), "RUNNER_TEMP": str(self.temp),
                "GITHUB_OUTPUT": str(self.work / "output"),
                "GITHUB_STEP_SUMMARY": str(self.work / "summary"),
                "GITHUB_HEAD_REF": self.hostile, "GITHUB_REF_NAME": self.hostile}
        return {**base, **extra}

    def bash(self, script: str, env: dict[str, str]) -> int:
        # GitHub's `shell: bash` default; GitLab runs its script lines under bash too
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                              cwd=self.work, env=self.env(env), capture_output=True, text=True,
                              timeout=30)
        return proc.returncode

    def calls(self) -> list[list[str]]:
        text = self.log.read_text() if self.log.exists() else ""
        return [line.split("\t") for line in text.splitlines()]


def github_steps(text: str) -> list[dict[str, Any]]:
    """Every step with a `run:` in a workflow, jobs in order."""
    data = yaml.safe_load(text)
    return [step for job in data["jobs"].values() for step in job["steps"] if "run" in step]


def run_github_step(runner: Runner, step: dict[str, Any]) -> int:
    """As the runner does: expressions are substituted first, then bash runs the script."""
    def substitute(value: str) -> str:
        return EXPRESSION.sub(lambda _: runner.hostile, value)
    env = {str(k): substitute(str(v)) for k, v in (step.get("env") or {}).items()}
    return runner.bash(substitute(step["run"]), env)


def gitlab_scripts(text: str) -> list[str]:
    data = yaml.safe_load(text)
    before = data.get("default", {}).get("before_script", [])
    jobs = [job for name, job in data.items() if isinstance(job, dict) and "script" in job]
    return ["\n".join([*before, *job["script"]]) for job in jobs]


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_expression_inside_any_run(tmp_path: Path, variant: str) -> None:
    files = rendered(make_project(tmp_path / "proj", variant))
    steps = [s for rel, text in files.items() if rel.startswith(".github/workflows/")
             for s in github_steps(text)]
    assert len(steps) >= 15
    for step in steps:
        assert "${{" not in step["run"], step


@pytest.mark.parametrize("variant", VARIANTS)
def test_hostile_event_fields_do_not_execute(tmp_path: Path, variant: str) -> None:
    files = rendered(make_project(tmp_path / "proj", variant))
    canary = tmp_path / "pwned"
    for index, hostile in enumerate(payloads(canary)):
        runner = Runner(tmp_path / f"run{index}", hostile)
        for rel, text in files.items():
            if rel.startswith(".github/workflows/"):
                for step in github_steps(text):
                    run_github_step(runner, step)
            elif rel == ".gitlab-ci.yml":
                env = dict.fromkeys(GITLAB_HOSTILE, hostile)
                for script in gitlab_scripts(text):
                    runner.bash(script, {**env, "CI_PIPELINE_SOURCE": "merge_request_event"})
        assert not list(tmp_path.glob("pwned*")), f"{hostile!r} executed"
        # the value reached the tools as one argument, intact, where it is passed at all
        passed = [arg for call in runner.calls() for arg in call if hostile in arg]
        assert hostile in passed or "\n" in hostile


def test_hostile_pr_number_in_the_artifact_is_refused(tmp_path: Path) -> None:
    files = rendered(make_project(tmp_path / "proj", "default"))
    check = next(s for s in github_steps(files[".github/workflows/mlci-comment.yml"])
                 if s.get("id") == "artifact")
    runner = Runner(tmp_path / "run", '1; touch pwned')
    assert run_github_step(runner, check) == 1
    (runner.temp / "mlci-report" / "pr-number").write_text("42\n")
    assert run_github_step(runner, check) == 0
    assert (runner.work / "output").read_text() == "pr=42\n"


def test_the_harness_catches_an_injectable_step(tmp_path: Path) -> None:
    """Positive control: an expression inside `run:`, as GitHub expands it, does execute."""
    canary = tmp_path / "pwned"
    runner = Runner(tmp_path / "run", payloads(canary)[0])
    run_github_step(runner, {"run": 'echo "${{ github.event.pull_request.title }}"'})
    assert Path(f"{canary}1").exists()
