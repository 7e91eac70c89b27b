"""The model card a version tag carries (pure): Markdown for people, a JSON line for mlci.

The same text is the annotated tag's message and the forge release's body. Its last line
is an HTML comment holding the card as JSON, invisible when rendered, read back by
`mlci models show`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from mlci.shared import markdown

MARK = "<!-- mlci-model-card "
END = " -->"


@dataclass(frozen=True)
class ModelCard:
    """What a published version is: where it came from and how well it did."""

    name: str
    version: str
    commit: str
    path: str
    artifact_md5: str = ""
    description: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)  # "accuracy" -> 0.97
    params: dict[str, Any] = field(default_factory=dict)  # "train.C" -> 1.0
    data: dict[str, str] = field(default_factory=dict)  # dvc.lock out path -> md5
    gate: str = ""  # the gate's one-line verdict
    profile: str = ""  # md5 of the training data's monitoring profile in the DVC remote
    # inputs (name, dtype) and outputs (classes, predict_proba): serving.signature's JSON form
    signature: dict[str, Any] = field(default_factory=dict)


def title(card: ModelCard) -> str:
    return f"{card.name} {card.version}"


def render(card: ModelCard) -> str:
    """Markdown: summary, metrics, params, data hashes, then the machine-readable line."""
    lines = [
        f"Registering artifact {card.name} version {card.version}", "",
        f"## {title(card)}", "",
    ]
    if card.description:
        lines += [card.description, ""]
    lines += [f"- commit: `{card.commit}`", f"- artifact: `{card.path}`"]
    lines += [f"- md5: `{card.artifact_md5}`"] if card.artifact_md5 else []
    lines += [f"- gate: {card.gate}"] if card.gate else []
    lines += [f"- monitoring profile: `{card.profile}`"] if card.profile else []
    lines += _table("metric", card.metrics) + _table("param", card.params)
    lines += _table("data (dvc.lock)", {k: f"`{v}`" for k, v in card.data.items()})
    lines += _signature(card.signature)
    lines += ["", MARK + _json(card) + END]
    return "\n".join(lines) + "\n"


def _json(card: ModelCard) -> str:
    # ">" escaped so no value can close the HTML comment early
    return json.dumps(asdict(card), sort_keys=True, default=str).replace(">", "\\u003e")


def _table(label: str, values: dict[str, Any]) -> list[str]:
    if not values:
        return []
    rows = [[_cell(key), _cell(value)] for key, value in sorted(values.items())]
    return ["", *markdown.table([label, "value"], rows)]


def _signature(signature: dict[str, Any]) -> list[str]:
    """The inputs as a table and the outputs in a line ([] without a signature)."""
    inputs = signature.get("inputs") if isinstance(signature, dict) else None
    if not isinstance(inputs, list):
        return []
    found = signature.get("outputs")
    outputs: dict[str, Any] = found if isinstance(found, dict) else {}
    classes = ", ".join(str(c) for c in outputs.get("classes") or []) or "-"
    proba = "yes" if outputs.get("predict_proba") else "no"
    rows = [[_cell(i.get("name")), _cell(i.get("dtype"))] for i in inputs if isinstance(i, dict)]
    return ["", f"Signature: {len(rows)} input columns; outputs `predict` (classes: {classes}), "
            f"`predict_proba`: {proba}.", "", *markdown.table(["input", "dtype"], rows)]


def _cell(value: Any) -> str:
    """A table cell that stays readable as plain text (`git show` of the tag): only the
    pipe, which would end the cell, is escaped."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def parse(message: str) -> ModelCard | None:
    """The card inside a tag message, or None when the message holds none (GTO's own tags)."""
    start = message.rfind(MARK)
    if start < 0:
        return None
    text = message[start + len(MARK):].split(END, 1)[0]
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    fields = ModelCard.__dataclass_fields__
    try:
        return ModelCard(**{k: v for k, v in data.items() if k in fields})
    except TypeError:
        return None
