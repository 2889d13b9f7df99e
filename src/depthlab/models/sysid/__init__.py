"""System identification models behind string ids: linear baselines and NARX / recurrent nets.

Example:
    >>> from depthlab.models.sysid import build
    >>> build("narx:deep").params()["num_layers"]
    3

Linear models fit in closed form (``model.fit(train, val)``); every model trains through
``depthlab.training.sysid.fit(model, train, val, config)``. ``save`` / ``load`` keep a model in
one ``.npz`` file (its config as JSON and its arrays; no pickle).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from depthlab.errors import UnknownNameError, closest
from depthlab.models.sysid.arx import ARX
from depthlab.models.sysid.base import LinearModel, SysIdModel
from depthlab.models.sysid.narx import NARX
from depthlab.models.sysid.net import NetModel
from depthlab.models.sysid.recurrent import Recurrent
from depthlab.models.sysid.subspace import Subspace

KINDS: dict[str, type[SysIdModel]] = {
    "arx": ARX,
    "n4sid": Subspace,
    "narx": NARX,
    "recurrent": Recurrent,
}
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "arx": ("arx", {}),
    "n4sid": ("n4sid", {}),
    "narx:shallow": ("narx", {"num_layers": 1}),
    "narx:deep": ("narx", {"num_layers": 3}),
    "gru:shallow": ("recurrent", {"cell": "gru", "num_layers": 1}),
    "gru:deep": ("recurrent", {"cell": "gru", "num_layers": 3}),
    "lstm:shallow": ("recurrent", {"cell": "lstm", "num_layers": 1}),
    "lstm:deep": ("recurrent", {"cell": "lstm", "num_layers": 3}),
}
MODEL_IDS = tuple(PRESETS)

__all__ = [
    "ARX",
    "MODEL_IDS",
    "NARX",
    "LinearModel",
    "NetModel",
    "Recurrent",
    "Subspace",
    "SysIdModel",
    "build",
    "from_config",
    "load",
    "save",
]


def build(model_id: str, **options: Any) -> SysIdModel:
    """The model of *model_id* (one of ``MODEL_IDS``), its preset overridden by *options*."""
    if model_id not in PRESETS:
        raise UnknownNameError(
            f"unknown system identification model {model_id!r}; choose from "
            f"{', '.join(MODEL_IDS)}.{closest(model_id, MODEL_IDS)}"
        )
    kind, preset = PRESETS[model_id]
    return KINDS[kind](**{**preset, **options})


def from_config(config: dict[str, Any]) -> SysIdModel:
    """An unfitted model (channel counts kept) from ``model.get_config()``."""
    kind = config.get("kind")
    if kind not in KINDS:
        raise UnknownNameError(f"unknown system identification kind {kind!r}")
    return KINDS[str(kind)].from_config(config)


def save(model: SysIdModel, path: str | Path) -> None:
    """Write *model*'s config and learned arrays to *path* (``.npz``)."""
    arrays = {k: np.asarray(v) for k, v in model.get_state().items()}
    np.savez(Path(path), __config__=np.array(json.dumps(model.get_config())), **arrays)  # type: ignore[arg-type]


def load(path: str | Path) -> SysIdModel:
    """The model :func:`save` wrote to *path*, ready to predict."""
    with np.load(Path(path), allow_pickle=False) as data:
        model = from_config(json.loads(str(data["__config__"])))
        model.set_state({k: data[k] for k in data.files if k != "__config__"})
    return model
