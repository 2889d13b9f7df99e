"""The one batched forward pass: a network's outputs for many inputs, chunk by chunk.

Every place that runs a trained network over a dataset (validation during training, a run's
predictions, the estimators, a study's scores, probes and pictures) goes through
:func:`forward`, so the batch size, evaluation mode and device handling are decided once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

EVAL_BATCH = 1024
"""Examples per chunk: large enough to keep a CPU busy, small enough for any GPU."""


def as_tensor(x: torch.Tensor | np.ndarray) -> torch.Tensor:
    return x if isinstance(x, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(x))


@torch.no_grad()
def forward(
    model: nn.Module, x: torch.Tensor | np.ndarray, batch: int = EVAL_BATCH
) -> torch.Tensor:
    """Raw outputs of *model* for every row of *x*, as float32 on the CPU: ``(N, K)``.

    Puts *model* in evaluation mode; each chunk of *batch* rows goes to the model's device.

    Example:
        >>> net = torch.nn.Linear(3, 2)
        >>> forward(net, np.zeros((5, 3), dtype=np.float32)).shape
        torch.Size([5, 2])
    """
    inputs = as_tensor(x)
    model.eval()
    device = next(model.parameters()).device
    chunks = [
        model(inputs[i : i + batch].to(device)).float().cpu() for i in range(0, len(inputs), batch)
    ]
    return torch.cat(chunks) if chunks else torch.empty(0)


@torch.no_grad()
def forward_layers(
    layers: Callable[[torch.Tensor], Sequence[torch.Tensor]],
    model: nn.Module,
    x: torch.Tensor | np.ndarray,
    batch: int = EVAL_BATCH,
) -> list[np.ndarray]:
    """Each of the tensors *layers* returns per chunk (hidden layers' activations, say),
    concatenated over every row of *x*, as float32 NumPy arrays."""
    inputs = as_tensor(x)
    model.eval()
    device = next(model.parameters()).device
    parts = [
        [r.float().cpu().numpy() for r in layers(inputs[i : i + batch].to(device))]
        for i in range(0, len(inputs), batch)
    ]
    return [np.concatenate(layer) for layer in zip(*parts, strict=True)]
