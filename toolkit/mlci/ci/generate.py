"""`mlci ci generate`: write, or with `check` compare, the CI files rendered from templates/."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from mlci.ci import inputs
from mlci.ci.inputs import CiContext
from mlci.ci.templating import has_marker, render
from mlci.project.context import Project
from mlci.shared.files import atomic_write
from mlci.shared.forges import ForgeName
from mlci.templates import template_path

Status = Literal["created", "updated", "unchanged", "overwritten", "skipped", "drift", "missing",
                 "foreign"]


@dataclass(frozen=True)
class Target:
    """One generated file: its forge, template (under templates/) and path in the project."""

    forge: str
    template: str
    output: str
    wanted: Callable[[CiContext], bool] = lambda ctx: True


TARGETS = (
    Target("github", "github/mlci-train.yml.j2", ".github/workflows/mlci-train.yml"),
    Target("github", "github/mlci-comment.yml.j2", ".github/workflows/mlci-comment.yml"),
    Target("github", "github/mlci-publish.yml.j2", ".github/workflows/mlci-publish.yml",
           lambda ctx: bool(ctx.models)),
    Target("github", "github/mlci-sweep.yml.j2", ".github/workflows/mlci-sweep.yml",
           lambda ctx: ctx.sweep),
    Target("github", "github/mlci-monitor.yml.j2", ".github/workflows/mlci-monitor.yml",
           lambda ctx: bool(ctx.monitors)),
    Target("github", "github/actionlint.yaml.j2", ".github/actionlint.yaml",
           lambda ctx: bool(ctx.custom_labels)),
    Target("github", "github/mlci-deploy.yml.j2", ".github/workflows/mlci-deploy.yml",
           lambda ctx: bool(ctx.deploy.targets)),
    # both forges build the deploy image from it
    Target("all", "docker/Dockerfile.j2", "deploy/Dockerfile",
           lambda ctx: bool(ctx.deploy.targets)),
    Target("gitlab", "gitlab/gitlab-ci.yml.j2", ".gitlab-ci.yml"),
)


@dataclass(frozen=True)
class GenerateRequest:
    project: Project
    forges: tuple[ForgeName, ...] | None = None  # None: mlci.yaml's ci.forges (default: both)
    check: bool = False
    force: bool = False


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file; `diff` is set for drift in check mode."""

    path: str
    status: Status
    diff: str = ""


@dataclass(frozen=True)
class GenerateResult:
    files: tuple[FileOutcome, ...]

    @property
    def failed(self) -> bool:
        """True when a file drifted (check) or was left alone for lack of the marker."""
        return any(f.status in ("drift", "missing", "skipped") for f in self.files)


def rendered(project: Project, forges: tuple[ForgeName, ...] | None = None) -> dict[str, str]:
    """{project-relative path: text} of every file the forges need (None: mlci.yaml's
    ci.forges), rendered in memory."""
    ctx = inputs.load(project)
    variables = ctx.as_dict()
    chosen = ctx.forges if forges is None else forges
    return {
        target.output: render(template_path(target.template).read_text(encoding="utf-8"),
                              variables)
        for target in TARGETS
        if (target.forge == "all" or target.forge in chosen) and target.wanted(ctx)
    }


def generate(request: GenerateRequest) -> GenerateResult:
    """Render the CI files; write them, or with `check` compare them with the files on disk."""
    step = _compare if request.check else _write
    files = rendered(request.project, request.forges)
    return GenerateResult(tuple(step(request, rel, text) for rel, text in files.items()))


def _compare(request: GenerateRequest, rel: str, text: str) -> FileOutcome:
    target = request.project.root / rel
    if not target.is_file():
        return FileOutcome(rel, "missing", unified_diff(rel, "", text))
    current = target.read_text(encoding="utf-8", errors="replace")  # drift either way
    if current == text:
        return FileOutcome(rel, "unchanged")
    if not has_marker(current):  # the team's own file: not mlci's to check
        return FileOutcome(rel, "foreign")
    return FileOutcome(rel, "drift", unified_diff(rel, current, text))


def _write(request: GenerateRequest, rel: str, text: str) -> FileOutcome:
    target = request.project.root / rel
    status: Status = "created"
    if target.exists():
        current = target.read_text(encoding="utf-8", errors="replace")
        if current == text:
            return FileOutcome(rel, "unchanged")
        if has_marker(current):
            status = "updated"
        elif request.force:
            status = "overwritten"
        else:
            return FileOutcome(rel, "skipped")
    atomic_write(target, text)
    return FileOutcome(rel, status)


def unified_diff(rel: str, old: str, new: str) -> str:
    """A unified diff from the file on disk (a/) to a fresh render (b/)."""
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=f"a/{rel}", tofile=f"b/{rel}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
