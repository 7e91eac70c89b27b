"""`mlci retrain NAME`: new data in, the pipeline reproduced, ONE pull request on a stable branch.

On `mlci/retrain/NAME`, restarted from the default branch each time: run `retrain.run`,
reproduce the pipeline (pushing outputs and run-cache to the DVC remote), commit what changed,
push the branch (replacing the previous run's, never anyone else's: --force-with-lease), and
open the pull request, or update the one already open. A PR opened with Actions' own
GITHUB_TOKEN starts no workflow: with MLCI_PR_TOKEN set, the PR is opened with that token and
its workflows start as usual; without it, the train workflow is dispatched on the branch.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from mlci import config, pipeline
from mlci.data.scan import configured, scan
from mlci.errors import ForgeError, MlciError
from mlci.forge import connect, job, pulls
from mlci.forge.protocol import Notify
from mlci.forge.pulls import PullOutcome
from mlci.project.context import Project
from mlci.shared import gitrepo

TRAIN_WORKFLOW = "mlci-train.yml"
BOT = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")


@dataclass(frozen=True)
class RetrainRequest:
    project: Project
    name: str
    open_pr: bool = False
    report: Path | None = None  # the monitoring report: the PR's body
    remote: str | None = None  # git remote (default: origin, or the only one)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(frozen=True)
class Retrained:
    """What happened: the branch and commit, the pull request, how its checks start."""

    name: str
    branch: str
    commit: str | None = None  # None: the retrain changed nothing
    remote: str | None = None
    pull: PullOutcome | None = None
    trigger: str = ""  # how the PR's train run starts, in words
    planned: tuple[str, ...] = ()  # a dry run: what would have been sent to the forge


def retrain(request: RetrainRequest, notify: Notify) -> Retrained:
    """Run the retrain on its branch and push it; with `open_pr`, open or update the PR."""
    root, cfg = request.project.root, request.project.config
    settings = cfg.monitor.get(request.name)
    if settings is None:
        raise MlciError(f"mlci.yaml has no monitor.{request.name} section",
                        hint="add monitor: {NAME: {reference: ..., retrain: {run: COMMAND}}}")
    report = _report(request)  # read before any work: a bad --report fails fast
    _check_clean(root)
    remote = gitrepo.default_remote(root, request.remote)
    branch = config.retrain_branch(request.name)
    gitrepo.switch_fresh(root, branch, _start(root, remote, cfg.default_branch))
    if settings.retrain.run:
        _run(root, settings.retrain.run)
    shared = pipeline.shared_remote(root) is not None
    pipeline.reproduce(pipeline.ReproRequest(root, pull=shared))
    _check_privacy(root, cfg.privacy)  # the new data leaves the runner only when clean
    if shared:
        pipeline.push(root)
    title = _title(request.name, report)
    commit = gitrepo.commit_changes(root, title, *BOT)
    done = Retrained(request.name, branch, commit, remote)
    if commit is None or remote is None:
        return done
    failure = gitrepo.push_branch(root, remote, branch, gitrepo.remote_branch(root, remote, branch))
    if failure is not None:
        raise MlciError(f"`git push` of {branch} to '{remote}' failed:\n{failure}",
                        hint="another run may have pushed it meanwhile: run the retrain again")
    return _pull_request(request, done, cfg.default_branch, title, report, notify) \
        if request.open_pr else done


def _check_clean(root: Path) -> None:
    dirty = gitrepo.dirty_paths(root)
    if dirty:
        raise MlciError(f"uncommitted changes: {', '.join(dirty[:5])}",
                        hint="commit or stash them: the retrain starts from the default branch")


def _start(root: Path, remote: str | None, default: str) -> str:
    """Where the branch restarts: the remote's default branch, else the local one, else HEAD."""
    for ref in ([f"refs/remotes/{remote}/{default}"] if remote else []) + [default]:
        if gitrepo.ref_exists(root, ref):
            return gitrepo.resolve(root, ref)
    return gitrepo.resolve(root, "HEAD")


