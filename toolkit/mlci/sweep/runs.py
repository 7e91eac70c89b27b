"""`mlci sweep`: each combination in its own git work tree sharing the DVC cache, N at a time.

A combination runs `mlci repro -S ... --json` in a detached work tree of the workspace's
tracked files, so params.yaml in the workspace is never touched. The work trees share the
workspace's DVC cache (outputs and run-cache): a stage a combination does not change is
restored, never re-run, and every result stays restorable with `mlci repro -S ...` here.
Combinations that would compute the same stage at once are not started together.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci import pipeline
from mlci.project import grid, params
from mlci.project.context import Project
from mlci.project.grid import Combination
from mlci.shared import gitrepo
from mlci.shared.output import TAIL_LINES
from mlci.sweep import leaderboard
from mlci.sweep.leaderboard import Leaderboard
from mlci.sweep.plan import Plan, head_judge, load_plan
from mlci.training.experiment import ReproError, ReproOutcome

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SweepRequest:
    """`mlci sweep`: where, how many combinations at once, and whether to push."""

    project: Project
    jobs: int = 1
    push: bool = False


@dataclass(frozen=True)
class Outcome:
    """One combination's repro outcome, and how long it took."""

    repro: ReproOutcome
    seconds: float


def sweep(request: SweepRequest, progress: Progress) -> Leaderboard:
    """Run every combination of mlci.yaml's grid and rank them."""
    root = request.project.root
    plan = load_plan(request.project)
    pipeline.require_project(root)
    if request.push and pipeline.default_remote(root) is None:
        raise pipeline.no_remote()  # before the runs, not after
    order = _order(root, plan)
    commit = gitrepo.work_tree_commit(root)
    judge = head_judge(request.project, plan)
    outcomes = run_all(Runner(root, commit, request.jobs), plan.combinations, order, progress)
    pushed = pipeline.push(root) if request.push else None
    runs = [leaderboard.record(c, outcomes[c.id].repro, judge) for c in plan.combinations]
    return leaderboard.rank(runs, plan.settings.rank_by, plan.direction, judge.base_label,
                            pushed)


@dataclass(frozen=True)
class Order:
    """What decides which combinations may run together: the swept parameters each stage
    reads (upstream included) and their values in the workspace."""

    uses: dict[str, frozenset[str]]
    base: dict[str, Any]


def _order(root: Path, plan: Plan) -> Order:
    """Which stages read which swept parameters, and their values now; every key of the grid
    must be a parameter of the project (a ConfigError names the first that is not)."""
    first = plan.combinations[0]
    changes = params.check(root, [params.parse_override(o) for o in first.overrides])
    base = {key: old for (key, _), (_, old, _) in zip(first.params, changes, strict=True)}
    return Order(grid.stage_uses(pipeline.stage_params(root), plan.settings.params), base)


@dataclass(frozen=True)
class Runner:
    """Runs one combination: a work tree of `commit` of the project at `root`."""

    root: Path
    commit: str
    jobs: int

    def __call__(self, combination: Combination) -> Outcome:
        start = time.perf_counter()
        with gitrepo.worktree(self.root, self.commit) as tree:
            pipeline.share_cache(self.root, tree)
            args = [arg for override in combination.overrides for arg in ("-S", override)]
            proc = subprocess.run([sys.executable, "-m", "mlci", "repro", "--json", *args],
                                  cwd=tree, capture_output=True, text=True, check=False)
        return Outcome(outcome(proc), time.perf_counter() - start)


def outcome(proc: subprocess.CompletedProcess[str]) -> ReproOutcome:
    """The outcome `mlci repro --json` printed; a failure naming its last words when it
    printed none (it crashed)."""
    try:
        found = ReproOutcome.from_json(json.loads(proc.stdout))
    except ValueError:
        found = None
    if found is not None and (proc.returncode == 0 or found.failed):
        return found
    tail = "\n".join(proc.stderr.strip().splitlines()[-TAIL_LINES:])
    return ReproOutcome(error=ReproError(tail or f"mlci repro exited with {proc.returncode}"))


def run_all(runner: Runner, combinations: tuple[Combination, ...], order: Order,
            progress: Progress) -> dict[int, Outcome]:
    """Every combination's outcome by id, `runner.jobs` at a time, never two at once that
    would compute the same stage."""
    pending = list(combinations)
    running: dict[Future[Outcome], Combination] = {}
    outcomes: dict[int, Outcome] = {}
    with ThreadPoolExecutor(max_workers=runner.jobs) as pool:
        while pending or running:
            while len(running) < runner.jobs:
                ready = grid.next_ready(pending, list(running.values()), order.uses, order.base)
                if ready is None:
                    break
                pending.remove(ready)
                running[pool.submit(runner, ready)] = ready
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                combination = running.pop(future)
                outcomes[combination.id] = future.result()
                progress(_line(len(outcomes), len(combinations), combination,
                               outcomes[combination.id]))
    return outcomes


def _line(done: int, total: int, combination: Combination, outcome: Outcome) -> str:
    error = outcome.repro.error
    if error is not None:
        state = "failed" + (f" at stage {error.stage}" if error.stage else "")
    else:
        ran = [s.name for s in outcome.repro.stages if s.status == "ran"]
        state = f"ok (ran: {', '.join(ran)})" if ran else "ok (nothing ran)"
    return f"[{done}/{total}] {combination.label}: {state} in {outcome.seconds:.1f}s"
