"""Issue 15: `mlci init` on an existing DVC project (a fresh clone of a real-shaped one)
adopts it: mlci.yaml from its metrics and models, the CI files, nothing else; warnings for
what CI would miss; what to install before `mlci repro`."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlci import config
from mlci.project import adoption
from mlci.shared.files import parse_yaml
from support.adopted import NO_AWS, Adopted, clone, copy
from support.commands import commit_all, git, mlci

CI_FILES = (".github/workflows/mlci-train.yml", ".github/workflows/mlci-comment.yml",
            ".github/workflows/mlci-publish.yml", ".github/workflows/mlci-deploy.yml",
            "deploy/Dockerfile", ".gitlab-ci.yml")


@pytest.mark.parametrize(("name", "direction"), [
    ("loss", "lower"), ("val_loss", "lower"), ("train.logloss", "lower"), ("rmse", "lower"),
    ("test.mae", "lower"), ("mse", "lower"), ("error_rate", "lower"), ("perplexity", "lower"),
    ("eval/metrics.json:wer", "lower"), ("trainloss", "lower"), ("acc", "higher"),
    ("roc_auc", "higher"), ("f1", "higher"), ("precision", "higher"), ("step", "higher"),
    ("maestro", "higher"),
])
def test_direction_is_guessed_from_the_name(name: str, direction: str) -> None:
    assert adoption.guess_direction(name) == direction


def test_the_written_policy_reads_back() -> None:
    survey = adoption.Survey({"eval/m.json:acc": "higher", "yes": "higher", "a b": "lower"},
                             ("clf",), "release/1.x", ("AWS_ACCESS_KEY_ID",), (), ())
    read = config.parse(parse_yaml(adoption.policy_text(survey, ("gitlab",)), "mlci.yaml"))
    assert {k: (v.direction, v.min, v.max_drop) for k, v in read.metrics.items()} == {
        "eval/m.json:acc": ("higher", None, None), "yes": ("higher", None, None),
        "a b": ("lower", None, None)}
    assert (read.default_branch, read.publish.branches, read.ci.forges,
            read.ci.dvc_remote_secrets) == ("release/1.x", ("release/1.x",), ("gitlab",),
                                            ("AWS_ACCESS_KEY_ID",))


def test_init_adopts_an_existing_project(adopted: Adopted, tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)
    result = mlci("init", cwd=root)
    assert result.stdout.splitlines()[0].startswith("found a DVC pipeline (dvc.yaml): adopting")
    assert f"created: mlci.yaml, {', '.join(CI_FILES)}" in result.stdout
    status = sorted(git(root, "status", "--porcelain", "--untracked-files=all").splitlines())
    assert status == sorted(f"?? {path}" for path in ("mlci.yaml", *CI_FILES))  # nothing else
    assert not (root / ".dvc" / "config.local").exists()

    cfg = config.load(root)  # metrics are DVC-cached: fetched from the remote to be found
    assert {name: policy.direction for name, policy in cfg.metrics.items()} == {
        "loss": "lower", "dvclive/metrics.json:acc": "higher", "step": "higher",
        "eval/metrics.json:acc": "higher", "roc_auc": "higher"}
    assert all((p.min, p.max, p.max_drop, p.max_rise) == (None,) * 4
               for p in cfg.metrics.values())
    text = (root / "mlci.yaml").read_text()
    assert "# models (dvc.yaml artifacts of type model): clf\n" in text.replace("publish:  ", "")
    assert (cfg.default_branch, cfg.ci.forges, cfg.ci.dvc_remote_secrets) == (
        "main", ("github", "gitlab"), ())
    assert result.stderr.splitlines() == [
        "mlci: warning: requirements.txt does not install mlci, and CI runs mlci after "
        "`pip install -r requirements.txt`: add `mlci`",
        "mlci: warning: requirements.txt does not install what the stages import: "
        "tabulate (src/evaluate.py), pyyaml (src/train.py)"]
    assert result.stdout.splitlines()[-1] == (
        "next: mlci repro && git add -A && git commit -m 'mlci init'")
    assert mlci("ci", "generate", "--check", cwd=root).returncode == 0
    assert "5 rules" in mlci("gate", cwd=root).stdout


def test_an_s3_remote_is_checked_for_its_plugin_and_secrets(adopted: Adopted,
                                                          tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)
    config_file = root / ".dvc" / "config"
    config_file.write_text(config_file.read_text().replace(
        str(adopted.remote), "s3://mlci-bucket/store"))
    (root / "requirements.txt").write_text("mlci\npyyaml\ntabulate\n")
    commit_all(root, "the team's S3 remote")
    result = mlci("init", "--forge", "github", cwd=root, env=NO_AWS)
    cfg = config.load(root)
    assert cfg.ci.dvc_remote_secrets == ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    assert cfg.ci.forges == ("github",) and not (root / ".gitlab-ci.yml").exists()
    warnings = result.stderr.splitlines()
    assert ("mlci: warning: CI does not install dvc-s3, which DVC needs for the default remote "
            "(s3://): add 'dvc[s3]' to requirements.txt") in warnings
    unread = [w for w in warnings if "its metrics are not in mlci.yaml" in w]
    assert len(unread) == 2 and "s3://mlci-bucket/store" in unread[0]  # and why
    assert cfg.metrics == {}

    (root / "mlci.yaml").write_text("ci:\n  forges: [github]\n")  # the team's own, no secrets
    again = mlci("init", cwd=root, env=NO_AWS)
    assert "skipped (exists; --force to overwrite): mlci.yaml" in again.stdout
    assert ("mlci: warning: the default DVC remote 'storage' (s3://mlci-bucket/store) needs "
            "credentials that mlci.yaml's ci.dvc_remote_secrets does not name: "
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (add them there and as CI secrets; pull "
            "requests run without secrets)") in again.stderr.splitlines()


def test_init_says_to_install_what_the_stages_import(adopted: Adopted, tmp_path: Path) -> None:
    root = copy(adopted, tmp_path)
    (root / "src" / "report.py").write_text("import mlci_absent_package_xyz\n")
    (root / "src" / "shard.py").write_text("from mlci_absent_sharder import split\n")
    text = (root / "dvc.yaml").read_text().replace(
        "plots:\n  - roc", "  report:\n    cmd: python src/report.py\n"
        "  shard:\n    foreach: [a, b]\n    do:\n      wdir: src\n"
        "      cmd: python shard.py ${item}\nplots:\n  - roc", 1)
    (root / "dvc.yaml").write_text(text)
    result = mlci("init", cwd=root)
    assert ("not installed in this Python: mlci_absent_package_xyz, mlci_absent_sharder (the "
            "stages import them)") in result.stdout  # a foreach stage's `do:` body, its wdir
    assert result.stdout.splitlines()[-1] == (
        "next: pip install -r requirements.txt && mlci repro && git add -A && "
        "git commit -m 'mlci init'")


def test_example_forces_the_example(adopted: Adopted, tmp_path: Path) -> None:
    root = clone(adopted, tmp_path)
    result = mlci("init", "--example", cwd=root)
    assert "adopting" not in result.stdout
    assert (root / "src" / "load.py").is_file()  # the example's own stages
    assert "skipped (exists; --force to overwrite): dvc.yaml" in result.stdout
