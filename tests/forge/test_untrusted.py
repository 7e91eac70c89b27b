"""What a pull request's run can hand the job that holds the token, tried as an attacker would:
links to secrets instead of a report, tokens that leak through error messages, a fork's own
report and gate values dressed up as verified, @mentions that ping teams."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlci.errors import ForgeError
from mlci.forge import fork
from mlci.forge.http import redact
from mlci.forge.job import check_token
from support.commands import git, mlci, mlci_process
from support.comments import HEAD, MARK, REPO, TOKEN, post
from support.forge_server import FakeForge, github_env, gitlab_env

FORK = "mallory/proj"
POLICY = "metrics:\n  accuracy: {direction: higher, min: 0.85}\n"


@pytest.fixture
def pr(forge: FakeForge) -> FakeForge:
    forge.add_pull(REPO, 5, HEAD)
    return forge


def workflow_run_env(forge: FakeForge, tmp: Path, head_repo: str) -> dict[str, str]:
    """The comment workflow's job: a workflow_run event of a train run from `head_repo`."""
    event = tmp / "workflow_run.json"
    event.write_text(json.dumps({"workflow_run": {
        "id": 9, "head_sha": HEAD, "head_repository": {"full_name": head_repo},
        "pull_requests": []}, "repository": {"full_name": REPO}}))
    return {**github_env(forge, tmp, pr=None, event="workflow_run", token=TOKEN),
            "GITHUB_EVENT_PATH": str(event)}


# --- reading the artifact ---------------------------------------------------------------------

def test_a_report_linked_to_proc_self_environ_is_refused_and_nothing_is_posted(
        pr: FakeForge, tmp_path: Path) -> None:
    """The GitLab attack: the train job (MR code) leaves `report.md -> /proc/self/environ` in
    its artifact; the report job, which holds the token, must not post its own environment."""
    (tmp_path / "report.md").symlink_to("/proc/self/environ")
    env = github_env(pr, tmp_path, head_sha=HEAD, token=TOKEN)
    proc = mlci_process("comment", "report.md", cwd=tmp_path, env=env, expect=1)
    assert ("mlci: error: report.md: a symbolic link, not a regular file: refusing to post it"
            in proc.stderr)
    assert "hint: mlci comment posts regular files only" in proc.stderr
    assert pr.requests == [] and TOKEN not in proc.stdout + proc.stderr


@pytest.mark.parametrize("kind", ["fifo", "directory", "link to a regular file"])
def test_anything_but_a_regular_file_is_refused(pr: FakeForge, tmp_path: Path,
                                                kind: str) -> None:
    target = tmp_path / "report.md"
    if kind == "fifo":
        os.mkfifo(target)  # opened without O_NONBLOCK this would hang the job
    elif kind == "directory":
        target.mkdir()
    else:
        (tmp_path / "real.md").write_text("# a report\n")
        target.symlink_to(tmp_path / "real.md")
    proc = mlci("comment", str(target), cwd=tmp_path, expect=1,
                env=github_env(pr, tmp_path, head_sha=HEAD, token=TOKEN))
    assert "not a regular file: refusing to post it" in proc.stderr
    assert pr.requests == []


def test_a_gate_result_linked_elsewhere_is_refused(forge: FakeForge, tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "mlci.yaml").write_text(POLICY)
    (root / "gate.json").symlink_to("/proc/self/environ")
    proc = mlci("gate", "--status", "--from-json", "gate.json", cwd=root, expect=1,
                env=github_env(forge, tmp_path, head_sha=HEAD, token=TOKEN))
    assert "gate.json: a symbolic link, not a regular file: refusing to read it" in proc.stderr
    assert forge.requests == []


# --- tokens -----------------------------------------------------------------------------------

@pytest.mark.parametrize("token", [TOKEN + "\n", TOKEN + "\r\n", "ghs_a b", "ghs_\x1bx",
                                   "ghs_é", "\tghs_x"])
def test_a_token_with_a_control_character_is_refused_before_any_request(
        pr: FakeForge, tmp_path: Path, token: str) -> None:
    (tmp_path / "report.md").write_text("# report\n")
    env = github_env(pr, tmp_path, head_sha=HEAD, token=token)
    proc = mlci("comment", "report.md", cwd=tmp_path, env=env, expect=1)
    assert "mlci: error: GITHUB_TOKEN holds a line break, a space, a control" in proc.stderr
    assert "hint: set GITHUB_TOKEN again without the trailing newline" in proc.stderr
    assert token.strip() not in proc.stdout + proc.stderr and pr.requests == []


def test_a_gitlab_token_with_a_newline_is_refused_by_name(forge: FakeForge,
                                                          tmp_path: Path) -> None:
    (tmp_path / "report.md").write_text("# report\n")
    env = gitlab_env(forge, iid=5, sha=HEAD, token="glpat-s3cr3t\n")
    proc = mlci("comment", "report.md", cwd=tmp_path, env=env, expect=1)
    assert "MLCI_GITLAB_TOKEN holds a line break" in proc.stderr
    assert "glpat-s3cr3t" not in proc.stdout + proc.stderr and forge.requests == []


@pytest.mark.parametrize("token", ["ghs_abc", "glpat-x_Y.z~1", "a" * 200])
def test_ordinary_tokens_pass(token: str) -> None:
    assert check_token("GITHUB_TOKEN", token) == token


