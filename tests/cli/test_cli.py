"""The command line as a whole: help on everything, entry points, the error funnel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.main import get_command

from mlci.cli import app
from support.commands import mlci


def walk(command: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(walk(sub, (*path, name)))
    return found


def test_every_command_and_option_has_help() -> None:
    missing = []
    for path, command in walk(get_command(app)):
        if path and not getattr(command, "help", None):
            missing.append(" ".join(path))
        for param in getattr(command, "params", []):
            if param.param_type_name == "option" and not param.help:
                missing.append(f"{' '.join(path)} {param.opts[0]}")
            if param.param_type_name == "argument" and not getattr(param, "help", None):
                missing.append(f"{' '.join(path)} {param.name}")
    assert missing == []


def test_help_summaries_are_whole_lines() -> None:
    """`mlci --help` and every group's help list each command with a summary not cut with ..."""
    groups = [path for path, command in walk(get_command(app)) if hasattr(command, "commands")]
    for path in groups:
        result = mlci(*path, "--help", cwd=Path.cwd())
        listed = result.stdout.split("Commands:", 1)[1].splitlines()[1:]
        assert listed, path
        for line in listed:
            assert not line.rstrip().endswith("..."), (path, line)
            assert len(line) <= 80, (path, line)


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = mlci("--help", cwd=tmp_path)
    for name in ("init", "repro"):
        assert f"  {name} " in result.stdout


def test_no_arguments_prints_help(tmp_path: Path) -> None:
    result = mlci(cwd=tmp_path, expect=2)  # Click's no_args_is_help is a usage error
    assert "Usage: mlci" in result.stdout + result.stderr


def test_console_script_and_version(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "mlci"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    from mlci import __version__

    assert result.stdout.strip() == f"mlci {__version__}"


def test_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    result = mlci("repro", "--no-such-flag", cwd=tmp_path, expect=2)
    assert "No such option" in result.stderr


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\nfrom mlci.cli import app\n"
        "heavy = [m for m in ('dvc', 'git', 'httpx', 'sklearn', 'rich', 'pydantic', 'jinja2',"
        " 'tabulate', 'pyarrow', 'pandas', 'pandera') if m in sys.modules]\nprint(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == ""

