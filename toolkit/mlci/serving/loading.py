"""Load exactly the model a reference names, verified first: the API behind `mlci serve`,
`mlci predict` and `mlci monitor`.

    from mlci.serving import loading

    loaded = loading.load(root, "classifier#prod")   # NAME#STAGE, NAME@vX.Y.Z, NAME, None
    loaded.info.version                               # "v1.2.0" (and .commit, .md5, .loader)
    loaded.model.signature.names                      # input columns, in the model's order
    prediction = loading.score(loaded.model, batch)   # a pyarrow RecordBatch/Table or pandas
    prediction.labels, prediction.proba               # what `predict`/`predict_proba` return

`load` resolves the reference through the registry's tags (None: the first model of dvc.yaml
in `publish.compare_to`), takes the md5 the version's commit records in dvc.lock, fetches the
file from the DVC cache or remote into a private temporary directory, verifies the md5 and
only then hands it to the loader its type (or `meta.loader`) selects. A mismatch raises
`mlci.errors.ArtifactMismatch` and nothing is loaded. The file is deleted once loaded.
"""

from __future__ import annotations

import functools
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlci.project import artifacts
from mlci.project.context import Project
from mlci.serving import bundles, fetch
from mlci.serving.columns import from_table
from mlci.serving.loaders import LoadError, choose
from mlci.serving.loaders.base import Prediction, Predictor
from mlci.serving.located import Located
from mlci.serving.signature import declared_in

if TYPE_CHECKING:
    from mlci.project.artifacts import Artifact
    from mlci.registry.state import Model
    from mlci.serving.bundles import Bundle


@dataclass(frozen=True)
class ModelInfo:
    """Which version is loaded, and how it was verified."""

    name: str
    version: str
    commit: str
    path: str
    md5: str
    loader: str
    stage: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "commit": self.commit,
                "path": self.path, "md5": self.md5, "loader": self.loader, "stage": self.stage}


@dataclass(frozen=True)
class Loaded:
    """A verified, loaded model and what it is."""

    info: ModelInfo
    model: Predictor


def load(project: Project, ref: str | None = None, *,
         state: dict[str, Model] | None = None) -> Loaded:
    """Resolve `ref`, fetch and verify the artifact, load it (see the module docstring)."""
    return load_located(project.root, fetch.locate(project, ref, state))


def load_located(root: Path, located: Located) -> Loaded:
    """Fetch, verify and load a version already located in the registry."""
    with tempfile.TemporaryDirectory(prefix="mlci-model-") as private:  # mode 0700
        file = Path(private) / located.file_name
        fetch.download(root, located, file)
        return load_file(file, located, root)


def load_file(file: Path, located: Located, root: Path | None = None) -> Loaded:
    """Load a file already verified as `located` (the checkout `root` serves project loaders)."""
    loader = choose(located.path, located.meta)
    if loader.NAME == "project" and root is not None and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    model = loader.load(file, located.meta)
    info = ModelInfo(located.name, located.version, located.commit, located.path, located.md5,
                     loader.NAME, located.stage)
    return Loaded(info, model)


def load_bundle(directory: Path) -> Loaded:
    """Load a bundle (`mlci models get --bundle`) after checking its file's sha256."""
    return from_bundle(bundles.read(directory))


def from_bundle(bundle: Bundle) -> Loaded:
    """Load a bundle already read (and its file's sha256 checked) by `bundles.read`."""
    located = Located(bundle.name, bundle.version, bundle.commit, bundle.path, bundle.md5,
                            stage=bundle.stage, meta=bundle.meta)
    return load_file(bundle.model_file, located)


def describe(root: Path, commit: str, artifact: Artifact) -> dict[str, Any] | None:
    """The signature for the model card of `artifact` at `commit`: `meta.signature` as
    declared, else read from the verified, loaded model; None when no loader takes it."""
    if (declared := declared_in(artifact.meta)) is not None:
        return declared.to_dict()
    loaded = load_at(root, commit, artifact)
    return None if loaded is None else loaded.model.signature.to_dict()


@functools.lru_cache(maxsize=1)
def load_at(root: Path, commit: str, artifact: Artifact) -> Loaded | None:
    """`artifact` as committed at `commit` (registered or not: publishing uses it), fetched,
    verified and loaded; None when no loader takes it or nothing records its md5. The last
    one is kept: `mlci publish` asks twice (the card's signature, the monitoring profile)."""
    try:
        choose(artifact.path, artifact.meta)
    except LoadError:
        return None
    recorded = artifacts.recorded_hash(root, commit, artifact)
    if recorded is None or not recorded.md5:
        return None
    located = Located(artifact.name, "", commit, artifact.path, recorded.md5,
                            recorded.legacy, meta=artifact.meta)
    try:
        return load_located(root, located)
    except LoadError:
        return None


def score(model: Predictor, table: Any, proba: bool = True) -> Prediction:
    """Score a pyarrow RecordBatch/Table or a pandas DataFrame holding the signature's columns
    (others are ignored); a missing column or an unconvertible value raises BadInput."""
    return model.predict(from_table(model.signature, table), proba)
