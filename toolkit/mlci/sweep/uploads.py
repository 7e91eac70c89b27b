"""`mlci sweep collect DIR`: the results CI matrix jobs uploaded, merged into the leaderboard.

Each job uploads a directory with `overrides.txt` (its combination, as `mlci sweep plan`
names it) and `repro.json` (what `mlci repro --json` printed). They are data from jobs that
ran the pull request's code: read with size limits, never followed through symlinks, and
matched against the grid of this checkout's mlci.yaml.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlci.errors import MlciError
from mlci.project.context import Project
from mlci.shared.files import read_regular
from mlci.sweep import leaderboard
from mlci.sweep.leaderboard import Leaderboard
from mlci.sweep.plan import head_judge, load_plan
from mlci.training.experiment import ReproError, ReproOutcome

OVERRIDES = "overrides.txt"
RESULT = "repro.json"
MAX_BYTES = 4 * 1024 * 1024
_MISSING = object()


def collect(project: Project, directory: Path) -> Leaderboard:
    """The leaderboard of the results under `directory` for mlci.yaml's grid."""
    if not directory.is_dir():
        raise MlciError(f"{directory}: no such directory",
                        hint="download the matrix jobs' artifacts there first")
    plan = load_plan(project)
    judge = head_judge(project, plan)
    found = results(directory)
    runs = []
    for combination in plan.combinations:
        document = found.get(combination.label, _MISSING)
        runs.append(leaderboard.failed(
            combination, None, "no result: its CI job uploaded none (cancelled, or it failed "
            "before mlci repro ran)") if document is _MISSING
            else leaderboard.record(combination, outcome_of(document), judge))
    return leaderboard.rank(runs, plan.settings.rank_by, plan.direction, judge.base_label)


def results(directory: Path) -> dict[str, Any]:
    """{combination label: parsed repro.json (None when absent or unreadable)}."""
    found: dict[str, Any] = {}
    for marker in sorted(directory.rglob(OVERRIDES)):
        label = _read(marker)
        if label is None or not label.strip():
            continue
        raw = _read(marker.parent / RESULT)
        found.setdefault(" ".join(label.split()), _json(raw))
    return found


def _read(path: Path) -> str | None:
    """An uploaded file's text; None when it is missing, not a regular file, or too large."""
    try:
        return read_regular(path, MAX_BYTES, errors="replace")
    except OSError:  # NotRegularFile included
        return None


def outcome_of(document: Any) -> ReproOutcome:
    """An uploaded repro.json as an outcome; a failure saying why when it is not one."""
    if not isinstance(document, dict):
        return ReproOutcome(error=ReproError("mlci repro printed no result"))
    try:
        return ReproOutcome.from_json(document)
    except ValueError:
        return ReproOutcome(error=ReproError("mlci repro reported no metrics"))


def _json(text: str | None) -> Any:
    try:
        return None if text is None else json.loads(text)
    except ValueError:
        return None
