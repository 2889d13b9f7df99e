"""``encoder``: a head over a frozen, pretrained sentence encoder (transfer learning for text).

The texts' embeddings come from the ``encoder`` feature pipeline (``--encoder NAME|PATH``,
default all-MiniLM-L6-v2; :mod:`depthlab.features.sentence`), computed once and cached; this
family is the head trained on them: ``shallow`` is a linear head (logistic regression on the
embeddings), ``deep`` an MLP head.

Example:
    >>> spec = InputSpec("vector", (384,), n_outputs=2, task="classification")
    >>> build_model("encoder", spec, "deep").depth()
    1
"""

from __future__ import annotations

from depthlab.models.base import build_model, register_model
from depthlab.models.mlp import MLP
from depthlab.models.spec import InputSpec

__all__ = ["Encoder", "InputSpec", "build_model"]


@register_model
class Encoder(MLP):
    family = "encoder"
    fits = ("vector",)
    modalities = ("text",)
    presets = {
        "shallow": {"depth": 0},
        "deep": {"depth": 1, "width": 256, "activation": "gelu", "dropout": 0.3},
    }
    train_presets = {}
