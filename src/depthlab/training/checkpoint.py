"""Weights and training state in safetensors files, written atomically; nothing is ever unpickled.

A training checkpoint is one safetensors file: the model's and the optimiser's tensors and the
random number generators' states as tensors, everything else (epoch, scheduler, early-stopping
state, history) as JSON in the file's metadata. One file, replaced atomically, so a run killed
at any moment leaves either the previous checkpoint or the new one, never half of each.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from depthlab.errors import DataError

STATE_KEY = "depthlab.state"


def _atomic_save(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    save_file(tensors, str(partial), metadata=metadata)
    os.replace(partial, path)


def _load(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    except (OSError, ValueError, RuntimeError, SafetensorError) as exc:
        raise DataError(f"cannot read weights {path}: {exc}") from None
    return tensors, metadata


def read_tensors(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a safetensors file."""
    return _load(path)[0]


def _cpu(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {key: value.detach().cpu().contiguous().clone() for key, value in tensors.items()}


def save_weights(model: nn.Module, path: Path) -> None:
    _atomic_save(_cpu(model.state_dict()), path, {"format": "pt"})


def load_weights(model: nn.Module, path: Path) -> None:
    tensors, _ = _load(path)
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise DataError(f"weights {path} do not fit this model: {first}") from None


def save_checkpoint(
    path: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    generator: torch.Generator,
    state: dict[str, Any],
) -> None:
    """Everything needed to continue training exactly where it stopped."""
    tensors = {f"model/{k}": v for k, v in model.state_dict().items()}
    opt = optimizer.state_dict()
    scalars: dict[str, dict[str, Any]] = {}
    for index, slots in opt["state"].items():
        for key, value in slots.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim/{index}/{key}"] = value
            else:
                scalars.setdefault(str(index), {})[key] = value
    tensors["rng/torch"] = torch.get_rng_state()
    tensors["rng/shuffle"] = generator.get_state()
    if torch.cuda.is_available():
        for i, cuda_state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng/cuda/{i}"] = cuda_state
    meta = {
        **state,
        "optimizer": {"param_groups": opt["param_groups"], "scalars": scalars},
    }
    _atomic_save(_cpu(tensors), path, {"format": "pt", STATE_KEY: json.dumps(meta)})


def load_checkpoint(
    path: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    generator: torch.Generator,
) -> dict[str, Any]:
    """Restore model, optimiser and generators from *path*; return the JSON state."""
    tensors, metadata = _load(path)
    if STATE_KEY not in metadata:
        raise DataError(f"{path} is not a depthlab training checkpoint")
    meta: dict[str, Any] = json.loads(metadata[STATE_KEY])
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model/")})
    slots: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith("optim/"):
            _, index, name = key.split("/", 2)
            slots.setdefault(int(index), {})[name] = value
    for index, values in meta["optimizer"]["scalars"].items():
        slots.setdefault(int(index), {}).update(values)
    device = next(model.parameters()).device
    for values in slots.values():
        for name, value in values.items():
            if isinstance(value, torch.Tensor) and name != "step":
                values[name] = value.to(device)
    optimizer.load_state_dict({"state": slots, "param_groups": meta["optimizer"]["param_groups"]})
    torch.set_rng_state(tensors["rng/torch"])
    generator.set_state(tensors["rng/shuffle"])
    cuda_states = [tensors[k] for k in sorted(tensors) if k.startswith("rng/cuda/")]
    if cuda_states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda_states)
    return meta
