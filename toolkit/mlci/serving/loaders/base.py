"""What every loader gives back: a model that scores named columns (one Protocol, pre-commit's
`lang_base` shape: each module of this package is a loader).

A loader is called only with a file whose md5 was verified against the registry
(`mlci.serving.fetch`); it never fetches anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mlci.errors import MlciError

if TYPE_CHECKING:
    import numpy as np

    from mlci.serving.signature import Signature

Columns = dict[str, "np.ndarray[Any, Any]"]  # one 1-D array per input column, signature order


@dataclass(frozen=True)
class Prediction:
    """Labels (one per row) and, when the model has them, class probabilities [rows, classes]."""

    labels: np.ndarray[Any, Any]
    proba: np.ndarray[Any, Any] | None = None


class Predictor(Protocol):
    """A loaded model: its signature and a predict over validated columns."""

    @property
    def signature(self) -> Signature: ...

    def predict(self, columns: Columns, proba: bool = True) -> Prediction:
        """Score the rows; `proba` False skips the probabilities (when nobody asked for them)."""
        ...


class Loader(Protocol):
    """A module of `mlci.serving.loaders`: its name, the file suffixes it takes, `load`."""

    NAME: str
    SUFFIXES: tuple[str, ...]

    def load(self, path: Path, meta: dict[str, Any]) -> Predictor:
        """Load the verified file `path`; `meta` is the artifact's `meta:` from dvc.yaml."""
        ...


class LoadError(MlciError):
    """The verified file could not be turned into a model (wrong format, missing package)."""
