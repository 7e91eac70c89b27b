"""Atomic writes and YAML errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlci.errors import ConfigError
from mlci.shared.files import NotRegularFile, atomic_write, load_yaml, read_regular


def test_atomic_write_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "run.sh"
    target.write_text("old")
    target.chmod(0o755)
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.sh"]


def test_atomic_write_leaves_no_temp_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("kept")
    with pytest.raises(UnicodeEncodeError):
        atomic_write(target, "\udcff")  # a lone surrogate cannot be encoded
    assert target.read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


@pytest.mark.parametrize(
    ("text", "prefix"),
    [("a: [1, 2\n", "x.yaml:2: "), ("a: b: c\n", "x.yaml:1: "), ("\tx: 1\n", "x.yaml:1: ")],
)
def test_yaml_errors_name_file_and_line(tmp_path: Path, text: str, prefix: str) -> None:
    (tmp_path / "x.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_yaml(tmp_path / "x.yaml")
    assert caught.value.message.startswith(prefix)


def test_read_regular_refuses_links_directories_and_oversized_files(tmp_path: Path) -> None:
    """What another job uploaded is read only as the regular file it claims to be."""
    real = tmp_path / "repro.json"
    real.write_bytes(b'{"a": "\xff"}')
    (tmp_path / "link.json").symlink_to(real)
    assert read_regular(real, max_bytes=10, errors="replace") == '{"a": "\ufffd"}'
    with pytest.raises(UnicodeDecodeError):
        read_regular(real)
    for refused, why in [(tmp_path / "link.json", "a symbolic link"),
                         (tmp_path, "a directory")]:
        with pytest.raises(NotRegularFile, match=why):
            read_regular(refused)
    with pytest.raises(NotRegularFile, match="larger than 9 bytes"):
        read_regular(real, max_bytes=9)
