"""scikit-learn models in skops' format (`.skops`): no pickle, only trusted types are built.

skops' default trust (scikit-learn, numpy, scipy types) plus the type names the project
lists under the artifact's `meta.trusted` in dvc.yaml; anything else is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlci.serving.loaders.base import LoadError, Predictor
from mlci.serving.loaders.estimator import EstimatorModel
from mlci.serving.signature import declared_in

NAME = "skops"
SUFFIXES = (".skops",)


def load(path: Path, meta: dict[str, Any]) -> Predictor:
    """Build the estimator from the skops file, refusing untrusted types."""
    try:
        import skops.io as sio
    except ImportError:
        raise LoadError("loading .skops models needs skops: pip install skops") from None
    trusted = [str(t) for t in meta.get("trusted") or []]
    data = path.read_bytes()
    untrusted = [t for t in sio.get_untrusted_types(data=data) if t not in trusted]
    if untrusted:
        raise LoadError(f"the skops file holds types nobody trusted: {', '.join(untrusted)}; "
                        "list the ones you vouch for under the artifact's meta.trusted")
    estimator = sio.loads(data, trusted=trusted or None)
    declared = declared_in(meta)
    return EstimatorModel(estimator, declared)
