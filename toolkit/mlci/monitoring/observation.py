"""One pass over a table: its profile, the model's predictions' profile and, with labels, KPIs.

The model (when there is one) is a `scoring.Scorer`: loaded only through serving's verified
loader (the artifact's md5 is checked against the registry before it is unpickled).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pyarrow as pa

from mlci.errors import MlciError
from mlci.monitoring import profile
from mlci.monitoring.kpis import Kpis
from mlci.monitoring.profile import Profile, Spec

if TYPE_CHECKING:
    from mlci.monitoring.scoring import Scorer

PREDICTION = "prediction"
Progress = Callable[[int], None]


@dataclass(frozen=True, eq=False)
class Scanned:
    """A table's profile (with `prediction` when a model scored it) and its KPIs."""

    profile: Profile
    kpis: dict[str, float]
    unscored: str = ""  # why the model could not score these rows
    labelled: int = 0  # rows with a label (the KPIs' rows)


def scan(batches: Iterable[pa.RecordBatch], spec: Spec, model: Scorer | None = None,
         target: str | None = None, prediction_kind: profile.Kind | None = None,
         source: dict[str, str] | None = None, progress: Progress | None = None) -> Scanned:
    """Profile every batch; score it with `model`; accumulate KPIs where `target` has labels."""
    columns = profile.Builder(spec)
    kinds = {PREDICTION: prediction_kind} if prediction_kind else {}
    predictions = profile.Builder(Spec(kinds=kinds))
    kpis = Kpis(model.classes) if model is not None else None
    unscored = ""
    for batch in batches:
        more = columns.add(batch)
        if model is not None and not unscored:
            unscored = _score(model, batch, target, predictions, kpis)
        if progress is not None:
            progress(batch.num_rows)
        if not more:
            break
    result = columns.finish(source)
    if model is not None and not unscored:
        result = replace(result, prediction=predictions.finish().columns.get(PREDICTION))
    if kpis is None or unscored:
        return Scanned(result, {}, unscored)
    return Scanned(result, kpis.values(), unscored, kpis.rows)


def _score(model: Scorer, batch: pa.RecordBatch, target: str | None,
           predictions: profile.Builder, kpis: Kpis | None) -> str:
    """Score one batch into `predictions` and `kpis`; the reason if the model cannot."""

    try:
        labels, proba = model.score(batch)
    except MlciError as exc:
        return exc.message
    predictions.add(pa.record_batch({PREDICTION: pa.array(labels)}))
    if kpis is not None and target is not None and target in batch.schema.names:
        kpis.add(batch.column(target), labels, proba)
    return ""
