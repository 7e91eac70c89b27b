"""`mlci monitor`: the version a ref names against fresh data: drift, predictions, KPIs.

Returns data (never prints); `report.py` renders it as Markdown or JSON.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlci import config
from mlci.data import tables
from mlci.errors import MlciError
from mlci.metrics import rules
from mlci.monitoring import drift, references, scoring, sources
from mlci.monitoring.drift import ColumnDrift, Drift
from mlci.monitoring.observation import Scanned, scan
from mlci.monitoring.profile import Profile, Spec, current_spec
from mlci.project.artifacts import model_names
from mlci.project.context import Project
from mlci.registry import modelcard, models, modeltags

if TYPE_CHECKING:
    from mlci.config import Config, MonitorConfig
    from mlci.metrics.rules import GateResult
    from mlci.monitoring.scoring import Scorer
    from mlci.registry.modelcard import ModelCard
    from mlci.registry.state import Model, Version


@dataclass(frozen=True)
class MonitorRequest:
    """What `mlci monitor` was asked: which model version, which data."""

    project: Project
    ref: str | None = None  # NAME#STAGE, NAME@vX.Y.Z or NAME; default NAME#publish.compare_to
    current: str | None = None  # default: monitor.NAME.current
    reference: Path | None = None  # a table or profile instead of the version's own
    sample: int | None = None  # at most the first N rows per side (not of a published profile)
    progress: Callable[[int], None] | None = None


@dataclass(frozen=True, eq=False)
class Monitored:
    """The outcome: drift, prediction drift, KPIs, and what was compared with what."""

    model: str
    version: str
    commit: str
    stage: str | None
    reference: references.Reference
    current: Profile
    current_source: str
    drift: Drift
    prediction: ColumnDrift | None = None
    performance: GateResult | None = None
    private: frozenset[str] = frozenset()  # never print values of these columns
    notes: tuple[str, ...] = field(default_factory=tuple)
    labelled: int = 0  # current rows with a label

    @property
    def prediction_drift(self) -> bool:
        return self.prediction is not None and self.prediction.drifted

    @property
    def breached(self) -> bool:
        """True when the KPIs failed a `performance` rule."""
        return self.performance is not None and not self.performance.passed

    @property
    def healthy(self) -> bool:
        return not (self.drift.dataset_drift or self.prediction_drift or self.breached)


def monitor(request: MonitorRequest) -> Monitored:
    """Compare the version's reference profile with the current data (see the module doc)."""
    root, cfg = request.project.root, request.project.config
    name, stage, version, registry = _resolve(root, cfg, request.ref)
    settings = _settings(cfg, name, request)
    spec = _spec(cfg, settings, request.sample)
    card = modelcard.parse(version.message)
    model, unloaded = scoring.load(request.project, f"{name}@{version.version}", registry)
    notes: tuple[str, ...] = (f"predictions are not monitored: {unloaded}",) if unloaded else ()
    with tempfile.TemporaryDirectory(prefix="mlci-monitor-") as tmp:
        scratch = Path(tmp)
        reference = references.resolve(references.Request(
            root, version.commit, settings.reference, spec, scratch, model, settings.target,
            card.profile if card else "", request.reference, request.progress))
        where = request.current or settings.current or ""
        data = sources.local(root, where, scratch)
        current = _scan_current(data, reference.profile, spec, model, settings, request)
    result = _compare(reference.profile, current.profile, settings)
    performance = _performance(settings, card, current.kpis)
    notes += (f"the model could not score the current rows: {current.unscored}",) \
        if current.unscored else ()
    return Monitored(name, version.version, version.commit, stage, reference, current.profile,
                     where, result, _prediction_drift(reference.profile, current.profile),
                     performance, frozenset(cfg.privacy.exclude) | set(cfg.privacy.hash), notes,
                     current.labelled)


def _resolve(root: Path, cfg: Config, ref: str | None,
             ) -> tuple[str, str | None, Version, dict[str, Model]]:
    """The model name, the stage asked for (if any), the version it holds, and the registry
    read to find it (the model loader resolves the version again in it)."""
    if ref is None:
        ref = f"{_default_model(root, cfg)}#{cfg.publish.compare_to or 'prod'}"
    try:
        parsed = modeltags.parse_ref(ref)
    except ValueError as exc:
        raise MlciError(str(exc)) from None
    registry = models.load(root)
    return (parsed.name, parsed.stage, models.resolve(models.find(registry, parsed.name), parsed),
            registry)


def _default_model(root: Path, cfg: Config) -> str:
    if len(cfg.monitor) == 1:
        return next(iter(cfg.monitor))
    names = model_names(root)
    if not names:
        raise MlciError("no model to monitor: dvc.yaml declares no artifact of type model",
                        hint="name one: mlci monitor NAME#STAGE")
    return names[0]


def _settings(cfg: Config, name: str, request: MonitorRequest) -> MonitorConfig:
    settings = cfg.monitor.get(name)
    if settings is None:
        if request.reference is None:
            raise MlciError(f"mlci.yaml has no monitor.{name} section",
                            hint=f"add monitor: {{{name}: {{reference: PATH, target: COLUMN}}}} "
                            "(or give --reference PATH)")
        settings = config.MonitorConfig(reference=str(request.reference))
    if not (request.current or settings.current):
        raise MlciError("no current data to monitor",
                        hint=f"give --current PATH, or set monitor.{name}.current in mlci.yaml")
    return settings


def _spec(cfg: Config, settings: MonitorConfig, sample: int | None) -> Spec:
    if sample is not None and sample < 1:
        raise MlciError(f"--sample: expected a positive number of rows, got {sample}")
    return Spec(categorical=frozenset(settings.columns.categorical),
                exclude=frozenset(settings.columns.exclude) | set(cfg.privacy.exclude),
                hashed=frozenset(cfg.privacy.hash), max_rows=sample)


def _scan_current(data: Path, reference: Profile, spec: Spec, model: Scorer | None,
                  settings: MonitorConfig, request: MonitorRequest) -> Scanned:
    kind = reference.prediction.kind if reference.prediction is not None else None
    return scan(tables.batches(data), current_spec(reference, spec), model, settings.target,
                kind, {"path": str(data)}, request.progress)


def _compare(reference: Profile, current: Profile, settings: MonitorConfig) -> Drift:
    return drift.compare(reference, current, drift.Options(
        settings.drift_share, settings.stattest, settings.target))


def _prediction_drift(reference: Profile, current: Profile) -> ColumnDrift | None:
    ref, cur = reference.prediction, current.prediction
    if ref is None or cur is None or ref.dist is None or cur.dist is None:
        return None
    return drift.column_drift(ref, cur, None)


def _performance(settings: MonitorConfig, card: ModelCard | None,
                 kpis: dict[str, float]) -> GateResult | None:
    """`monitor.NAME.performance` on the live KPIs; the version's card metrics are the base."""
    if not kpis:
        return None
    return rules.evaluate(settings.performance, card.metrics if card else None, kpis)


def store_profile(project: Project, name: str, commit: str) -> str | None:
    """Store model NAME's reference profile as of `commit` (when it is published), return its
    md5; None when mlci.yaml does not monitor NAME."""
    cfg = project.config
    settings = cfg.monitor.get(name)
    if settings is None:
        return None
    with tempfile.TemporaryDirectory(prefix="mlci-profile-") as tmp:
        return references.publish(references.Request(
            project.root, commit, settings.reference, _spec(cfg, settings, None), Path(tmp),
            scoring.at_commit(project.root, name, commit), settings.target))
