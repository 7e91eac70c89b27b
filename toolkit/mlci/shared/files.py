"""Reading and writing the project's text files: YAML with line numbers, atomic writes."""

from __future__ import annotations

import errno
import io
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from mlci.errors import ConfigError


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        if path.exists():
            Path(tmp).chmod(path.stat().st_mode & 0o7777)
        else:
            Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class NotRegularFile(OSError):
    """The path is a symlink, a directory, a FIFO or a device: refused, not followed."""


def read_regular(path: Path, max_bytes: int | None = None, errors: str = "strict") -> str:
    """The UTF-8 text of `path` if it is a regular file (not a symlink: O_NOFOLLOW) of at
    most `max_bytes` (else NotRegularFile); `errors` as in `bytes.decode`.

    For files another job wrote (a pull request's artifact): a `report.md` that links to
    `/proc/self/environ` must not carry this job's token into a comment. A FIFO is not
    waited on (O_NONBLOCK) and a directory is refused the same way.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotRegularFile(errno.ELOOP, "a symbolic link", str(path)) from None
        raise
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO, socket or device"
        raise NotRegularFile(errno.EINVAL, kind, str(path))
    if max_bytes is not None and os.fstat(fd).st_size > max_bytes:
        os.close(fd)
        raise NotRegularFile(errno.EFBIG, f"larger than {max_bytes} bytes", str(path))
    with os.fdopen(fd, "rb") as handle:
        return handle.read().decode("utf-8", errors)


def _yaml(typ: str = "rt") -> Any:
    from ruamel.yaml import YAML  # only when a file is edited or an error needs its line

    yaml = YAML(typ=typ)
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def parse_yaml(text: str, name: str) -> Any:
    """Parse YAML text (round-trip, keeping comments and line numbers); errors name `name`."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError  # only when: see `_yaml`

    try:
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{where}: {problem}", hint=f"fix the YAML syntax in {name}") from None
    except YAMLError as exc:
        raise ConfigError(f"{name}: {exc}", hint=f"fix the YAML syntax in {name}") from None


def load_yaml(path: Path, name: str | None = None) -> Any:
    """Read and parse a YAML file; a missing or malformed file is a ConfigError naming it."""
    label = name or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{label}: file not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{label}: not UTF-8 text") from None
    return parse_yaml(text, label)


def yaml_text(data: Any) -> str:
    """Round-trip YAML data as text, comments included."""
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    return buffer.getvalue()


def dump_yaml(data: Any, path: Path) -> None:
    """Write round-trip YAML data back to `path` atomically, comments included."""
    atomic_write(path, yaml_text(data))


def line_of(node: Any, key: Any) -> int | None:
    """The 1-based line of `key` inside a round-trip mapping, when ruamel kept it."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        return int(lc.key(key)[0]) + 1
    except (KeyError, TypeError, IndexError):
        return None