def _run(root: Path, command: str) -> None:
    """`retrain.run`, in a shell at the repository root, its output shown as it comes."""
    print(f"$ {command}", flush=True)
    code = subprocess.run(command, shell=True, cwd=root, check=False).returncode
    if code != 0:
        raise MlciError(f"retrain.run `{command}` exited with {code}",
                        hint="fix the command in mlci.yaml (monitor.NAME.retrain.run)")


def _check_privacy(root: Path, privacy: config.PrivacyConfig) -> None:
    """The pipeline's data after the retrain, scanned as a pull request's is: personal data or
    secrets stop the retrain before anything is pushed (DVC remote or git) or opened."""
    flagged = scan(configured(root, privacy)).flagged
    if not flagged:
        return
    named = ", ".join(f"{f.path}" + (f" column {f.column!r}" if f.column else "") + f" ({f.kind})"
                      for f in flagged[:3])
    if len(flagged) > 3:
        named += f" and {len(flagged) - 3} more"
    raise MlciError(f"the retrained pipeline's data holds personal data or secrets: {named}; "
                    "nothing was pushed", hint="see them masked with `mlci data scan`; fix "
                    "retrain.run's data, or accept reviewed columns in mlci.yaml privacy.allow")


def _title(name: str, report: str) -> str:
    """`mlci retrain NAME: <the monitoring report's headline>`."""
    heading = next((line for line in report.splitlines() if line.startswith("## ")), "")
    reason = heading.removeprefix("## ").split("mlci monitor: ", 1)[-1].strip()
    return f"mlci retrain {name}: {reason or 'fresh data'}"[:250]


def _report(request: RetrainRequest) -> str:
    if request.report is None:
        return ""
    try:
        return request.report.read_text(encoding="utf-8")
    except OSError as exc:
        raise MlciError(f"--report {request.report}: {exc.strerror or exc}") from None


def _pull_request(request: RetrainRequest, done: Retrained, base: str, title: str,
                  report: str, notify: Notify) -> Retrained:
    """Open or update the one PR of the branch; say how its train run starts."""
    env = request.env
    body = _body(request.name, done, base, report)
    if job.dry_run(env):
        return replace(done, planned=(f"open or update the pull request {done.branch} -> "
                                      f"{base}: {title}",))
    context = job.detect(env)
    pat = env.get("MLCI_PR_TOKEN", "").strip()
    if pat:
        context = replace(context, token=job.Token(job.check_token("MLCI_PR_TOKEN", pat)),
                          token_name="MLCI_PR_TOKEN")
    if context.token is None:
        raise ForgeError(f"{context.token_name} is not set: cannot open a pull request")
    forge = connect(context, notify)
    try:
        outcome = pulls.ensure_pull(forge, done.branch, base, title, body, notify)
        if context.forge == "gitlab":
            return replace(done, pull=outcome, trigger="the push starts the branch's pipeline")
        if pat:
            return replace(done, pull=outcome, trigger="opened with MLCI_PR_TOKEN: the pull "
                           "request's own workflows run")
        forge.dispatch(TRAIN_WORKFLOW, done.branch)
    finally:
        forge.close()
    return replace(done, pull=outcome, trigger=f"dispatched {TRAIN_WORKFLOW} on {done.branch} "
                   "(workflow_dispatch): a pull request opened with GITHUB_TOKEN starts no "
                   "workflow; set MLCI_PR_TOKEN to run the pull request's own")


def _body(name: str, done: Retrained, base: str, report: str) -> str:
    intro = (f"Retraining `{name}` on fresh data: `mlci retrain` ran `retrain.run`, "
             f"reproduced the pipeline and committed `{(done.commit or '')[:7]}` on "
             f"`{done.branch}` (restarted from `{base}` on every run). Merging publishes a new "
             "version through the usual gate.")
    return intro + ("\n\n" + report if report else "\n")
