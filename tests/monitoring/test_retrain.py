"""`mlci retrain`: the stable branch, ONE pull request (opened, then updated), the trigger of its
checks, against a bare origin, a local DVC remote and the fake forge."""

from __future__ import annotations

from pathlib import Path

from support.commands import commit_all, git, mlci
from support.forge_server import FakeForge, github_env, gitlab_env

REPO = "octo/proj"
BRANCH = "mlci/retrain/classifier"
RETRAIN = """
monitor:
  classifier:
    reference: data/prepared/train.csv
    target: target
    retrain:
      run: "{run}"
"""
# new data: another split of the raw data (any command that changes the pipeline's inputs)
NEW_SPLIT = "sed -i.bak 's/seed: 42/seed: 7/' params.yaml && rm params.yaml.bak"
# a tracked file no stage reads: a commit without retraining (keeps the PR tests fast)
NOTE = "date +%s%N >> NOTES.md"


def monitored(project: Path, run: str = NOTE) -> None:
    with (project / "mlci.yaml").open("a") as handle:
        handle.write(RETRAIN.format(run=run))
    (project / "NOTES.md").write_text("Data notes.\n")
    commit_all(project, "monitor the classifier")
    git(project, "push", "-q", "origin", "main")


def report(tmp: Path) -> Path:
    path = tmp / "report.md"
    path.write_text("<!-- mlci-monitor -->\n## ❌ mlci monitor: classifier v0.0.1 (prod): data "
                    "drift in 20 of 31 columns\n\nThe details.\n")
    return path


def origin_branch(project: Path) -> str:
    return git(project.parent / "origin.git", "rev-parse", f"refs/heads/{BRANCH}").strip()


def test_one_pull_request_opened_then_updated_and_the_train_workflow_dispatched(
        project: Path, forge: FakeForge, tmp_path: Path) -> None:
    monitored(project, NEW_SPLIT)
    forge.store.origin = str(project.parent / "origin.git")
    env = github_env(forge, tmp_path, repo=REPO, pr=None, event="schedule", token="gh-token")
    first = mlci("retrain", "classifier", "--open-pr", "--report", str(report(tmp_path)),
                 cwd=project, env=env)
    assert f"on {BRANCH}, pushed to origin" in first.stdout
    assert "opened pull request #1" in first.stdout
    assert "checks: dispatched mlci-train.yml on mlci/retrain/classifier" in first.stdout
    head = origin_branch(project)
    changed = git(project, "show", "--name-only", "--format=", head).split()
    assert {"params.yaml", "dvc.lock"} <= set(changed) and "report.md" not in changed
    [pull] = forge.store.pulls
    assert (pull["head_ref"], pull["base"], pull["head_sha"]) == (BRANCH, "main", head)
    assert pull["title"] == ("mlci retrain classifier: classifier v0.0.1 (prod): data drift in "
                             "20 of 31 columns")
    assert "The details." in pull["body"] and head[:7] in pull["body"]
    assert forge.store.dispatches == [{"repo": REPO, "workflow": "mlci-train.yml",
                                       "ref": BRANCH, "inputs": {}}]
    # DVC outputs went to the remote: the retrained model's object is there
    lock = git(project, "show", f"{head}:dvc.lock")
    model_md5 = lock.split("path: models/model.pkl", 1)[1].split("md5: ", 1)[1].split()[0]
    assert (project.parent / "dvc-remote" / "files" / "md5" / model_md5[:2] /
            model_md5[2:]).is_file()

    git(project, "checkout", "-q", "main")
    # main moved on (the retrain restarts from it): a new commit whatever the clock says
    (project / "NOTES.md").write_text("Data notes, day two.\n")
    commit_all(project, "notes")
    git(project, "push", "-q", "origin", "main")
    second = mlci("retrain", "classifier", "--open-pr", "--report", str(report(tmp_path)),
                  cwd=project, env=env)
    assert "updated pull request #1" in second.stdout
    assert len(forge.store.pulls) == 1 and forge.store.pulls[0]["head_sha"] == origin_branch(
        project) != head
    posts = [r for r in forge.writes() if r.method == "POST" and r.path.endswith("/pulls")]
    assert len(posts) == 1
    assert all(r.auth == "Bearer gh-token" for r in forge.writes())


