"""`mlci ci run` hands tokens to the jobs that ask for them and to nothing else, through files
that only this user can read and that do not outlive the run, whatever ends it.

Real runners (gitlab-ci-local, act) run small pipelines whose jobs report what they see; the
stop test sends a real SIGTERM to a real `mlci` process while a job is running.
"""

from __future__ import annotations

import json
import os
import select
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mlci.ci.local.gitlabci import TOKEN_SCOPES, scoped_variables
from mlci.ci.templating import GENERATED_MARKER
from support.commands import REPO_ROOT, commit_all, git, mlci

TOKEN = "glpat-l0cal-run-t0ken"
NODE_BIN = REPO_ROOT / ".ci" / "node" / "node_modules" / ".bin"  # gitlab-ci-local (.ci/run)
READY = "job-42-running"  # what the job prints: `job-$((6*7))-running`, not its command line
# each job writes what it sees of the token; the report job names the scoped environment
GITLAB_PIPELINE = """\
stages: [train, report]
train:
  stage: train
  script:
    - printf '%s' "${MLCI_GITLAB_TOKEN:-unset}" > "$SEEN/train"
report:
  stage: report
  environment:
    name: mlci-report
    action: access
  script:
    - printf '%s' "${MLCI_GITLAB_TOKEN:-unset}" > "$SEEN/report"
"""
GITLAB_BLOCKING = """\
train:
  script:
    - echo "job-$((6*7))-running"
    - sleep 600
"""
GITHUB_BLOCKING = f"""{GENERATED_MARKER}
name: blocking
on: push
permissions: {{}}
jobs:
  train:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - run: echo "job-$((6*7))-running" && sleep 600
"""


def repository(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    commit_all(root, "a pipeline")
    return root


def runner_env(tmp: Path) -> dict[str, str]:
    """The runners on PATH, token files under a temp dir of this test's own."""
    (tmp / "tmpdir").mkdir(exist_ok=True)
    return {"PATH": os.pathsep.join([str(NODE_BIN), str(Path(sys.executable).parent),
                                     os.environ["PATH"]]),
            "TMPDIR": str(tmp / "tmpdir"), "MLCI_GITLAB_TOKEN": TOKEN, "GITHUB_TOKEN": TOKEN}


def test_the_gitlab_token_reaches_only_the_jobs_of_its_environments(tmp_path: Path) -> None:
    """gitlab-ci-local gives a plain `NAME: value` to every job (scope `*`), the merge
    request's train job included; scoped, only the report job sees it."""
    root = repository(tmp_path / "proj", {".gitlab-ci.yml": GITLAB_PIPELINE})
    seen = tmp_path / "seen"
    seen.mkdir()
    old = root / ".gitlab-ci-local" / "mlci-variables.yml"  # where older mlci wrote the token
    old.parent.mkdir()
    old.write_text("{}\n")
    old.chmod(0o644)
    proc = mlci("ci", "run", "push", "--forge", "gitlab", cwd=root,
                env={**runner_env(tmp_path), "SEEN": str(seen)})
    assert "gitlab push pipeline: success" in proc.stdout
    assert (seen / "train").read_text() == "unset"
    assert (seen / "report").read_text() == TOKEN
    assert not old.exists()
    assert list((tmp_path / "tmpdir").glob("mlci-*")) == []  # the token file is gone


def test_scoped_variables_is_gitlab_ci_locals_environment_format() -> None:
    data = json.loads(scoped_variables({"MLCI_GITLAB_TOKEN": "t"}))
    assert data == {"MLCI_GITLAB_TOKEN": {"type": "variable", "values": {
        "mlci-report": "t", "model-release": "t"}}}
    assert TOKEN_SCOPES == ("mlci-report", "model-release")  # as .gitlab-ci.yml's header says


def test_a_token_with_a_newline_is_refused_before_any_runner_starts(tmp_path: Path) -> None:
    root = repository(tmp_path / "proj", {".gitlab-ci.yml": GITLAB_PIPELINE})
    env = {**runner_env(tmp_path), "MLCI_GITLAB_TOKEN": TOKEN + "\nOTHER: x"}
    proc = mlci("ci", "run", "push", "--forge", "gitlab", cwd=root, env=env, expect=1)
    assert "MLCI_GITLAB_TOKEN holds a line break" in proc.stderr
    assert TOKEN not in proc.stdout + proc.stderr
    assert list((tmp_path / "tmpdir").glob("mlci-*")) == []


def read_until(proc: subprocess.Popen[bytes], marker: str, timeout: float = 120.0) -> str:
    """The process's output up to `marker` (fails when nothing comes for `timeout` s)."""
    assert proc.stdout is not None
    seen = b""
    while marker.encode() not in seen:
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        chunk = os.read(proc.stdout.fileno(), 65536) if ready else b""
        if not chunk:
            pytest.fail(f"no {marker!r} from the job; output so far:\n{seen.decode()}")
        seen += chunk
    return seen.decode()


@pytest.mark.parametrize(("forge", "files", "token_file", "token_text"), [
    ("gitlab", {".gitlab-ci.yml": GITLAB_BLOCKING}, "mlci-gitlab-*/variables.yml",
     '"mlci-report": "' + TOKEN),
    ("github", {".github/workflows/blocking.yml": GITHUB_BLOCKING}, "mlci-act-*/secrets",
     f"GITHUB_TOKEN={TOKEN}\n"),
])
def test_sigterm_stops_the_run_and_removes_its_token_file(
        tmp_path: Path, forge: str, files: dict[str, str], token_file: str,
        token_text: str) -> None:
    root = repository(tmp_path / "proj", files)
    git(root, "remote", "add", "origin", "https://github.com/octo/proj.git")
    proc = subprocess.Popen([sys.executable, "-m", "mlci", "ci", "run", "push", "--forge", forge],
                            cwd=root, env={**os.environ, **runner_env(tmp_path)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        read_until(proc, READY)  # the job runs: the token file exists now
        [secrets] = (tmp_path / "tmpdir").glob(token_file)
        assert stat.S_IMODE(secrets.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
        assert token_text in secrets.read_text()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert "mlci: error: stopped by SIGTERM" in err.decode()
    assert list((tmp_path / "tmpdir").glob("mlci-*")) == []
    assert TOKEN not in err.decode()


@pytest.mark.parametrize("existing", ["file", "link"])
def test_a_token_file_is_never_written_through_an_existing_path(tmp_path: Path,
                                                                existing: str) -> None:
    from mlci.ci.local.runner import write_secret

    target, elsewhere = tmp_path / "variables.yml", tmp_path / "elsewhere"
    if existing == "file":
        target.write_text("{}\n")
        target.chmod(0o644)
    else:
        target.symlink_to(elsewhere)
    with pytest.raises(FileExistsError):
        write_secret(target, TOKEN)
    assert not elsewhere.exists()
    assert existing == "link" or target.read_text() == "{}\n"
