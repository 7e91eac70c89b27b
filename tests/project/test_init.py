"""`mlci init`: a real git repository, real DVC, the example project, a remote."""

from __future__ import annotations

from pathlib import Path

from support.commands import REPO_ROOT, dvc, git, mlci

SCAFFOLD = ["dvc.yaml", "data/schema.yaml", "params.yaml", "mlci.yaml", ".gitignore",
            "requirements.txt", "src/load.py", "src/prepare.py", "src/train.py", "src/evaluate.py"]


def config_value(root: Path, level: str, key: str) -> str:
    """A DVC config value at one level, as DVC itself reads it ("" when unset)."""
    return dvc(root, "config", f"--{level}", key, check=False).stdout.strip()


def test_init_makes_a_project_with_a_local_remote_outside_the_repo(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    result = mlci("init", str(root), cwd=tmp_path)
    assert git(root, "rev-parse", "--show-toplevel") == str(root)
    assert git(root, "symbolic-ref", "--short", "HEAD") == "main"
    assert (root / ".dvc").is_dir()
    for rel in SCAFFOLD:
        assert (root / rel).is_file(), rel
    url = Path(config_value(root, "local", "remote.storage.url"))
    assert url.is_dir() and root not in url.parents
    assert config_value(root, "local", "core.remote") == "storage"
    assert config_value(root, "project", "remote.storage.url") == ""
    assert config_value(root, "project", "core.analytics") == "False"
    assert "created: data/schema.yaml, dvc.yaml, " in result.stdout
    assert "this machine only" in result.stdout


def test_init_twice_skips_and_says_so(tmp_path: Path) -> None:
    mlci("init", str(tmp_path / "p"), cwd=tmp_path)
    (tmp_path / "p" / "params.yaml").write_text("train:\n  C: 3\n")
    second = mlci("init", str(tmp_path / "p"), cwd=tmp_path)
    assert "skipped (exists; --force to overwrite): data/schema.yaml, dvc.yaml" in second.stdout
    assert "params.yaml" in second.stdout
    assert (tmp_path / "p" / "params.yaml").read_text() == "train:\n  C: 3\n"
    assert "initialised" not in second.stdout


def test_init_force_overwrites_changed_files(tmp_path: Path) -> None:
    mlci("init", str(tmp_path / "p"), cwd=tmp_path)
    (tmp_path / "p" / "params.yaml").write_text("train:\n  C: 3\n")
    forced = mlci("init", "--force", str(tmp_path / "p"), cwd=tmp_path)
    assert "overwrote: params.yaml" in forced.stdout
    expected = (REPO_ROOT / "templates" / "project" / "params.yaml").read_text()
    assert (tmp_path / "p" / "params.yaml").read_text() == expected


def test_init_with_a_remote_url_keeps_it_in_the_shared_config(tmp_path: Path) -> None:
    mlci("init", str(tmp_path / "p"), "--remote", "s3://bucket/models", cwd=tmp_path)
    root = tmp_path / "p"
    assert config_value(root, "project", "remote.storage.url") == "s3://bucket/models"
    assert config_value(root, "project", "core.remote") == "storage"
    assert not (tmp_path / "p" / ".dvc" / "config.local").exists()


def test_a_remote_named_later_is_the_one_dvc_uses(tmp_path: Path) -> None:
    """`mlci init`, then `mlci init --remote URL`: the machine-local directory the first run
    put in .dvc/config.local would override URL on this machine; it is dropped (its other
    local settings stay), and a local url the user chose is pointed out, not removed."""
    root = tmp_path / "p"
    mlci("init", str(root), cwd=tmp_path)
    dvc(root, "remote", "modify", "--local", "storage", "jobs", "3")
    shared = tmp_path / "shared-remote"
    again = mlci("init", "--remote", str(shared), cwd=root)
    assert "dropped this machine's remote url" in again.stdout
    # what DVC uses here: every config level merged, .dvc/config.local last
    assert dvc(root, "config", "remote.storage.url").stdout.strip() == str(shared)
    assert config_value(root, "local", "remote.storage.jobs") == "3"
    mine = tmp_path / "my-local-remote"
    dvc(root, "remote", "modify", "--local", "storage", "url", str(mine))
    third = mlci("init", "--remote", "s3://bucket/models", cwd=root)
    assert (f"note: .dvc/config.local sets remote 'storage' url {mine}, which overrides "
            "s3://bucket/models on this machine") in third.stdout
    assert config_value(root, "local", "remote.storage.url") == str(mine)


def test_init_in_an_existing_repo_keeps_its_history(tmp_path: Path) -> None:
    root = tmp_path / "existing"
    root.mkdir()
    git(root, "init", "-q")
    (root / "README.md").write_text("hello\n")
    git(root, "add", "README.md")
    git(root, "commit", "-qm", "first")
    result = mlci("init", cwd=root)
    assert "initialised a git repository" not in result.stdout
    assert git(root, "log", "--format=%s") == "first"
    assert (root / "dvc.yaml").is_file()


def _forgeless(path: Path) -> bytes:
    """A file's bytes, mlci.yaml's `forges:` line left out: this repository lives on GitHub
    only, the scaffold generates both forges' files."""
    lines = path.read_bytes().splitlines(keepends=True)
    return b"".join(line for line in lines if not line.lstrip().startswith(b"forges:"))


def test_the_example_project_at_the_root_is_the_scaffold() -> None:
    """One source of truth: the repo's own pipeline is what `mlci init` writes."""
    scaffold = REPO_ROOT / "templates" / "project"
    for file in scaffold.rglob("*"):
        rel = file.relative_to(scaffold).as_posix()
        # the repo installs itself (-e .), a scaffolded project installs mlci from its index
        skipped = rel in ("gitignore", "requirements.txt") or "__pycache__" in rel
        if file.is_file() and not skipped:
            assert _forgeless(REPO_ROOT / rel) == _forgeless(file), rel
    ours = (REPO_ROOT / ".gitignore").read_text().splitlines()
    for line in (scaffold / "gitignore").read_text().splitlines():
        assert line in ours