def test_the_error_names_the_variable_never_the_value() -> None:
    with pytest.raises(ForgeError) as caught:
        check_token("MLCI_GITLAB_TOKEN", "glpat-s3cr3t\n")
    assert "MLCI_GITLAB_TOKEN" in caught.value.message
    assert "s3cr3t" not in caught.value.message + str(caught.value.hint)


@pytest.mark.parametrize(("text", "secret", "shown"), [
    # httpx's own words for a bad header: the escaped form that exact matching missed
    ("Illegal header value b'Bearer ghs_s3cr3t\\n'", "ghs_s3cr3t\n",
     "Illegal header value b'Bearer ***'"),
    ("header 'Bearer ghs_s3cr3t\\r'", "ghs_s3cr3t\r", "header 'Bearer ***'"),
    ("sent ghs_s3cr3t twice: ghs_s3cr3t", "ghs_s3cr3t", "sent *** twice: ***"),
    ('{"token": "a\\"b"}', 'a"b', '{"token": "***"}'),
    ("url ?t=a%2Fb", "a/b", "url ?t=***"),
    ("b'tok\\xc3\\xa9n'", "tokén", "b'***'"),
    ("nothing secret here", "", "nothing secret here"),
])
def test_redact_hides_the_token_as_written_and_as_escaped(text: str, secret: str,
                                                           shown: str) -> None:
    assert redact(text, secret) == shown


# --- forks ------------------------------------------------------------------------------------

REPORT_WITH_MENTIONS = ("# ✅ mlci: gate passed\n\nApproved by @octo/maintainers, cc @alice "
                        "and @_bot; model classifier@v1.2.3, mail a@b.example\n")


def test_a_forks_report_is_marked_unverified_and_pings_nobody(pr: FakeForge,
                                                              tmp_path: Path) -> None:
    proc = post(pr, tmp_path, REPORT_WITH_MENTIONS, "--pr", "5", "--expect-sha", HEAD,
                env=workflow_run_env(pr, tmp_path, FORK))
    [comment] = pr.comments(REPO, 5)
    body = comment["body"]
    assert body.startswith(f"{MARK}\n\n{fork.NOTICE}\n\n# ✅ mlci: gate passed")
    assert "@\u200docto/maintainers" in body and "@\u200dalice" in body
    assert "@\u200d_bot" in body
    assert "classifier@v1.2.3" in body and "a@b.example" in body  # not mentions: untouched
    assert body.replace("\u200d", "").endswith(REPORT_WITH_MENTIONS)  # reads the same
    assert "marked it unverified: the pull request comes from a fork" in proc.stdout


def test_a_fork_is_recognised_from_the_pull_request_too(forge: FakeForge,
                                                        tmp_path: Path) -> None:
    """A fork's artifact may name another PR whose head it copied: the PR's head repository
    (GET /pulls/N) marks it even when the event does not."""
    forge.add_pull(REPO, 5, HEAD, head_repo=FORK)
    post(forge, tmp_path, REPORT_WITH_MENTIONS, "--pr", "5", "--expect-sha", HEAD,
         env=workflow_run_env(forge, tmp_path, REPO))
    [comment] = forge.comments(REPO, 5)
    assert fork.NOTICE in comment["body"] and "@alice" not in comment["body"]


def test_a_same_repository_report_is_posted_as_written(pr: FakeForge, tmp_path: Path) -> None:
    post(pr, tmp_path, REPORT_WITH_MENTIONS, "--pr", "5", "--expect-sha", HEAD,
         env=workflow_run_env(pr, tmp_path, REPO))
    [comment] = pr.comments(REPO, 5)
    assert comment["body"] == f"{MARK}\n{REPORT_WITH_MENTIONS}"


def test_a_forks_gate_status_says_unverified(forge: FakeForge, tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "mlci.yaml").write_text(POLICY)
    (root / "gate.json").write_text(json.dumps(
        {"values": {"base": None, "head": {"accuracy": 0.93}}}))
    env = workflow_run_env(forge, tmp_path, FORK)
    mlci("gate", "--status", "--from-json", "gate.json", "--head", HEAD, cwd=root, env=env)
    [status] = forge.store.statuses
    assert status["description"] == "unverified (fork): gate passed: 1 rule"
    assert status["state"] == "success"


def test_a_gitlab_merge_request_from_a_fork_is_marked(forge: FakeForge, tmp_path: Path) -> None:
    forge.add_pull("42", 5, HEAD, forge="gitlab", head_repo="77")
    (tmp_path / "report.md").write_text(REPORT_WITH_MENTIONS)
    env = gitlab_env(forge, iid=5, sha=HEAD, token=TOKEN, CI_MERGE_REQUEST_PROJECT_ID="42",
                     CI_MERGE_REQUEST_SOURCE_PROJECT_ID="77")
    mlci("comment", "report.md", cwd=tmp_path, env=env)
    [note] = forge.comments("42", 5, forge="gitlab")
    assert note["body"].startswith(f"{MARK}\n\n{fork.NOTICE}") and "@alice" not in note["body"]


@pytest.mark.parametrize(("text", "expected"), [
    ("@team", "@\u200dteam"),
    ("cc @org/team-a, @bob.", "cc @\u200dorg/team-a, @\u200dbob."),
    ("(@x)", "(@\u200dx)"),
    ("`@x`", "`@\u200dx`"),
    ("m@v1.0.0 a@b.c", "m@v1.0.0 a@b.c"),
    ("@ alone, @-dash", "@ alone, @-dash"),
])
def test_neutralise_mentions(text: str, expected: str) -> None:
    assert fork.neutralise_mentions(text) == expected
