"""What a trained model says about preprocessed inputs, in the form scores read: class
probabilities for classification, the (scaled) predicted values otherwise.

A network goes through the one batched forward pass (:func:`depthlab.evaluate.forward.forward`)
and a softmax; a classical baseline answers with its own ``outputs``.

Example:
    >>> import numpy as np
    >>> from depthlab.features.spec import InputSpec
    >>> from depthlab.models.base import build_model
    >>> net = build_model("mlp", InputSpec("vector", (4,), 3, "classification"))
    >>> outputs(net, np.zeros((2, 4), dtype=np.float32)).sum(axis=1).round(3).tolist()
    [1.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from depthlab.evaluate.forward import forward


def outputs(model: Any, x: np.ndarray) -> np.ndarray:
    """Class probabilities ``(N, K)`` or scaled regression outputs ``(N, 1)``."""
    if not isinstance(model, torch.nn.Module):
        return np.asarray(model.outputs(x))
    out = forward(model, x)
    if model.spec.task == "classification":  # type: ignore[union-attr]
        out = torch.softmax(out, dim=1)
    return np.asarray(out.numpy())
