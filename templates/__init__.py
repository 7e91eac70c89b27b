"""mlci's Jinja2 templates and the example project, shipped inside the wheel as `mlci.templates`."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def template_path(*parts: str) -> Path:
    """The path of a template file or folder, e.g. template_path("project", "dvc.yaml")."""
    return ROOT.joinpath(*parts)
