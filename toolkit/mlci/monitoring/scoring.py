"""The monitored version as a scorer: loaded only through serving's verified loader.

`mlci.serving.loading` resolves a version through the registry, downloads the artifact and
checks its md5 against the version's dvc.lock before unpickling anything. Monitoring needs
two things from the loaded model, its classes and a way to score a batch: `Scorer`.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

from mlci.errors import MlciError

if TYPE_CHECKING:
    import pyarrow as pa

LOADER = "mlci.serving.loading"


class Scorer(Protocol):
    """What monitoring asks of a model: its class labels (empty: a regressor) and scores."""

    @property
    def classes(self) -> tuple[Any, ...]: ...

    def score(self, batch: pa.RecordBatch) -> tuple[Sequence[Any], Any]:
        """Labels (one per row) and class probabilities [rows, classes] or None."""
        ...


@dataclass(frozen=True)
class Served:
    """A model loaded by serving's loader (`loading.load`), scored through `loading.score`."""

    model: Any
    loading: ModuleType

    @property
    def classes(self) -> tuple[Any, ...]:
        return tuple(self.model.signature.classes)

    def score(self, batch: pa.RecordBatch) -> tuple[Sequence[Any], Any]:
        prediction = self.loading.score(self.model, batch)
        return list(prediction.labels), prediction.proba


def loader() -> ModuleType | None:
    """Serving's loading module, or None where mlci's serving package is not installed."""
    try:
        return importlib.import_module(LOADER)
    except ModuleNotFoundError as exc:
        if exc.name is not None and LOADER.startswith(exc.name):
            return None
        raise MlciError(f"mlci's model loader needs the package {exc.name!r}, which is not "
                        "installed", hint="pip install 'mlci[serve]'") from None


def load(root: Path, ref: str) -> Scorer | None:
    """The version `ref` names, verified and loaded (None without the serving package)."""
    loading = loader()
    return None if loading is None else Served(loading.load(root, ref).model, loading)
