"""The built wheel carries the templates: installed alone, `mlci init` finds the example project."""

from __future__ import annotations

import os
import shutil
import site
import sys
import zipfile
from pathlib import Path

import pytest

from support.commands import REPO_ROOT, run

SOURCES = ["pyproject.toml", "README.md", "toolkit", "templates"]


def build_wheel(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, src / name)
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(src)], cwd=tmp_path)
    (wheel,) = dist.glob("mlci-*.whl")
    return wheel


def test_wheel_ships_templates_and_init_finds_them(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    package = REPO_ROOT / "toolkit"
    modules = {p.relative_to(package).as_posix() for p in package.rglob("*.py")}
    assert modules - set(names) == set()  # every module of the package is in the wheel
    assert "mlci/templates/project/dvc.yaml" in names
    assert "mlci/templates/project/gitignore" in names
    assert "mlci/templates/project/src/train.py" in names
    for action in ("setup-python", "upload-artifact", "download-artifact"):  # mlci ci run
        assert f"mlci/templates/actions/{action}/action.yml" in names

    target = tmp_path / "installed"
    run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)], cwd=tmp_path)
    # -S: no site-packages, so no editable install of this checkout; the wheel comes first,
    # this environment's third-party packages after it
    path = os.pathsep.join([str(target), *site.getsitepackages()])
    env = {**os.environ, "PYTHONPATH": path}
    probe = run([sys.executable, "-S", "-c", "from mlci.templates import ROOT; print(ROOT)"],
                cwd=tmp_path, env=env)
    assert Path(probe.stdout.strip()).is_relative_to(target)
    run([sys.executable, "-S", "-m", "mlci", "init", "fresh"], cwd=tmp_path, env=env)
    project = tmp_path / "fresh"
    assert (project / "dvc.yaml").read_bytes() == (REPO_ROOT / "dvc.yaml").read_bytes()
    assert (project / ".gitignore").is_file()
    assert (project / "src" / "evaluate.py").is_file()


# what each install needs: the commands of the base install import nothing from an extra
EXTRA_PACKAGES = ("pyarrow", "pandas", "pandera", "numpy", "scipy", "sklearn", "starlette",
                  "uvicorn", "prometheus_client", "onnxruntime", "skops", "lightgbm", "xgboost")
BASE_MODULES = ("mlci.cli", "mlci.metrics.comparison", "mlci.metrics.gate", "mlci.metrics.table",
                "mlci.report.collect", "mlci.training.experiment", "mlci.sweep.runs",
                "mlci.sweep.uploads", "mlci.ci.generate", "mlci.ci.local", "mlci.project.scaffold",
                "mlci.forge.comment", "mlci.forge.status", "mlci.forge.release",
                "mlci.registry.models", "mlci.registry.promotion", "mlci.serving.fetch")
SERVE_MODULES = ("mlci.serving.server", "mlci.serving.app", "mlci.serving.loaders.sklearn")
SERVE_EXTRA = ("starlette", "uvicorn", "prometheus_client", "numpy", "sklearn")


@pytest.mark.parametrize(("modules", "present"), [(BASE_MODULES, ()),
                                                  (SERVE_MODULES, SERVE_EXTRA)],
                         ids=["base", "serve"])
def test_an_install_without_the_extras_imports_its_commands(modules: tuple[str, ...],
                                                            present: tuple[str, ...]) -> None:
    """`pip install mlci` runs diff, gate, report, repro ... and the deploy image (the serve
    extra) serves: neither imports pyarrow, pandas or pandera. Absent packages are simulated
    (sys.modules[name] = None makes `import name` fail as if it were not installed)."""
    blocked = [name for name in EXTRA_PACKAGES if name not in present]
    code = (f"import sys\nfor name in {blocked!r}: sys.modules[name] = None\n"
            + "".join(f"import {module}\n" for module in modules))
    run([sys.executable, "-c", code], cwd=REPO_ROOT)