def test_mlci_pr_token_opens_the_pull_request_and_nothing_is_dispatched(
        project: Path, forge: FakeForge, tmp_path: Path) -> None:
    monitored(project)
    env = github_env(forge, tmp_path, repo=REPO, pr=None, event="schedule", token="gh-token",
                     MLCI_PR_TOKEN="pat-token")
    proc = mlci("retrain", "classifier", "--open-pr", cwd=project, env=env)
    assert "checks: opened with MLCI_PR_TOKEN" in proc.stdout
    assert forge.store.dispatches == []
    assert {r.auth for r in forge.writes()} == {"Bearer pat-token"}
    assert "pat-token" not in proc.stdout + proc.stderr


def test_gitlab_gets_one_merge_request(project: Path, forge: FakeForge) -> None:
    monitored(project)
    env = gitlab_env(forge, iid=None, token="gl-token", CI_PIPELINE_SOURCE="schedule")
    mlci("retrain", "classifier", "--open-pr", cwd=project, env=env)
    git(project, "checkout", "-q", "main")
    proc = mlci("retrain", "classifier", "--open-pr", cwd=project, env=env)
    assert "updated pull request #1" in proc.stdout
    assert "the push starts the branch's pipeline" in proc.stdout
    [merge_request] = forge.store.pulls
    assert (merge_request["forge"], merge_request["head_ref"]) == ("gitlab", BRANCH)
    assert [r.auth_header for r in forge.writes()] == ["PRIVATE-TOKEN"] * 2


def test_a_retrain_that_changes_nothing_opens_nothing(project: Path, forge: FakeForge,
                                                      tmp_path: Path) -> None:
    monitored(project, "true")  # the command changes nothing: the pipeline is up to date
    env = github_env(forge, tmp_path, repo=REPO, pr=None, event="schedule", token="gh-token")
    proc = mlci("retrain", "classifier", "--open-pr", cwd=project, env=env)
    assert "nothing changed, so no commit and no pull request" in proc.stdout
    assert forge.requests == []
    assert git(project.parent / "origin.git", "branch", "--list", BRANCH) == ""


def test_a_failing_retrain_command_stops_before_anything_is_pushed(project: Path) -> None:
    with (project / "mlci.yaml").open("a") as handle:
        handle.write("monitor:\n  classifier:\n    reference: data/prepared/train.csv\n"
                     "    retrain: {run: 'exit 3'}\n")
    commit_all(project, "a broken retrain command")
    proc = mlci("retrain", "classifier", cwd=project, expect=1)
    assert "mlci: error: retrain.run `exit 3` exited with 3" in proc.stderr
    assert git(project.parent / "origin.git", "branch", "--list", BRANCH) == ""


def test_personal_data_in_the_new_data_stops_the_retrain_before_any_push(
        project: Path) -> None:
    """New data that holds e-mail addresses: the retrain scans the pipeline's data as a pull
    request's train job does, and nothing reaches the DVC remote or origin."""
    (project / "make_contacts.py").write_text(
        "from pathlib import Path\n"
        "rows = [f'{i},customer{i}@example.com' for i in range(40)]\n"
        "Path('data/contacts.csv').write_text('id,email\\n' + '\\n'.join(rows) + '\\n')\n")
    monitored(project, "python make_contacts.py && dvc add -q data/contacts.csv && "
                       "git add data/contacts.csv.dvc data/.gitignore")
    remote = project.parent / "dvc-remote"
    before = sorted(remote.rglob("*"))
    proc = mlci("retrain", "classifier", cwd=project, expect=1)
    assert ("mlci: error: the retrained pipeline's data holds personal data or secrets: "
            "data/contacts.csv column 'email' (email); nothing was pushed") in proc.stderr
    assert "accept reviewed columns in mlci.yaml privacy.allow" in proc.stderr
    assert "@example.com" not in proc.stdout + proc.stderr
    assert sorted(remote.rglob("*")) == before
    assert git(project.parent / "origin.git", "branch", "--list", BRANCH) == ""
