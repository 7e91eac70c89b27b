"""Git access: the only module that imports GitPython.

Hot paths call the `git` binary directly (one short subprocess beats importing GitPython);
GitPython is imported inside the functions that need its object model.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mlci.errors import MlciError, NotAProject, RevisionNotFound
from mlci.shared.output import TAIL_LINES


def _run(
    cwd: Path, args: Sequence[str], input: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """The one place git runs: never prompts, and a missing git is a clear error."""
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, input=input, capture_output=True, check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except FileNotFoundError:
        raise MlciError("git is not installed (no `git` on PATH)",
                        hint="install git, e.g. `apt-get install git`") from None


def git(root: Path, *args: str, check: bool = True, input: str | None = None) -> str:
    """Run `git ARGS` in `root` and return its stdout; a failure names the command and output."""
    proc = _run(root, args, None if input is None else input.encode())
    if check and proc.returncode != 0:
        raise MlciError(
            f"`git {' '.join(args)}` exited with {proc.returncode}: "
            f"{_tail(proc.stderr.decode('utf-8', 'replace'))}"
        )
    return proc.stdout.decode("utf-8", "replace")


def _tail(text: str) -> str:
    lines = text.strip().splitlines()
    return "\n".join(lines[-TAIL_LINES:]) or "(no output)"


def find_root(start: Path) -> Path:
    """The top of the git work tree containing `start`, or NotAProject."""
    if not start.exists():
        raise NotAProject(f"{start}: no such directory")
    proc = _run(start, ["rev-parse", "--show-toplevel"])
    if proc.returncode != 0:
        raise NotAProject(
            f"{start.resolve()}: not a git repository",
            hint="run `mlci init` to make an mlci project here",
        )
    return Path(proc.stdout.decode().strip())


def toplevel_or_none(path: Path) -> Path | None:
    """The work tree containing `path`, or None when it is in no git repository."""
    try:
        return find_root(path)
    except NotAProject:
        return None


def init(path: Path) -> None:
    """Create a git repository in `path` with `main` as its first branch."""
    from git import Repo

    Repo.init(path, initial_branch="main")


def head_sha(root: Path) -> str | None:
    """The commit HEAD points to, or None in a repository with no commits yet."""
    out = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    return out.strip() or None


def resolve(root: Path, rev: str) -> str:
    """The full SHA of commit `rev`, or RevisionNotFound."""
    out = git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}",
              check=False).strip()
    if not out:
        raise RevisionNotFound(
            f"unknown revision '{rev}'",
            hint="check the name with `git log --oneline`; in CI fetch more history "
            "(`git fetch --unshallow` or checkout with fetch-depth: 0)",
        )
    return out


def work_tree_commit(root: Path) -> str:
    """A commit of the tracked files as they are in the work tree (`git stash create`; HEAD
    when nothing changed), made without touching the work tree, the index or any ref."""
    if head_sha(root) is None:
        raise MlciError("this repository has no commits yet",
                        hint="commit first, e.g. `git add -A && git commit`")
    return git(root, "stash", "create").strip() or resolve(root, "HEAD")


def dirty_paths(root: Path) -> list[str]:
    """Tracked files with uncommitted changes (untracked files do not count)."""
    out = git(root, "status", "--porcelain", "--untracked-files=no")
    return [line[3:] for line in out.splitlines() if line.strip()]


def read_blobs(root: Path, specs: list[str]) -> list[bytes | None]:
    """The contents of `REV:PATH` blobs through one `git cat-file --batch`; None when missing."""
    if not specs:
        return []
    proc = _run(root, ["cat-file", "--batch"], "".join(f"{spec}\n" for spec in specs).encode())
    if proc.returncode != 0:
        raise MlciError(f"`git cat-file --batch` exited with {proc.returncode}: "
                        f"{_tail(proc.stderr.decode(errors='replace'))}")
    return _split_batch(proc.stdout, len(specs))


def _split_batch(out: bytes, count: int) -> list[bytes | None]:
    blobs: list[bytes | None] = []
    pos = 0
    for _ in range(count):
        end = out.index(b"\n", pos)
        header = out[pos:end]
        pos = end + 1
        if header.endswith((b" missing", b" ambiguous")):  # "<spec> missing": spec may hold spaces
            blobs.append(None)
            continue
        _, kind, size = header.rsplit(b" ", 2)
        blobs.append(out[pos:pos + int(size)] if kind == b"blob" else None)  # a tree is no file
        pos += int(size) + 1
    return blobs


def tree_files(root: Path, commit: str, paths: list[str]) -> list[str]:
    """The files at `commit` that are `paths` or lie under them (one `git ls-tree`)."""
    if not paths:
        return []
    out = git(root, "ls-tree", "-r", "-z", "--name-only", "--full-tree", commit, "--", *paths)
    return [name for name in out.split("\0") if name]


def default_branch(root: Path) -> str | None:
    """origin's default branch (`origin/HEAD`), else the branch checked out, else None."""
    for ref in ("refs/remotes/origin/HEAD", "HEAD"):
        name = git(root, "symbolic-ref", "--quiet", "--short", ref, check=False).strip()
        if name:
            return name.removeprefix("origin/")
    return None


