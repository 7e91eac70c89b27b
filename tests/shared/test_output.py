"""tee_output with real child processes: streamed, tail kept, fds restored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import os, subprocess, sys
from mlci.shared.output import tee_output
before = sorted(os.listdir('/proc/self/fd'))
with tee_output(stdout_to_stderr={to_stderr}) as tail:
    child = "import sys; print('child out'); print('child err', file=sys.stderr)"
    subprocess.run([sys.executable, '-c', child])
    print('parent out', flush=True)
after = sorted(os.listdir('/proc/self/fd'))
print('TAIL=' + '|'.join(tail))
print('FDS_SAME=' + str(before == after))
"""


def run(to_stderr: bool, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SCRIPT.format(to_stderr=to_stderr)],
                          capture_output=True, text=True, cwd=tmp_path, check=True)


def test_output_streams_and_tail_is_kept(tmp_path: Path) -> None:
    proc = run(False, tmp_path)
    assert "child out" in proc.stdout and "parent out" in proc.stdout
    assert "child err" in proc.stderr
    tail = proc.stdout.split("TAIL=", 1)[1].splitlines()[0].split("|")
    assert sorted(tail) == ["child err", "child out", "parent out"]
    assert "FDS_SAME=True" in proc.stdout


def test_stdout_can_be_moved_to_stderr(tmp_path: Path) -> None:
    proc = run(True, tmp_path)
    streamed = proc.stdout.split("TAIL=", 1)[0]
    assert "child out" not in streamed and "parent out" not in streamed
    assert "child out" in proc.stderr and "parent out" in proc.stderr


def test_a_background_child_holding_the_pipe_does_not_hang(tmp_path: Path) -> None:
    script = (
        "import subprocess, sys\nfrom mlci.shared.output import tee_output\n"
        "with tee_output():\n"
        "    subprocess.Popen(['sleep', '30'])\n"  # inherits the pipe and keeps it open
        "print('done', flush=True)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=25, env={**os.environ}, start_new_session=True)
    assert proc.stdout.strip().endswith("done")
