"""The package meets its own standard (CONTRIBUTING.md): the hooks of .pre-commit-config.yaml
(ruff, mypy --strict) report nothing, imports point down the layers, no module needs an alias."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.commands import REPO_ROOT

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("hook", ["ruff", "mypy"])
def test_the_pre_commit_hook_finds_nothing(hook: str) -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([str(BIN / "pre-commit"), "run", hook, "--all-files"], cwd=REPO_ROOT,
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# subpackages from the bottom up: a module imports only from its own subpackage or a lower one
LAYERS = ("errors", "shared", "config", "templates", "pipeline", "project", "data", "metrics",
          "forge", "registry", "report", "serving", "monitoring", "release", "training",
          "sweep", "ci", "cli")
PACKAGE = REPO_ROOT / "toolkit" / "mlci"


def _imports() -> list[tuple[str, int, ast.ImportFrom | ast.Import]]:
    """(module path, line, node) of every import of mlci's modules, wherever it sits."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append((path.relative_to(PACKAGE).as_posix(), node.lineno, node))
    return found


def _layer(module: str) -> str | None:
    """The subpackage of `mlci.X.Y` (or of a file `X/Y.py`), None for `mlci` itself."""
    parts = module.removesuffix(".py").replace("/", ".").removeprefix("mlci.").split(".")
    return None if parts[0] in ("mlci", "__init__", "__main__") else parts[0]


def test_imports_point_down_the_layers() -> None:
    upward = []
    for path, line, node in _imports():
        targets = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                   else [alias.name for alias in node.names])
        source = _layer(path)
        for target in (t for t in targets if t.startswith("mlci.")):
            layer = _layer(target)
            if source and layer and LAYERS.index(layer) > LAYERS.index(source):
                upward.append(f"{path}:{line}: {source} imports {target}")
    assert upward == []


def test_no_module_of_mlci_is_imported_under_another_name() -> None:
    """A module that needs an alias needs a better name (third-party aliases are fine)."""
    aliased = [f"{path}:{line}" for path, line, node in _imports()
               for alias in node.names if alias.asname and (
                   (node.module if isinstance(node, ast.ImportFrom) else alias.name) or ""
               ).startswith("mlci")]
    assert aliased == []


def test_module_names_are_unique_outside_the_cli() -> None:
    names = [p.name for p in PACKAGE.rglob("*.py")
             if p.name != "__init__.py" and "cli" not in p.relative_to(PACKAGE).parts]
    assert sorted({n for n in names if names.count(n) > 1}) == []