def is_shallow(root: Path) -> bool:
    """True in a shallow clone (CI checkouts with a small fetch-depth)."""
    return git(root, "rev-parse", "--is-shallow-repository", check=False).strip() == "true"


def ref_exists(root: Path, ref: str) -> bool:
    """True when `ref` names a commit (e.g. `origin/main`)."""
    return bool(git(root, "rev-parse", "--verify", "--quiet", "--end-of-options",
                    f"{ref}^{{commit}}", check=False).strip())


def merge_base(root: Path, a: str, b: str) -> str | None:
    """The best common ancestor of two commits, or None when they share no history."""
    return git(root, "merge-base", a, b, check=False).strip() or None


def changed_files(root: Path, base: str, head: str | None, pattern: str) -> list[str]:
    """Paths matching `pattern` that differ between commit `base` and `head` (None: work tree)."""
    out = git(root, "diff", "--name-only", "--no-renames", base, *([head] if head else []),
              "--", pattern)
    return out.splitlines()


def first_parent_log(root: Path, rev: str, count: int) -> list[str]:
    """The last `count` commits of `rev` following first parents, newest first (one `git log`)."""
    out = git(root, "log", "--first-parent", f"--max-count={count}", "--format=%H",
              rev, "--")
    return out.split()


# --- annotated tags (the model registry's storage, in GTO's format) -------------------------


@dataclass(frozen=True)
class TagRecord:
    """An annotated tag as `git for-each-ref` reports it."""

    tag: str
    commit: str
    date: str
    message: str


_TAG_FIELDS = (
    "%(refname:strip=2)%00%(objecttype)%00%(*objectname)%00%(taggerdate:iso-strict)%00"
    "%(contents)%00"
)


def annotated_tags(root: Path) -> list[TagRecord]:
    """Every annotated tag (name, tagged commit, date, message) from one `git for-each-ref`."""
    out = git(root, "for-each-ref", f"--format={_TAG_FIELDS}", "refs/tags")
    fields = out.split("\0")
    records = []
    for i in range(0, len(fields) - 5, 5):
        name, kind, commit, date, message = fields[i:i + 5]
        if kind == "tag" and commit:  # GTO ignores lightweight tags; so do we
            records.append(TagRecord(name.lstrip("\n"), commit, date, message))
    return records


def show_file(root: Path, commit: str, path: str) -> str | None:
    """The text of `path` at `commit`, or None when it does not exist there."""
    (blob,) = read_blobs(root, [f"{commit}:{path}"])
    return None if blob is None else blob.decode("utf-8", "replace")


def branches_containing(root: Path, commit: str) -> set[str]:
    """Local and remote-tracking branch names (remote prefix dropped) whose history has `commit`."""
    out = git(root, "for-each-ref", "--contains", commit, "--format=%(refname)",
              "refs/heads", "refs/remotes")
    names = set()
    for ref in out.split():
        if ref.startswith("refs/heads/"):
            names.add(ref.removeprefix("refs/heads/"))
        elif not ref.endswith("/HEAD"):
            names.add(ref.removeprefix("refs/remotes/").partition("/")[2])
    return names


def default_remote(root: Path, name: str | None = None) -> str | None:
    """`name` if given (it must exist), else `origin`, else the only remote, else None."""
    remotes = git(root, "remote").split()
    if name is not None:
        if name not in remotes:
            raise MlciError(f"no git remote named '{name}'",
                            hint=f"known remotes: {', '.join(remotes) or '(none)'}")
        return name
    if "origin" in remotes:
        return "origin"
    return remotes[0] if len(remotes) == 1 else None


