from pathlib import Path

from conftest import mlci


def test_trained_project_has_metrics(project: Path) -> None:
    result = mlci("repro", "--json", cwd=project)
    assert '"accuracy"' in result.stdout
