"""GitLab CI on this machine: the generated .gitlab-ci.yml under gitlab-ci-local's shell executor.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mlci.ci.local import runner
from mlci.errors import MlciError
from mlci.project.context import Project
from mlci.shared import gitrepo
from mlci.shared.files import atomic_write, load_yaml, yaml_text

PIPELINE = ".gitlab-ci.yml"
TOKEN = "MLCI_GITLAB_TOKEN"
STATE = ".gitlab-ci-local"  # gitlab-ci-local's own state dir: builds, artifacts, logs
LOCAL_FILE = f"{STATE}/mlci-gitlab-ci.yml"
SOURCES = {"merge_request": "merge_request_event", "merge_request_event": "merge_request_event",
           "pull_request": "merge_request_event", "push": "push",
           "web": "web", "workflow_dispatch": "web",  # a pipeline started by hand
           "schedule": "schedule"}
# what a pipeline may take from this shell: the forge, the merge request, the git server
FORWARDED = ("CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_LABELS",
             "CI_SERVER_URL", "CI_PROJECT_PATH")  # where the retrain pushes its branch
# the environments MLCI_GITLAB_TOKEN is scoped to, as .gitlab-ci.yml's header asks of a real
# project: the report job's and the publish job's (releases); no other job gets it
TOKEN_SCOPES = ("mlci-report", "model-release")
DRY_RUN_NOTE = ("CI_API_V4_URL is not set: forge calls (note, status, release) are skipped "
                "(dry run); set CI_API_V4_URL, CI_PROJECT_ID and MLCI_GITLAB_TOKEN to send them")


def run(request: runner.RunRequest) -> runner.RunResult:
    """Run the pipeline EVENT starts (a merge request or a branch pipeline) with gitlab-ci-local."""
    source = SOURCES.get(request.event)
    if source is None:
        raise MlciError(f"unknown GitLab pipeline event {request.event!r}",
                        hint="one of: push, merge_request, web, schedule")
    if request.event_file is not None:
        raise MlciError("--event-file is for GitHub (act) runs",
                        hint="GitLab pipelines take their context from CI variables")
    binary = runner.tool("gitlab-ci-local")
    root = request.project.root
    if not (root / PIPELINE).is_file():
        raise MlciError(f"{PIPELINE}: no such file", hint="run `mlci ci generate --forge gitlab`")
    _exclude_state(root)
    pipeline = load_yaml(root / PIPELINE, PIPELINE)
    dry_run = not os.environ.get("CI_API_V4_URL")
    if dry_run and request.job and publishes(pipeline, request.job):
        raise MlciError(f"job {request.job!r} publishes (tags, releases): not run in a dry run",
                        hint="set CI_API_V4_URL, CI_PROJECT_ID and MLCI_GITLAB_TOKEN to run it")
    atomic_write(root / LOCAL_FILE, shell_pipeline(pipeline))
    (root / STATE / "mlci-variables.yml").unlink(missing_ok=True)  # earlier mlci kept it here
    variables = pipeline_variables(request.project, source, dry_run)
    # the token file lives in a private directory that goes on every way out, SIGTERM too
    with runner.private_dir("mlci-gitlab-") as private:
        secrets = private / "variables.yml"
        runner.write_secret(secrets, scoped_variables(runner.secret_values([TOKEN])))
        # gitlab-ci-local reads `--variables-file` relative to its working directory
        relative = Path(os.path.relpath(secrets.resolve(), root.resolve()))
        code = runner.run_tool(_args(binary, request.job, variables, relative), root,
                             runner.job_env(request.project))
    name = f"gitlab {source} pipeline" + (f" (job {request.job})" if request.job else "")
    return runner.RunResult((runner.WorkflowRun(name, code),), (DRY_RUN_NOTE,) if dry_run else ())


def publishes(data: Any, job: str) -> bool:
    """True when `job` runs `mlci publish` (it pushes tags and creates releases)."""
    script = (data.get(job) or {}).get("script") or [] if isinstance(data, dict) else []
    return any("mlci publish" in str(line) for line in script)


def shell_pipeline(data: Any) -> str:
    """The pipeline with every `image:` removed, so the shell executor runs its jobs here
    (the GitLab analogue of act's `-P ubuntu-latest=-self-hosted`)."""
    for value in data.values():
        if isinstance(value, dict):
            value.pop("image", None)
    return yaml_text(data)


def pipeline_variables(project: Project, source: str, dry_run: bool) -> dict[str, str]:
    """The predefined CI variables of a GitLab pipeline for the current commit."""
    root, cfg = project.root, project.config
    branch = gitrepo.git(root, "rev-parse", "--abbrev-ref", "HEAD").strip()
    found = {"CI_PIPELINE_SOURCE": source, "CI_DEFAULT_BRANCH": cfg.default_branch,
             "MLCI_MAX_RETRY_WAIT": os.environ.get("MLCI_MAX_RETRY_WAIT", "")}
    for name in FORWARDED:
        if os.environ.get(name):
            found[name] = os.environ[name]
    if source == "merge_request_event":
        found.update(_merge_request(root, branch, cfg.default_branch))
    if dry_run:
        found["MLCI_FORGE_DRY_RUN"] = "1"
    return {k: v for k, v in found.items() if v}


def _merge_request(root: Path, branch: str, default_branch: str) -> dict[str, str]:
    base = f"refs/remotes/origin/{default_branch}"
    if not gitrepo.ref_exists(root, base):
        raise MlciError(f"no {base}: a merge request pipeline compares with the target branch",
                        hint=f"git fetch origin {default_branch}")
    head = gitrepo.resolve(root, "HEAD")
    return {"CI_MERGE_REQUEST_IID": os.environ.get("CI_MERGE_REQUEST_IID", "1"),
            "CI_MERGE_REQUEST_DIFF_BASE_SHA": gitrepo.merge_base(root, head, base) or "",
            "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": branch,
            "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": head,
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": default_branch}


def _args(binary: str, job: str | None, variables: dict[str, str], secrets: Path) -> list[str]:
    args = [binary, "--shell-executor-no-image", "--shell-isolation", "--file", LOCAL_FILE,
            "--variables-file", str(secrets), "--artifacts-to-source=false",
            "--color=false", "--timestamps=false"]
    for name, value in variables.items():
        args += ["--variable", f"{name}={value}"]
    if variables.get("CI_PIPELINE_SOURCE") == "merge_request_event":
        args += ["--unset-variable", "CI_COMMIT_BRANCH"]
    return args + ([job] if job else [])


def scoped_variables(values: dict[str, str]) -> str:
    """gitlab-ci-local's variables file giving each value only to the jobs of TOKEN_SCOPES'
    environments (a plain `NAME: value` is scope `*`: every job, the MR's code too) (pure)."""
    data = {name: {"type": "variable", "values": dict.fromkeys(TOKEN_SCOPES, value)}
            for name, value in values.items()}
    return json.dumps(data, indent=1) + "\n"  # JSON is YAML: every value stays a string


def _exclude_state(root: Path) -> None:
    """Keep gitlab-ci-local's state dir out of `git status` without touching tracked files."""
    exclude = Path(gitrepo.git(root, "rev-parse", "--git-path", "info/exclude").strip())
    exclude = exclude if exclude.is_absolute() else root / exclude
    lines = exclude.read_text(encoding="utf-8").splitlines() if exclude.is_file() else []
    if f"/{STATE}/" not in lines:
        exclude.parent.mkdir(parents=True, exist_ok=True)
        exclude.write_text("\n".join([*lines, f"/{STATE}/"]) + "\n", encoding="utf-8")
