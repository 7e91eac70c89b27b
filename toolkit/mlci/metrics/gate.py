"""`mlci gate`: judge head's metrics (and the change from base) by mlci.yaml's policy."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from mlci.config import MetricPolicy
from mlci.data import checks
from mlci.data.checks import Outcome
from mlci.data.results import ScanResult
from mlci.errors import MlciError
from mlci.metrics import datarules
from mlci.metrics.rules import Gaps, GateResult, evaluate, reevaluate
from mlci.project.context import Project
from mlci.project.snapshot import Snapshot, Want
from mlci.project.values import lookup
from mlci.shared import gitrepo
from mlci.shared.files import NotRegularFile, read_regular
from mlci.shared.sha import is_sha


def gate(project: Project, base: str | None, head: str | None,
         policy: Mapping[str, MetricPolicy] | None = None,
         privacy: Path | None = None) -> GateResult:
    """Evaluate `policy` (default: mlci.yaml's) at `head` (None: workspace) against `base`
    (None: no base), with head's data checks and the privacy scan result in `privacy`."""
    rules = project.config.metrics if policy is None else policy
    revs: list[str | None] = [head] if base is None else [base, head]
    snaps = project.snapshots(revs, Want(params=False))
    outcomes = checks.read(project.root, [snaps[-1]])[0]
    scan = load_scan(privacy) if privacy is not None else None
    return judge(rules, snaps[0] if base is not None else None, snaps[-1], outcomes, scan)


def judge(rules: Mapping[str, MetricPolicy], base: Snapshot | None, head: Snapshot,
          outcomes: Sequence[Outcome] = (), scan: ScanResult | None = None) -> GateResult:
    """The gate on snapshots already read (the report reads them once for everything)."""
    base_values = lookup(base.flat_metrics()) if base is not None else None
    gaps = Gaps(base.missing_metrics() if base is not None else {}, head.missing_metrics())
    result = evaluate(rules, base_values, lookup(head.flat_metrics()), gaps)
    return datarules.extend(result, outcomes, scan)


def load_scan(path: Path) -> ScanResult:
    """A privacy scan result written by `mlci data scan --output FILE`."""
    try:
        return ScanResult.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise MlciError(f"{path}: no such file",
                        hint="write it with `mlci data scan --output FILE`") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise MlciError(f"{path}: not a result of `mlci data scan --json` ({exc})") from None


def rejudge(project: Project, path: Path, policy_rev: str | None = None) -> GateResult:
    """The gate on the metric values in FILE (`mlci gate --json`), by this checkout's mlci.yaml
    or, with `policy_rev`, by mlci.yaml as committed at that revision (the target branch).

    The file is data from another job, maybe a fork's: its own rules and verdict are ignored.
    """

    policy = project.config_at(policy_rev).metrics
    try:
        document = json.loads(read_regular(path))
        judged = reevaluate(document, policy)
        outcomes, scan = datarules.from_values(document.get("data"))
        return datarules.extend(judged, outcomes, scan)
    except FileNotFoundError:
        raise MlciError(f"{path}: no such file",
                        hint="write it with `mlci gate --json > FILE`") from None
    except NotRegularFile as exc:
        raise MlciError(f"{path}: {exc.strerror}, not a regular file: refusing to read it",
                        hint="a gate result is a regular file written by `mlci gate --json`"
                        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise MlciError(f"{path}: not a gate result from `mlci gate --json` ({exc})") from None


def status_sha(project: Project, head: str | None) -> str | None:
    """The commit `--head` names for a status: a full SHA as given (it may not be fetched
    here, as in the comment workflow's checkout), else resolved in this repository."""
    if head is None or is_sha(head, full=True):
        return None if head is None else head.lower()
    return gitrepo.resolve(project.root, head)
