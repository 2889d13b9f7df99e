"""A run folder read for inference only: the network's description, its weights from safetensors
and the preprocessing it needs, as the plain-JSON sidecar the service applies.

Nothing here imports training code (``depthlab.training``): export and serve depend on the models,
the feature transforms and the run folder's files alone. Weights are read from safetensors only;
a classical baseline (kept with skops) is refused, since loading it could run code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depthlab.errors import ConfigError, DataError

if TYPE_CHECKING:
    from depthlab.models.base import DepthModel

RUN_FILE = "run.json"
WEIGHTS = "model.safetensors"
SIDECAR = "preprocess.json"
SIDECAR_FORMAT = "depthlab-preprocess/1"
# Runs saved before pipelines had names used their modality's one pipeline.
LEGACY_FEATURES = {
    "tabular": "table",
    "image": "image",
    "sequence": "sequence",
    "audio": "waveform",
}


def read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    if not isinstance(value, dict):
        raise DataError(f"{path} does not hold a JSON object")
    return value


def read_run(folder: str | Path) -> dict[str, Any]:
    """``run.json`` of a run folder, checked to describe a trained model."""
    path = Path(folder) / RUN_FILE
    if not path.is_file():
        raise DataError(f"{folder} is not a depthlab run folder (no {RUN_FILE})")
    config = read_json(path)
    if not {"model", "preprocess", "data"} <= set(config):
        raise DataError(f"{path} is not a depthlab run description")
    return config


def read_metrics(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / "metrics.json"
    return read_json(path) if path.is_file() else {}


def check_network(config: dict[str, Any]) -> None:
    """Refuse a classical baseline: ONNX export and serving cover networks (safetensors)."""
    model = config["model"]
    if model.get("kind") == "baseline":
        raise ConfigError(
            f"'{model.get('family')}' is a classical baseline, kept with skops; ONNX export "
            "and serving cover networks only (weights in safetensors), so train a network "
            "(linear, mlp, cnn, rnn...) to export or serve it"
        )


def load_network(folder: str | Path, config: dict[str, Any] | None = None) -> DepthModel:
    """The run's network in evaluation mode, its weights read from ``model.safetensors``.

    Example:
        >>> net = load_network("runs/cnn")  # doctest: +SKIP
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from depthlab.models.base import DepthModel

    config = config or read_run(folder)
    check_network(config)
    weights = Path(folder) / WEIGHTS
    if not weights.is_file():
        raise DataError(f"{folder} has no trained model ({WEIGHTS}); train it to the end")
    model = DepthModel.from_config(config["model"])
    try:
        tensors = load_file(str(weights))
        model.load_state_dict(tensors)
    except (OSError, RuntimeError, ValueError, SafetensorError) as exc:
        raise DataError(f"cannot load weights {weights}: {exc}") from None
    return model.eval()


def sidecar(config: dict[str, Any]) -> dict[str, Any]:
    """What turns a request's raw inputs into the model's input and its outputs into answers:
    the feature pipeline's name and fitted statistics (scaling, vocabulary, log-mel settings,
    target scale), the model's input spec, the classes."""
    prep = config["preprocess"]
    data = config["data"]
    return {
        "format": SIDECAR_FORMAT,
        "modality": prep["modality"],
        "task": prep["task"],
        "features": prep.get("features") or LEGACY_FEATURES.get(prep["modality"], ""),
        "feature_options": config.get("features", {}),
        "stats": prep["stats"],
        "input": config["model"]["input"],
        "class_names": list(data.get("class_names", [])),
        "feature_names": list(data.get("feature_names", [])),
        "data": data.get("name"),
    }


def read_sidecar(path: Path) -> dict[str, Any]:
    value = read_json(path)
    if value.get("format") != SIDECAR_FORMAT:
        raise DataError(
            f"{path} is not a depthlab preprocessing sidecar ({SIDECAR_FORMAT}); "
            "export the run again with `depthlab export`"
        )
    return value
