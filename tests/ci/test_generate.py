"""`mlci ci generate`: golden files, the marker line, --force, --check, `mlci init`, this repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from mlci.ci.generate import rendered
from mlci.ci.inputs import pins
from mlci.ci.templating import GENERATED_MARKER
from mlci.project.context import Project
from support.commands import REPO_ROOT, mlci, run
from support.projects import VARIANTS, make_project

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("MLCI_REGEN_GOLDEN") == "1"
TRAIN = ".github/workflows/mlci-train.yml"


@pytest.mark.parametrize("variant", VARIANTS)
def test_rendered_files_match_golden_files(tmp_path: Path, variant: str) -> None:
    files = rendered(Project(make_project(tmp_path / "proj", variant)))
    golden = GOLDEN / variant
    if REGEN:
        for rel, text in files.items():
            (golden / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden / rel).write_text(text, encoding="utf-8", newline="")
    on_disk = sorted(p.relative_to(golden).as_posix() for p in golden.rglob("*") if p.is_file())
    assert sorted(files) == on_disk, "set MLCI_REGEN_GOLDEN=1 to regenerate the golden files"
    for rel, text in files.items():
        assert text == (golden / rel).read_text(encoding="utf-8"), (
            f"{rel} differs from tests/ci/golden/{variant}/{rel}; "
            "MLCI_REGEN_GOLDEN=1 pytest tests/test_ci_generate.py regenerates it"
        )


def test_every_file_starts_with_the_marker(tmp_path: Path) -> None:
    for variant in VARIANTS:
        for rel, text in rendered(Project(make_project(tmp_path / variant, variant))).items():
            assert text.splitlines()[0] == GENERATED_MARKER, rel


def test_generate_writes_then_reports_unchanged(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", "default")
    first = mlci("ci", "generate", cwd=root)
    assert f"created: {TRAIN}" in first.stdout
    assert (root / ".gitlab-ci.yml").is_file()
    second = mlci("ci", "generate", cwd=root)
    assert f"unchanged: {TRAIN}" in second.stdout
    assert "created" not in second.stdout


def test_forge_selects_the_files(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", "default")
    mlci("ci", "generate", "--forge", "gitlab", cwd=root)
    assert (root / ".gitlab-ci.yml").is_file()
    assert not (root / ".github").exists()
    mlci("ci", "generate", "--forge", "nope", cwd=root, expect=2)


def test_file_without_marker_is_kept_unless_force(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", "default")
    mine = root / TRAIN
    mine.parent.mkdir(parents=True)
    mine.write_text("name: my own workflow\n")
    result = mlci("ci", "generate", cwd=root, expect=1)
    assert f"skipped: {TRAIN}" in result.stdout
    assert "--force" in result.stderr
    assert mine.read_text() == "name: my own workflow\n"
    assert (root / ".gitlab-ci.yml").is_file()  # the others were written
    forced = mlci("ci", "generate", "--force", cwd=root)
    assert f"overwritten: {TRAIN}" in forced.stdout
    assert mine.read_text().startswith(GENERATED_MARKER)


def test_file_with_marker_is_regenerated(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", "default")
    mlci("ci", "generate", cwd=root)
    train = root / TRAIN
    train.write_text(train.read_text().replace("timeout-minutes: 60", "timeout-minutes: 5"))
    result = mlci("ci", "generate", cwd=root)
    assert f"updated: {TRAIN}" in result.stdout
    assert "timeout-minutes: 5" not in train.read_text()


def test_check_reports_drift_as_a_diff(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", "default")
    mlci("ci", "generate", cwd=root)
    assert mlci("ci", "generate", "--check", cwd=root).stdout == ""
    config = root / "mlci.yaml"
    config.write_text(config.read_text().replace('python: "3.11"', 'python: "3.12"'))
    before = (root / TRAIN).read_text()
    result = mlci("ci", "generate", "--check", cwd=root, expect=1)
    assert f"--- a/{TRAIN}\n+++ b/{TRAIN}\n" in result.stdout
    assert '-          python-version: "3.11"\n+          python-version: "3.12"\n' in result.stdout
    assert f"drift: {TRAIN}" in result.stderr
    assert (root / TRAIN).read_text() == before  # --check writes nothing


def test_check_reports_a_missing_file(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", "default")
    mlci("ci", "generate", cwd=root)
    (root / ".gitlab-ci.yml").unlink()
    result = mlci("ci", "generate", "--check", "--dir", str(root), cwd=tmp_path, expect=1)
    assert "missing: .gitlab-ci.yml" in result.stderr
    assert "+++ b/.gitlab-ci.yml" in result.stdout
    assert not (root / ".gitlab-ci.yml").exists()


def test_bad_ci_settings_name_the_key_and_write_nothing(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", "default")
    config = root / "mlci.yaml"
    config.write_text(config.read_text().replace("dvc_remote_secrets: []",
                                                 'dvc_remote_secrets: ["A B"]'))
    result = mlci("ci", "generate", cwd=root, expect=1)
    assert "mlci.yaml:16: ci.dvc_remote_secrets[0]: not valid here: 'A B'" in result.stderr
    assert "hint: secret names are letters, digits and '_'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / ".github").exists()


def test_init_generates_the_ci_files(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    result = mlci("init", str(root), "--remote", str(tmp_path / "remote"), cwd=tmp_path)
    assert TRAIN in result.stdout and ".gitlab-ci.yml" in result.stdout
    assert mlci("ci", "generate", "--check", cwd=root).returncode == 0
    (root / TRAIN).write_text("name: mine\n")
    again = mlci("init", str(root), cwd=tmp_path)
    assert "skipped" in again.stdout and TRAIN in again.stdout
    assert (root / TRAIN).read_text() == "name: mine\n"
    mlci("init", str(root), "--force", cwd=tmp_path)
    assert (root / TRAIN).read_text().startswith(GENERATED_MARKER)


def test_this_repository_has_no_ci_drift() -> None:
    result = mlci("ci", "generate", "--check", cwd=REPO_ROOT, expect=None)  # ci.forges: [github]
    assert result.returncode == 0, (
        "this repo's .github/workflows drifted from `mlci ci generate`:\n" + result.stdout
        + result.stderr + "\nrun `mlci ci generate` and commit"
    )
    assert not (REPO_ROOT / ".gitlab-ci.yml").exists()


def test_hand_written_tests_workflow_uses_the_pinned_actions() -> None:
    uses = [line.split("uses:", 1)[1].strip()
            for line in (REPO_ROOT / ".github/workflows/tests.yml").read_text().splitlines()
            if line.strip().startswith("- uses:") or line.strip().startswith("uses:")]
    assert uses
    assert set(uses) <= set(pins().values()), "take the pins from templates/github/pins.yaml"


def test_publish_step_lets_git_push_with_the_job_token(tmp_path: Path) -> None:
    files = rendered(Project(make_project(tmp_path / "proj", "default")))
    text = files[".github/workflows/mlci-publish.yml"]
    step = next(s for s in yaml.safe_load(text)["jobs"]["publish"]["steps"]
                if s.get("run", "").startswith("mlci publish"))
    env = {k: str(v) for k, v in step["env"].items() if not str(v).startswith("${{")}
    proc = run(["git", "credential", "fill"], cwd=tmp_path / "proj", input=(
        "protocol=https\nhost=github.com\n\n"), env={**os.environ, **env, "GITHUB_TOKEN": "tok"})
    assert "username=x-access-token\npassword=tok\n" in proc.stdout
