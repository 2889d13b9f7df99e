"""``linear``: no hidden layer. Logistic (or linear) regression trained by backpropagation."""

from __future__ import annotations

import torch
from torch import nn

from depthlab.models.base import DepthModel, FamilyConfig, register_model
from depthlab.models.spec import InputSpec


class LinearConfig(FamilyConfig):
    """A linear model has no hyperparameters of its own (no depth to choose)."""


@register_model
class Linear(DepthModel):
    family = "linear"
    fits = ("vector", "sequence", "image")
    Config = LinearConfig
    presets = {"shallow": {}, "deep": {}}

    def __init__(self, spec: InputSpec, config: LinearConfig) -> None:
        super().__init__(spec, config)
        self.head = nn.Linear(spec.flat_size, spec.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x.flatten(1))  # (B, ...) -> (B, F) -> (B, K)
