"""gitrepo against a real repository: batch reads, odd paths, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlci.errors import MlciError, NotAProject, RevisionNotFound
from mlci.shared import gitrepo
from support.commands import commit_all, git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    (tmp_path / "my metrics.json").write_text('{"a": 1}\n')
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "x.txt").write_bytes(b"line one\nline two\n\x00binary\n")
    commit_all(tmp_path, "first")
    return tmp_path


def test_read_blobs_handles_spaces_missing_files_and_trees(repo: Path) -> None:
    blobs = gitrepo.read_blobs(repo, [
        "HEAD:my metrics.json", "HEAD:no such file.json", "HEAD:dir", "HEAD:dir/x.txt",
        "HEAD:also missing",
    ])
    assert blobs == [b'{"a": 1}\n', None, None, b"line one\nline two\n\x00binary\n", None]


def test_show_file(repo: Path) -> None:
    assert gitrepo.show_file(repo, "HEAD", "my metrics.json") == '{"a": 1}\n'
    assert gitrepo.show_file(repo, "HEAD", "nope") is None


def test_resolve_and_errors(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert gitrepo.resolve(repo, "HEAD") == git(repo, "rev-parse", "HEAD")
    with pytest.raises(RevisionNotFound, match="unknown revision 'nope'"):
        gitrepo.resolve(repo, "nope")
    with pytest.raises(RevisionNotFound):
        gitrepo.resolve(repo, "--output=/tmp/x")  # an option is never taken for a revision
    with pytest.raises(NotAProject, match="not a git repository"):
        gitrepo.find_root(tmp_path_factory.mktemp("plain"))
    with pytest.raises(MlciError, match=r"`git log --no-such-option` exited with"):
        gitrepo.git(repo, "log", "--no-such-option")


def test_work_tree_commit_holds_uncommitted_changes_and_moves_nothing(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    assert gitrepo.work_tree_commit(repo) == head  # clean: HEAD itself
    (repo / "my metrics.json").write_text('{"a": 2}\n')
    (repo / "untracked.txt").write_text("not in any commit\n")
    commit = gitrepo.work_tree_commit(repo)
    assert gitrepo.show_file(repo, commit, "my metrics.json") == '{"a": 2}\n'
    assert gitrepo.show_file(repo, commit, "untracked.txt") is None
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "stash", "list") == ""
    assert git(repo, "status", "--porcelain").splitlines() == [  # git() strips the first " "
        'M "my metrics.json"', "?? untracked.txt"]
    with gitrepo.worktree(repo, commit) as tree:
        assert (tree / "my metrics.json").read_text() == '{"a": 2}\n'


def test_work_tree_commit_needs_a_commit(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    with pytest.raises(MlciError, match="no commits yet"):
        gitrepo.work_tree_commit(tmp_path)
