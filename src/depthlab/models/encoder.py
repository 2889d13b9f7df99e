"""``encoder``: a head over a frozen, pretrained sentence encoder (transfer learning for text).

The texts' embeddings come from the ``encoder`` feature pipeline (``--encoder NAME|PATH``,
default all-MiniLM-L6-v2; :mod:`depthlab.features.sentence`), computed once and cached; this
family is the head trained on them: ``shallow`` is a linear head (logistic regression on the
embeddings), ``deep`` an MLP head. It takes every option of :class:`~depthlab.models.mlp.MLP`.

Example:
    >>> from depthlab.models.base import build_model
    >>> from depthlab.features.spec import InputSpec
    >>> spec = InputSpec("vector", (384,), n_outputs=2, task="classification")
    >>> build_model("encoder", spec, "deep").depth()
    1
"""

from __future__ import annotations

from typing import ClassVar

from depthlab.features.spec import InputKind
from depthlab.models.base import register_model
from depthlab.models.mlp import MLP


@register_model
class Encoder(MLP):
    family = "encoder"
    fits: ClassVar[tuple[InputKind, ...]] = ("vector",)
    modalities = ("text",)
    presets = {
        "shallow": {"depth": 0},
        "deep": {"depth": 1, "width": 256, "activation": "gelu", "dropout": 0.3},
    }
    train_presets = {}
