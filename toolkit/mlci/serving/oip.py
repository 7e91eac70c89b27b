"""The Open Inference Protocol v2 (KServe, Triton, MLServer): infer requests and responses,
model metadata. Pure: bytes and dicts in, columns and bytes out.

Tabular input is either ONE 2-D tensor `[rows, features]` in signature order, or one 1-D
(or `[rows, 1]`) tensor per column named as the column. Triton's binary tensor extension is
understood both ways (`Inference-Header-Content-Length`, `binary_data_size`,
`binary_data_output`), so `tritonclient` works with its defaults.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlci.serving.columns import BadInput, coerce, from_matrix
from mlci.serving.loaders.base import Columns, Prediction
from mlci.serving.signature import NUMERIC_OIP, OIP_TYPE, Signature

OUTPUTS = ("predict", "predict_proba")
_NUMPY = {"BOOL": "?", "INT8": "<i1", "INT16": "<i2", "INT32": "<i4", "INT64": "<i8",
          "UINT8": "<u1", "UINT16": "<u2", "UINT32": "<u4", "UINT64": "<u8", "FP16": "<f2",
          "FP32": "<f4", "FP64": "<f8"}
HEADER = "inference-header-content-length"


@dataclass(frozen=True)
class InferRequest:
    """A parsed infer request: the columns, which outputs, binary or JSON answers, its id."""

    columns: Columns
    outputs: tuple[str, ...]
    binary: frozenset[str]
    request_id: str | None


def metadata(name: str, version: str, signature: Signature, platform: str) -> dict[str, Any]:
    """`GET /v2/models/NAME`: inputs as one tensor per column (the 2-D form is accepted too)."""
    inputs = [{"name": c.name, "datatype": OIP_TYPE[c.dtype], "shape": [-1]}
              for c in signature.inputs]
    outputs = [{"name": "predict", "datatype": _label_type(signature.classes), "shape": [-1]}]
    if signature.proba:
        outputs.append({"name": "predict_proba", "datatype": "FP64",
                        "shape": [-1, len(signature.classes)]})
    return {"name": name, "versions": [version], "platform": platform, "inputs": inputs,
            "outputs": outputs,
            "parameters": {"classes": [str(c) for c in signature.classes],
                           "input_order": list(signature.names)}}


def parse(body: bytes, header_length: str | None, signature: Signature) -> InferRequest:
    """An infer request body (JSON, or JSON + binary tensors) as columns; BadInput otherwise."""
    text, binary = _split(body, header_length)
    try:
        request = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"the body is not JSON: {exc}", 400) from None
    if not isinstance(request, dict) or not isinstance(request.get("inputs"), list) \
            or not request["inputs"]:
        raise BadInput('expected {"inputs": [{"name", "shape", "datatype", "data"}, ...]}', 400)
    tensors = _tensors(request["inputs"], binary)
    outputs, wanted_binary = _outputs(request, signature)
    request_id = request.get("id")
    return InferRequest(_columns(tensors, signature), outputs, wanted_binary,
                        str(request_id) if request_id is not None else None)


def _split(body: bytes, header_length: str | None) -> tuple[bytes, bytes]:
    if header_length is None:
        return body, b""
    try:
        size = int(header_length)
    except ValueError:
        raise BadInput(f"Inference-Header-Content-Length: not a number: {header_length!r}",
                       400) from None
    if not 0 < size <= len(body):
        raise BadInput(f"Inference-Header-Content-Length {size} does not fit a body of "
                       f"{len(body)} bytes", 400)
    return body[:size], body[size:]


@dataclass(frozen=True)
class _Tensor:
    name: str
    shape: tuple[int, ...]
    datatype: str
    data: Any


def _tensors(inputs: list[Any], binary: bytes) -> list[_Tensor]:
    found, offset = [], 0
    for i, item in enumerate(inputs):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise BadInput(f"inputs[{i}]: expected an object with a name", 400)
        name, datatype = item["name"], item.get("datatype")
        shape = item.get("shape")
        if datatype not in (*NUMERIC_OIP, "BYTES"):
            raise BadInput(f"input {name!r}: unknown datatype {datatype!r}", 400)
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise BadInput(f"input {name!r}: shape must be a list of sizes, got {shape!r}", 400)
        size = (item.get("parameters") or {}).get("binary_data_size")
        if size is not None:
            data, offset = _binary(name, datatype, shape, binary, offset, size)
        elif "data" in item:
            data = _flat(name, item["data"], shape)
        else:
            raise BadInput(f"input {name!r}: no data", 400)
        found.append(_Tensor(name, tuple(shape), datatype, data))
    return found


def _flat(name: str, data: Any, shape: list[int]) -> Any:
    try:
        array = np.asarray(data, dtype=object if _has_text(data) else None).reshape(-1)
    except ValueError:
        raise BadInput(f"input {name!r}: data is not a regular array", 400) from None
    if array.size != math.prod(shape):
        raise BadInput(f"input {name!r}: shape {shape} holds {math.prod(shape)} values, data "
                       f"has {array.size}", 400)
    return array.reshape(shape)


def _has_text(data: Any) -> bool:
    first = data
    while isinstance(first, list) and first:
        first = first[0]
    return isinstance(first, str)


def _binary(name: str, datatype: str, shape: list[int], binary: bytes, offset: int,
            size: Any) -> tuple[Any, int]:
    if not isinstance(size, int) or size < 0 or offset + size > len(binary):
        raise BadInput(f"input {name!r}: binary_data_size {size!r} runs past the body", 400)
    chunk = binary[offset:offset + size]
    values: Any
    if datatype == "BYTES":
        values = _unpack_bytes(name, chunk)
    else:
        width = np.dtype(_NUMPY[datatype]).itemsize
        if size != math.prod(shape) * width:
            raise BadInput(f"input {name!r}: {size} bytes do not hold shape {shape} of "
                           f"{datatype}", 400)
        values = np.frombuffer(chunk, dtype=_NUMPY[datatype])
    if len(values) != math.prod(shape):
        raise BadInput(f"input {name!r}: shape {shape} does not match its data", 400)
    return np.asarray(values).reshape(shape), offset + size


def _unpack_bytes(name: str, chunk: bytes) -> list[str]:
    values, at = [], 0
    while at < len(chunk):
        if at + 4 > len(chunk):
            raise BadInput(f"input {name!r}: truncated BYTES element", 400)
        length = int.from_bytes(chunk[at:at + 4], "little")
        values.append(chunk[at + 4:at + 4 + length].decode("utf-8", "replace"))
        at += 4 + length
    return values


def _outputs(request: dict[str, Any], signature: Signature) -> tuple[tuple[str, ...],
                                                                      frozenset[str]]:
    everything = (request.get("parameters") or {}).get("binary_data_output") is True
    asked = request.get("outputs")
    if asked is None:
        every: tuple[str, ...] = OUTPUTS if signature.proba else OUTPUTS[:1]
        return every, frozenset(every if everything else ())
    if not isinstance(asked, list) or not all(isinstance(o, dict) for o in asked):
        raise BadInput('outputs: expected [{"name": "predict"}, ...]', 400)
    names: list[str] = []
    binary: set[str] = set()
    for output in asked:
        name = output.get("name")
        if name not in OUTPUTS or (name == "predict_proba" and not signature.proba):
            offered = OUTPUTS if signature.proba else OUTPUTS[:1]
            raise BadInput(f"unknown output {name!r}; this model has {', '.join(offered)}", 400)
        names.append(name)
        if everything or (output.get("parameters") or {}).get("binary_data") is True:
            binary.add(name)
    return tuple(names), frozenset(binary)


def _columns(tensors: list[_Tensor], signature: Signature) -> Columns:
    """One 2-D tensor of all features, or one tensor per column named as the column."""
    if len(tensors) == 1 and len(tensors[0].shape) == 2 and tensors[0].name not in \
            signature.names and len(signature.inputs) != 1:
        tensor = tensors[0]
        if tensor.shape[1] != len(signature.inputs):
            raise BadInput(f"input {tensor.name!r}: expected shape [rows, "
                           f"{len(signature.inputs)}] (columns {', '.join(signature.names)}), "
                           f"got {list(tensor.shape)}")
        _check_type(tensor, signature)
        return from_matrix(signature, tensor.data)
    for tensor in tensors:
        _check_type(tensor, signature)
    return coerce(signature, {t.name: t.data for t in tensors})


def _check_type(tensor: _Tensor, signature: Signature) -> None:
    kinds = {c.name: c.dtype for c in signature.inputs}
    wants_text = kinds.get(tensor.name) == "string" if tensor.name in kinds \
        else all(d == "string" for d in kinds.values())
    if wants_text != (tensor.datatype == "BYTES"):
        expected = "BYTES" if wants_text else "a numeric datatype (FP64, FP32, INT64, ...)"
        raise BadInput(f"input {tensor.name!r}: datatype {tensor.datatype} where the model "
                       f"takes {expected}")


def _label_type(classes: tuple[Any, ...]) -> str:
    """What `predict` answers: the class labels' type (a regressor's numbers: FP64)."""
    if classes and all(isinstance(c, bool) for c in classes):
        return "BOOL"
    if classes and all(isinstance(c, int) for c in classes):
        return "INT64"
    return "BYTES" if any(isinstance(c, str) for c in classes) else "FP64"


def response(name: str, version: str, request: InferRequest, prediction: Prediction,
             request_id: str) -> tuple[bytes, int | None]:
    """The infer response body, and the JSON header's length when binary outputs follow."""
    outputs, blobs = [], []
    for output in request.outputs:
        array = prediction.labels if output == "predict" else prediction.proba
        tensor, blob = _output(output, array, output in request.binary)
        outputs.append(tensor)
        blobs.extend([blob] if blob is not None else [])
    header = json.dumps({"model_name": name, "model_version": version, "id": request_id,
                         "outputs": outputs}).encode()
    if not blobs:
        return header, None
    return header + b"".join(blobs), len(header)


def _output(name: str, array: Any, binary: bool) -> tuple[dict[str, Any], bytes | None]:
    array = np.asarray(array)
    datatype = _datatype(array)
    tensor: dict[str, Any] = {"name": name, "datatype": datatype, "shape": list(array.shape)}
    if not binary:
        flat = array.reshape(-1)
        tensor["data"] = [str(v) for v in flat] if datatype == "BYTES" else flat.tolist()
        return tensor, None
    if datatype == "BYTES":
        encoded = [str(v).encode() for v in array.reshape(-1)]
        blob = b"".join(len(e).to_bytes(4, "little") + e for e in encoded)
    else:
        blob = np.ascontiguousarray(array, dtype=_NUMPY[datatype]).tobytes()
    tensor["parameters"] = {"binary_data_size": len(blob)}
    return tensor, blob


def _datatype(array: Any) -> str:
    kind, size = array.dtype.kind, array.dtype.itemsize
    if kind == "b":
        return "BOOL"
    if kind == "f":
        return {2: "FP16", 4: "FP32"}.get(size, "FP64")
    if kind in "iu":
        return f"{'U' if kind == 'u' else ''}INT{size * 8}"
    return "BYTES"
