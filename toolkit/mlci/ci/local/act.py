"""GitHub Actions on this machine: the generated workflows under act, with stand-in actions."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from mlci.ci import events
from mlci.ci.events import Checkout, RunRecord
from mlci.ci.inputs import pin_table
from mlci.ci.local import runner
from mlci.ci.templating import has_marker
from mlci.errors import MlciError
from mlci.project.context import Project
from mlci.shared import gitrepo
from mlci.shared.files import load_yaml
from mlci.templates import template_path

WORKFLOWS = ".github/workflows"
FIRST = "mlci-train"
STAND_INS = ("actions/setup-python", "actions/upload-artifact", "actions/download-artifact")
DRY_RUN_NOTE = ("GITHUB_API_URL is not set: forge calls (comment, status, release) are skipped "
                "(dry run) and the publish workflow does not run; set GITHUB_API_URL and "
                "GITHUB_TOKEN to send them")


def run(request: runner.RunRequest) -> runner.RunResult:
    """Run every mlci-generated workflow that EVENT triggers, one after the other, under act."""
    if request.event not in events.EVENTS:
        raise MlciError(f"unknown GitHub event {request.event!r}",
                        hint=f"one of: {', '.join(events.EVENTS)}")
    act = runner.tool("act")
    workflows = workflows_for(request.project.root, request.event, request.job)
    dry_run = not os.environ.get("GITHUB_API_URL")
    notes = [DRY_RUN_NOTE] if dry_run else []
    finished = []
    for path, data in workflows:
        if dry_run and _writes_contents(data):
            notes.append(f"{path.name}: not run in a dry run (it pushes tags and releases)")
            continue
        finished.append(_run_workflow(act, request, path, data, dry_run))
    return runner.RunResult(tuple(finished), tuple(notes))


def workflows_for(root: Path, event: str, job: str | None) -> list[tuple[Path, Any]]:
    """The generated workflows (with mlci's marker) that `event` triggers, train first."""
    found = []
    # train first: it fills the DVC remote and the run-cache that publish restores from
    for path in sorted((root / WORKFLOWS).glob("*.y*ml"), key=lambda p: (p.stem != FIRST, p.name)):
        text = path.read_text(encoding="utf-8")
        if not has_marker(text):
            continue
        data = load_yaml(path, f"{WORKFLOWS}/{path.name}")
        triggers = data.get("on") or {}
        jobs = data.get("jobs") or {}
        if event in triggers and (job is None or job in jobs):
            found.append((path, data))
    if not found:
        what = f"job {job!r} on {event}" if job else event
        raise MlciError(f"no mlci-generated workflow in {WORKFLOWS}/ runs {what}",
                        hint="run `mlci ci generate` (and check --job against the workflow's jobs)")
    return found


def _writes_contents(data: Any) -> bool:
    jobs = (data.get("jobs") or {}).values()
    return any((j.get("permissions") or {}).get("contents") == "write" for j in jobs)


def _run_workflow(act: str, request: runner.RunRequest, path: Path, data: Any,
                  dry_run: bool) -> runner.WorkflowRun:
    state = runner.state_dir(request.project.root)
    checkout = _checkout(request.project)
    payload = _payload(request, state, data, checkout)
    run_id = runner.next_run_id(state)
    # the secrets file lives in a private directory that goes on every way out, SIGTERM too
    with runner.private_dir("mlci-act-") as work:
        (work / "event.json").write_text(json.dumps(payload), encoding="utf-8")
        # as on GitHub, a pull request from a fork runs with no secrets at all
        fork = events.is_fork(payload, checkout.repo)
        runner.write_secret(work / "secrets", "" if fork else _secrets(request.project))
        flags = _flags(request, path, data, work, checkout, run_id, dry_run)
        args = [act, request.event, *flags]
        code = runner.run_tool(args, request.project.root, runner.job_env(request.project))
    record = _record(request.event, payload, checkout, run_id, str(data.get("name", path.stem)),
                     code)
    runner.save_record(state, record)
    return runner.WorkflowRun(record.workflow, code, record)


def _flags(request: runner.RunRequest, path: Path, data: Any, work: Path, checkout: Checkout,
           run_id: int, dry_run: bool) -> list[str]:
    for name in ("vars", "env", "input"):
        runner.write_secret(work / name, "")
    flags = ["-W", str(path), "-e", str(work / "event.json"),
             "--action-cache-path", str(work / "act"), "--no-cache-server",
             "--cache-server-addr", "127.0.0.1", "--artifact-server-addr", "127.0.0.1",
             "--defaultbranch", checkout.default_branch,
             "--secret-file", str(work / "secrets"), "--var-file", str(work / "vars"),
             "--env-file", str(work / "env"), "--input-file", str(work / "input")]
    for label in sorted(runner_labels(data)):
        flags += ["-P", f"{label}=-self-hosted"]
    for action, directory in stand_ins().items():
        flags += ["--local-repository", f"{action}={directory}"]
    env = {"GITHUB_REPOSITORY": checkout.repo, "GITHUB_RUN_ID": str(run_id),
           "MLCI_ARTIFACTS": str(runner.state_dir(request.project.root) / "artifacts"),
           "MLCI_PYTHON": sys.executable}
    env.update({"GITHUB_API_URL": os.environ["GITHUB_API_URL"]} if not dry_run
               else {"MLCI_FORGE_DRY_RUN": "1"})
    for name, value in env.items():
        flags += ["--env", f"{name}={value}"]
    return flags + (["-j", request.job] if request.job else [])


def runner_labels(data: Any) -> set[str]:
    """Every `runs-on:` label of the workflow's jobs (each becomes this machine under act)."""
    labels: set[str] = set()
    for job in (data.get("jobs") or {}).values():
        value = job.get("runs-on", "ubuntu-latest")
        labels.update([value] if isinstance(value, str) else [str(v) for v in value])
    return labels


def stand_ins() -> dict[str, Path]:
    """{"OWNER/REPO@SHA": directory of mlci's local stand-in} for the pinned actions."""
    pins = pin_table()
    return {f"{action}@{pins[action].sha}": template_path("actions", action.split("/")[1])
            for action in STAND_INS if action in pins}


def _secrets(project: Project) -> str:
    """The secrets a workflow may ask for, from this environment, for a file only act reads."""
    names = ["GITHUB_TOKEN", *project.config.ci.dvc_remote_secrets]
    return "".join(f"{name}={value}\n" for name, value in runner.secret_values(names).items())


def _checkout(project: Project) -> Checkout:
    root, cfg = project.root, project.config
    head = gitrepo.head_sha(root)
    if head is None:
        raise MlciError("the repository has no commits; a CI run needs one",
                        hint="commit first: git add -A && git commit")
    branch = gitrepo.git(root, "rev-parse", "--abbrev-ref", "HEAD").strip()
    base = f"refs/remotes/origin/{cfg.default_branch}"
    remote_url = gitrepo.git(root, "remote", "get-url", "origin", check=False).strip()
    repo = os.environ.get("GITHUB_REPOSITORY") or events.repository(
        remote_url, f"local/{root.name}")
    return Checkout(repo, branch, head, cfg.default_branch,
                    gitrepo.resolve(root, base) if gitrepo.ref_exists(root, base) else "")


def _payload(request: runner.RunRequest, state: Path, data: Any,
             checkout: Checkout) -> dict[str, Any]:
    if request.event_file is not None:
        return _read_event(request.event_file)
    if request.event == "schedule":  # the workflow's first cron line fired
        crons = [entry.get("cron", "") for entry in data["on"].get("schedule") or []]
        return events.schedule(checkout, crons[0] if crons else "")
    if request.event != "workflow_run":
        return events.payload(request.event, checkout)
    wanted = set((data["on"].get("workflow_run") or {}).get("workflows") or [])
    earlier = [r for r in runner.records(state) if r.workflow in wanted]
    if not earlier:
        raise MlciError(f"no local run of {', '.join(sorted(wanted))} to follow",
                        hint="run it first, e.g. `mlci ci run pull_request`")
    return events.workflow_run(earlier[-1], checkout.repo, checkout.default_branch)


def _read_event(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MlciError(f"{path}: not a JSON event payload ({exc})") from None
    if not isinstance(data, dict):
        raise MlciError(f"{path}: an event payload is a JSON object")
    return data


def _record(event: str, payload: dict[str, Any], c: Checkout, run_id: int, workflow: str,
            code: int) -> RunRecord:
    pull = payload.get("pull_request") if event == "pull_request" else None
    head = (pull or {}).get("head") or {}
    pr = payload.get("number", (pull or {}).get("number")) if pull else None
    return RunRecord(
        id=run_id, workflow=workflow, event=event,
        conclusion="success" if code == 0 else "failure",
        head_sha=str(head.get("sha") or payload.get("after") or c.head_sha),
        head_branch=str(head.get("ref") or c.branch),
        head_repo=str((head.get("repo") or {}).get("full_name") or c.repo),
        pr=int(pr) if pr is not None else None,
    )
