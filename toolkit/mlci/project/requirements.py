"""What CI installs (requirements.txt) against what the pipeline imports: found before CI fails.

CI runs `pip install -r requirements.txt` (else `pip install mlci`); a stage that imports a
package nobody installs fails there. The stages' Python scripts are read with `ast` (never
run) for their top-level imports.
"""

from __future__ import annotations

import ast
import re
import shlex
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from mlci.project.dvcfiles import Command
from mlci.project.values import parse

REQUIREMENTS = "requirements.txt"
# import name -> distribution, where they differ (the usual ones in ML pipelines)
DISTRIBUTIONS = {
    "sklearn": "scikit-learn", "yaml": "pyyaml", "PIL": "pillow", "cv2": "opencv-python",
    "skimage": "scikit-image", "bs4": "beautifulsoup4", "dateutil": "python-dateutil",
    "dotenv": "python-dotenv", "attr": "attrs", "jwt": "pyjwt", "git": "gitpython",
    "Crypto": "pycryptodome", "google": "protobuf", "pkg_resources": "setuptools",
    "lightgbm": "lightgbm", "xgboost": "xgboost", "catboost": "catboost",
}
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?")


def normalise(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Installs:
    """What `pip install -r requirements.txt` installs, by normalised name (no resolver:
    what the file and the project it installs with `-e .` name directly)."""

    names: frozenset[str]
    exists: bool

    def has(self, distribution: str) -> bool:
        return normalise(distribution) in self.names


def installs(root: Path) -> Installs:
    """Read requirements.txt (and the files it includes with `-r`) at `root`; what those
    packages depend on is added where this environment has them installed (their metadata)."""
    path = root / REQUIREMENTS
    if not path.is_file():
        return Installs(frozenset(), False)
    return Installs(frozenset(_with_dependencies(_read(root, path, depth=0))), True)


def _with_dependencies(names: set[str]) -> set[str]:
    found, todo = set(names), list(names)
    while todo:
        try:
            requires = metadata.requires(todo.pop()) or []
        except metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            if "extra ==" not in requirement:
                new = _requirement(requirement) - found
                found |= new
                todo += new
    return found


def _read(root: Path, path: Path, depth: int) -> set[str]:
    names: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return names
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if line.startswith(("-r ", "--requirement ")) and depth < 5:
            names |= _read(root, path.parent / line.split(None, 1)[1], depth + 1)
        elif line.startswith(("-e ", "--editable ", ".")) or "://" in line:
            names |= _local(root, line.split()[-1])
        elif line and not line.startswith(("#", "-")):
            names |= _requirement(line)
    return names


def _requirement(line: str) -> set[str]:
    found = _NAME.match(line)
    if found is None:
        return set()
    name = normalise(found.group(1))
    extras = {normalise(e) for e in (found.group(2) or "[]")[1:-1].split(",") if e.strip()}
    if name == "dvc":  # `dvc[s3]` installs DVC's plugin dvc-s3
        return {name, *(f"dvc-{e}" for e in extras), *(_ALL_PLUGINS if "all" in extras else ())}
    return {name}


_ALL_PLUGINS = {"dvc-s3", "dvc-gs", "dvc-azure", "dvc-gdrive", "dvc-oss", "dvc-ssh", "dvc-hdfs",
                "dvc-webhdfs", "dvc-webdav"}


def _local(root: Path, target: str) -> set[str]:
    """`-e .[extra]` or a URL: the project's own name and dependencies, or the URL's name."""
    if "://" in target:
        egg = re.search(r"#egg=([A-Za-z0-9._-]+)", target)
        tail = re.sub(r"(\.git)?(@[^/]*)?(#.*)?$", "", target).rstrip("/").rsplit("/", 1)[-1]
        return {normalise(egg.group(1) if egg else tail)}
    where, _, extras = target.partition("[")
    project = _pyproject(root / where if not Path(where).is_absolute() else Path(where))
    name = project.get("name")
    wanted = [e.strip() for e in extras.rstrip("]").split(",") if e.strip()]
    deps = list(project.get("dependencies") or [])
    for extra in wanted:
        deps += (project.get("optional-dependencies") or {}).get(extra, [])
    own = {normalise(str(name))} if name else set()
    return own | {n for d in deps for n in _requirement(str(d))}


def _pyproject(directory: Path) -> dict[str, Any]:
    try:
        data = parse((directory / "pyproject.toml").read_text(encoding="utf-8"), "pyproject.toml")
    except (OSError, ValueError):
        return {}
    project = data.get("project") if isinstance(data, dict) else None
    return project if isinstance(project, dict) else {}


@dataclass(frozen=True)
class Imported:
    """A package a stage's script imports: its import name, distribution and the script."""

    module: str
    distribution: str
    script: str


def stage_imports(root: Path, commands: Iterable[Command]) -> list[Imported]:
    """Third-party packages the stages' Python scripts import (stdlib and local code left
    out)."""
    found: dict[str, Imported] = {}
    for command in commands:
        for script in _scripts(root, command.wdir, command.cmd):
            for module in _imports(root / script):
                if not _is_local(root, script, module):
                    found.setdefault(module, Imported(module, _distribution(module), script))
    return sorted(found.values(), key=lambda i: i.module)


def _scripts(root: Path, wdir: str, command: str) -> list[str]:
    """`python src/train.py --x` -> src/train.py; `python -m pkg.mod` -> pkg/mod.py (paths
    relative to the root; a script that is not there is skipped)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return []
    found = []
    for i, word in enumerate(words[:-1]):
        if re.fullmatch(r"python[0-9.]*", Path(word).name):
            target = words[i + 1]
            if target == "-m" and i + 2 < len(words):
                target = words[i + 2].replace(".", "/") + ".py"
            path = (root / wdir / target).resolve()
            if target.endswith(".py") and path.is_file() and root.resolve() in path.parents:
                found.append(path.relative_to(root.resolve()).as_posix())
    return found


def _imports(path: Path) -> list[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module.split(".")[0])
    return [n for n in dict.fromkeys(names) if n not in sys.stdlib_module_names
            and n != "__future__"]


def _is_local(root: Path, script: str, module: str) -> bool:
    """Code of the project itself: a module next to the script, at the root or under src/."""
    places = ((root / script).parent, root, root / "src")
    return any((place / f"{module}.py").is_file() or (place / module).is_dir()
               for place in places)


def _distribution(module: str) -> str:
    return DISTRIBUTIONS.get(module, module)


def missing_here(imported: list[Imported]) -> list[Imported]:
    """The imported packages this Python environment cannot import."""
    return [i for i in imported if find_spec(i.module) is None]
