"""Process output: stream child processes' output live while keeping its last lines."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

TAIL_LINES = 20


def _pump(source: int, dest: int, tail: deque[str], lock: threading.Lock) -> None:
    """Copy `source` to `dest` until EOF, keeping the last lines; closes both fds (ours)."""
    pending = b""
    try:
        while chunk := os.read(source, 65536):
            os.write(dest, chunk)
            pending += chunk
            *lines, pending = pending.split(b"\n")
            with lock:
                tail.extend(line.decode("utf-8", "replace").rstrip("\r") for line in lines)
        if pending:
            with lock:
                tail.append(pending.decode("utf-8", "replace"))
    finally:
        os.close(source)
        os.close(dest)


@contextmanager
def tee_output(stdout_to_stderr: bool = False) -> Iterator[deque[str]]:
    """Route fds 1 and 2 (ours and our children's) through pipes: shown live, last lines kept.

    With `stdout_to_stderr`, what would go to stdout is shown on stderr instead, so a
    machine-readable stdout (`--json`) stays clean while stage output still streams.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    lock = threading.Lock()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    pumps = []
    for fd in (1, 2):
        read_end, write_end = os.pipe()
        os.dup2(write_end, fd)
        os.close(write_end)
        # each pump owns a copy of its destination: one still running after we return (a
        # stage's background process holds the pipe) never writes to an fd reused since
        dest = os.dup(saved[2] if fd == 1 and stdout_to_stderr else saved[fd])
        pump = threading.Thread(target=_pump, args=(read_end, dest, tail, lock), daemon=True)
        pump.start()
        pumps.append(pump)
    try:
        yield tail
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, original in saved.items():
            os.dup2(original, fd)
        # a stage that left a background process holding the pipe must not hang us
        deadline = time.monotonic() + 5
        for pump in pumps:
            pump.join(timeout=max(0.0, deadline - time.monotonic()))
        for original in saved.values():
            os.close(original)
