"""The monitored version as a scorer: loaded only through serving's verified loader.

`mlci.serving.loading` resolves a version through the registry, downloads the artifact and
checks its md5 against the version's dvc.lock before unpickling anything. Monitoring needs
two things from the loaded model, its classes and a way to score a batch: `Scorer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mlci.project.artifacts import artifact_at
from mlci.project.context import Project
from mlci.serving import loading
from mlci.serving.loaders import LoadError

if TYPE_CHECKING:
    import pyarrow as pa

    from mlci.registry.state import Model
    from mlci.serving.loaders.base import Predictor


class Scorer(Protocol):
    """What monitoring asks of a model: its class labels (empty: a regressor) and scores."""

    @property
    def classes(self) -> tuple[Any, ...]: ...

    def score(self, batch: pa.RecordBatch) -> tuple[Sequence[Any], Any]:
        """Labels (one per row) and class probabilities [rows, classes] or None."""
        ...


@dataclass(frozen=True)
class LoadedScorer:
    """A model loaded by serving's loader (`loading.load`), scored through `loading.score`."""

    model: Predictor

    @property
    def classes(self) -> tuple[Any, ...]:
        return tuple(self.model.signature.classes)

    def score(self, batch: pa.RecordBatch) -> tuple[Sequence[Any], Any]:
        prediction = loading.score(self.model, batch)
        return list(prediction.labels), prediction.proba


def load(project: Project, ref: str, state: dict[str, Model] | None = None,
         ) -> tuple[Scorer | None, str]:
    """The registered version `ref` names (in `state`, the registry already read), downloaded,
    verified against its dvc.lock md5 and loaded; (None, why) when no loader takes its file."""
    try:
        return LoadedScorer(loading.load(project, ref, state=state).model), ""
    except LoadError as exc:
        return None, exc.message


def at_commit(root: Path, name: str, commit: str) -> Scorer | None:
    """Model NAME as committed at `commit` (publishing: not registered yet), verified and
    loaded; None when no loader takes its file."""
    loaded = loading.load_at(root, commit, artifact_at(root, commit, name))
    return None if loaded is None else LoadedScorer(loaded.model)