def create_tag(root: Path, name: str, commit: str, message: str) -> None:
    """Create the annotated tag `name` at `commit`; fails if it exists. The message is kept
    as written (Markdown headings start with '#', which git would otherwise strip)."""
    git(root, "tag", "-a", "--cleanup=whitespace", "-F", "-", "--end-of-options", name, commit,
        input=message)


def delete_tags(root: Path, names: list[str]) -> None:
    """Delete local tags (those that exist); used to leave nothing behind after a failure."""
    if names:
        git(root, "tag", "-d", *names, check=False)


def push_tags(root: Path, remote: str, names: list[str]) -> str | None:
    """Push tags all-or-nothing (`--atomic`); None on success, else git's message."""
    refs = [f"refs/tags/{n}:refs/tags/{n}" for n in names]
    proc = _run(root, ["push", "--atomic", "--porcelain", remote, *refs])
    if proc.returncode == 0:
        return None
    return _tail((proc.stdout + proc.stderr).decode("utf-8", "replace"))


def remote_tags(root: Path, remote: str, names: list[str]) -> set[str]:
    """Which of tags `names` already exist on `remote` (`git ls-remote --tags`)."""
    out = git(root, "ls-remote", "--tags", remote, *[f"refs/tags/{n}" for n in names])
    return {line.split("refs/tags/", 1)[1].removesuffix("^{}")
            for line in out.splitlines() if "refs/tags/" in line}


def remote_tag_listing(root: Path, remote: str, pattern: str) -> str:
    """`git ls-remote --tags REMOTE PATTERN`: the remote's matching tags and their objects, as
    text (cheap to compare between two polls)."""
    return git(root, "ls-remote", "--tags", remote, pattern)


def fetch_tags(root: Path, remote: str) -> None:
    """Bring the remote's tags in (never overwriting a local tag of the same name)."""
    git(root, "fetch", "--quiet", "--no-tags", remote, "refs/tags/*:refs/tags/*")


@contextmanager
def worktree(root: Path, commit: str) -> Iterator[Path]:
    """A temporary detached work tree of `commit` (outside `root`), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="mlci-worktree-") as tmp:
        # a unique name: git keeps its admin files in .git/worktrees/NAME (sweeps add several)
        path = Path(tmp) / Path(tmp).name
        git(root, "worktree", "add", "--quiet", "--detach", str(path), commit)
        try:
            yield path
        finally:
            git(root, "worktree", "remove", "--force", str(path), check=False)
            git(root, "worktree", "prune", check=False)


def switch_fresh(root: Path, branch: str, start: str) -> None:
    """Check out `branch`, (re)starting it at commit `start` (`git checkout -B`)."""
    git(root, "checkout", "--quiet", "-B", branch, start)


def commit_changes(root: Path, message: str, name: str, email: str) -> str | None:
    """Commit every change to tracked files, plus new `.dvc` pointers and `.gitignore`s; the
    new commit's SHA, or None when there was nothing to commit. `name`/`email` are used only
    when git has no identity configured (a CI runner)."""
    git(root, "add", "--update")
    for pattern in (":(glob)**/*.dvc", ":(glob)**/.gitignore"):  # one may match nothing
        git(root, "add", "--", pattern, check=False)
    if not git(root, "diff", "--cached", "--name-only").strip():
        return None
    identity = [] if git(root, "config", "user.email", check=False).strip() else [
        "-c", f"user.name={name}", "-c", f"user.email={email}"]
    git(root, *identity, "commit", "--quiet", "--no-verify", "-m", message)
    return head_sha(root)


def remote_branch(root: Path, remote: str, branch: str) -> str | None:
    """The SHA `branch` has on `remote`, or None when the remote has no such branch."""
    out = git(root, "ls-remote", "--heads", remote, f"refs/heads/{branch}").split()
    return out[0] if out else None


def push_branch(root: Path, remote: str, branch: str, expected: str | None) -> str | None:
    """Push HEAD to `branch`, replacing it only if it is still at `expected` (None: absent);
    None on success, else git's message."""
    lease = f"--force-with-lease=refs/heads/{branch}:{expected or ''}"
    proc = _run(root, ["push", "--porcelain", lease, remote, f"HEAD:refs/heads/{branch}"])
    if proc.returncode == 0:
        return None
    return _tail((proc.stdout + proc.stderr).decode("utf-8", "replace"))
