"""`mlci deploy context`: the build context of the deploy image, the same in CI and locally.

DIR/model is the bundle the reference names (fetched and verified against the registry);
DIR/wheels holds mlci itself (without its pipeline dependencies: the image only serves)
and the serving runtime, built by pip from mlci's `serve` extra, `typer` and the project's
requirements.txt. `docker build -f deploy/Dockerfile DIR` then installs exactly those
wheels, offline. pip reads its usual configuration (PIP_INDEX_URL, PIP_FIND_LINKS, ...).
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlci
from mlci.errors import MlciError
from mlci.project.context import Project
from mlci.serving import fetch
from mlci.serving.located import Located

RUNTIME_CORE = ("typer",)  # the core dependencies `mlci serve --bundle` imports
# extras of mlci nothing in the image uses: pipeline tooling, tests
TOOLING_EXTRAS = frozenset({"data", "test", "local-ci", "s3"})
REQUIREMENTS = "requirements.txt"
_MLCI_LINE = re.compile(r"\s*mlci\s*(\[[^\]]*\])?\s*([<>=!~;@].*)?", re.IGNORECASE)
_LOCAL_LINE = re.compile(r"\s*(-e\s+|--editable[ =]\s*)?(?P<path>\.{1,2}(/[^\[\s]*)?)"
                         r"(?P<extras>\[[^\]]*\])?\s*")
_TAG_CHARS = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True)
class BuildContext:
    """What was written, and how the image is to be named and tagged."""

    located: Located
    directory: Path
    image: str  # the repository path under the registry's project path, e.g. "classifier"
    tags: tuple[str, ...]  # e.g. ("v1.2.0", "prod")
    requirements: tuple[str, ...]

    def outputs(self) -> dict[str, str]:
        """KEY=value pairs for $GITHUB_OUTPUT or a GitLab dotenv report (no value holds a
        line break: names and versions are validated, tags sanitized)."""
        return {"name": self.located.name, "version": self.located.version,
                "image": self.image, "version_tag": self.tags[0],
                "stage_tag": self.tags[1] if len(self.tags) > 1 else ""}

    def to_json(self) -> dict[str, Any]:
        """`mlci deploy context --json`: the outputs, the verified commit and md5, and the
        requirements the wheels were built from."""
        return {**self.outputs(), "commit": self.located.commit, "md5": self.located.md5,
                "requirements": list(self.requirements)}


def image_path(name: str) -> str:
    """An OCI repository path for model `name`: lower case, `dir:name` as `dir/name` (pure)."""
    parts = re.split(r"[:=/]+", name.lower())
    cleaned = [re.sub(r"[^a-z0-9._-]+", "-", p).strip("._-") for p in parts]
    return "/".join(p for p in cleaned if p) or "model"


def image_tags(version: str, stage: str | None) -> tuple[str, ...]:
    """Docker tags for a version and the stage it was deployed for (pure): `+` and `/` become
    `_` and `-`, as tags allow `[A-Za-z0-9_.-]` only."""
    return (version.replace("+", "_"), stage_tag(stage)) if stage else (version.replace("+", "_"),)


def stage_tag(stage: str) -> str:
    """The image tag naming a stage (pure): `prod/eu` -> `prod-eu`."""
    return _TAG_CHARS.sub("-", stage)


def context(project: Project, ref: str | None, directory: Path, force: bool = False,
            ) -> BuildContext:
    """Write DIR/model (the verified bundle) and DIR/wheels (pip wheel of the runtime)."""
    if directory.exists() and any(directory.iterdir()) and not force:
        raise MlciError(f"{directory}: not empty", hint="choose an empty directory or --force")
    directory.mkdir(parents=True, exist_ok=True)
    root = project.root
    fetched = fetch.get(project, ref or fetch.default_ref(project), directory / "model", force=True,
                        bundle=True)
    wanted = runtime_requirements(root)
    (directory / "runtime-requirements.txt").write_text("\n".join(wanted) + "\n")
    wheels = directory / "wheels"
    _pip(root, ["wheel", "--no-deps", "--wheel-dir", str(wheels), mlci_source()])
    _pip(root, ["wheel", "--wheel-dir", str(wheels), "-r",
                str((directory / "runtime-requirements.txt").resolve())])
    located = fetched.located
    return BuildContext(located, directory, image_path(located.name),
                   image_tags(located.version, located.stage), tuple(wanted))


def mlci_source() -> str:
    """What pip builds mlci's wheel from: this checkout when mlci runs from its source tree,
    else exactly the installed version from the index."""
    tree = Path(mlci.__file__).resolve().parents[2]
    pyproject = tree / "pyproject.toml"
    if pyproject.is_file() and re.search(r'(?m)^name\s*=\s*"mlci"', pyproject.read_text()):
        return str(tree)
    return f"mlci=={mlci.__version__}"


def runtime_requirements(root: Path) -> list[str]:
    """mlci's serve extra and RUNTIME_CORE, then the project's requirements, where a line
    naming mlci itself (`mlci[x]`, or `-e .[x]` in mlci's own checkout) becomes the
    requirements of its extras."""
    origin = mlci_source()
    source = None if origin.startswith("mlci==") else Path(origin).resolve()
    path = root / REQUIREMENTS
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    wanted = [*_mlci_requires(("serve",), core=True)]
    for line in lines:
        wanted.extend(_project_lines(line, root, source))
    return list(dict.fromkeys(w for w in wanted if w))


def _mlci_requires(extras: tuple[str, ...], core: bool = False) -> list[str]:
    found = []
    for requirement in importlib.metadata.requires("mlci") or []:
        spec, _, marker = requirement.partition(";")
        extra = re.search(r'extra == "([^"]+)"', marker)
        if (extra and extra[1] in extras) or (core and not extra and
                                              spec.strip().startswith(RUNTIME_CORE)):
            found.append(spec.strip())
    return found


def _project_lines(line: str, root: Path, source: Path | None) -> list[str]:
    """A requirements line as the image needs it: mlci itself becomes its extras' requirements
    (its wheel is built separately), local paths are made absolute."""
    text = line.strip() if line.lstrip().startswith("-") else line.split("#", 1)[0].strip()
    if not text:
        return []
    if mlci_line := _MLCI_LINE.fullmatch(text):
        return _mlci_requires(_extras(mlci_line[1]))
    local = _LOCAL_LINE.fullmatch(text)
    if local:
        target = (root / local["path"]).resolve()
        if source is not None and target == source:
            return _mlci_requires(_extras(local["extras"]))
        return [str(target) + (local["extras"] or "")]
    return [text]


def _extras(text: str | None) -> tuple[str, ...]:
    """The extras a requirement names, but mlci's tooling extras (the image only serves)."""
    named = (e.strip() for e in (text or "").strip("[]").split(","))
    return tuple(e for e in named if e and e not in TOOLING_EXTRAS)


def _pip(root: Path, args: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "pip", *args, "--disable-pip-version-check"],
                          cwd=root, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise MlciError(f"`pip {' '.join(args[:2])} ...` exited with {proc.returncode}:\n{tail}",
                        hint="pip needs the package index (or PIP_FIND_LINKS with the wheels)")
