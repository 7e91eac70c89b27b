"""A model's signature (pure): its input columns with dtypes, its outputs.

It is what the model card records at publish, what `/v2/models/NAME` answers, and what every
request is checked against. It comes from `meta.signature` in dvc.yaml when given, else from
the model itself (`feature_names_in_`, `classes_`, `predict_proba`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from mlci.errors import ConfigError

Dtype = Literal["float64", "float32", "int64", "int32", "bool", "string"]
DTYPES: tuple[Dtype, ...] = get_args(Dtype)
# Open Inference Protocol datatypes of each dtype, and the OIP datatypes each column takes
OIP_TYPE: dict[Dtype, str] = {"float64": "FP64", "float32": "FP32", "int64": "INT64",
                              "int32": "INT32", "bool": "BOOL", "string": "BYTES"}
NUMERIC_OIP = ("FP64", "FP32", "FP16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16",
               "UINT32", "UINT64", "BOOL")


@dataclass(frozen=True)
class Column:
    """One input column: its name and the dtype the model takes."""

    name: str
    dtype: Dtype = "float64"


@dataclass(frozen=True)
class Signature:
    """Inputs in the order the model takes them; class labels and whether probabilities exist."""

    inputs: tuple[Column, ...]
    classes: tuple[Any, ...] = ()
    proba: bool = False
    source: Literal["model", "meta"] = "model"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.inputs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the model card and the bundle keep."""
        return {"inputs": [{"name": c.name, "dtype": c.dtype} for c in self.inputs],
                "outputs": {"classes": list(self.classes), "predict_proba": self.proba},
                "source": self.source}


def declared_in(meta: dict[str, Any]) -> Signature | None:
    """The signature an artifact's `meta.signature` declares, or None."""
    return from_dict(meta["signature"]) if "signature" in meta else None


def from_dict(data: Any, where: str = "meta.signature") -> Signature:
    """A Signature from its JSON/YAML form; errors name `where`."""
    if not isinstance(data, dict) or not isinstance(data.get("inputs"), list):
        raise ConfigError(f"{where}: expected a mapping with an `inputs:` list",
                          hint="inputs: [{name: age, dtype: float64}, ...]")
    columns = tuple(_column(item, f"{where}.inputs[{i}]")
                    for i, item in enumerate(data["inputs"]))
    outputs = data.get("outputs")
    outputs = outputs if isinstance(outputs, dict) else {}
    classes = outputs.get("classes") or ()
    source: Literal["model", "meta"] = "model" if data.get("source") == "model" else "meta"
    return Signature(columns, tuple(classes), bool(outputs.get("predict_proba")), source)


def _column(item: Any, where: str) -> Column:
    if isinstance(item, str):
        return Column(item)
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise ConfigError(f"{where}: expected {{name: COLUMN, dtype: TYPE}}")
    dtype = item.get("dtype", "float64")
    if dtype not in DTYPES:
        raise ConfigError(f"{where}.dtype: expected one of {', '.join(DTYPES)}, got {dtype!r}")
    return Column(item["name"], dtype)


def merged(declared: Signature | None, found: Signature) -> Signature:
    """`meta.signature` wins for the inputs; the model says what it outputs when meta doesn't."""
    if declared is None:
        return found
    return Signature(declared.inputs, declared.classes or found.classes,
                     declared.proba or found.proba, "meta")


def unnamed(count: int) -> tuple[Column, ...]:
    """Columns of a model fitted without names: `x0`, `x1`, ... in input order."""
    return tuple(Column(f"x{i}") for i in range(count))
