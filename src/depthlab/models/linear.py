"""``linear``: no hidden layer. Logistic (or linear) regression trained by backpropagation.

On token inputs it is logistic regression on the text's bag of words: each vocabulary word has
one weight per output, summed over the text's tokens (an ``EmbeddingBag``; padding adds nothing).
"""

from __future__ import annotations

import torch
from torch import nn

from depthlab.features.spec import InputSpec
from depthlab.models.base import DepthModel, FamilyConfig, register_model
from depthlab.models.tabular import TableInputs
from depthlab.models.text import PAD


class LinearConfig(FamilyConfig):
    """A linear model has no hyperparameters of its own (no depth to choose)."""


@register_model
class Linear(DepthModel):
    family = "linear"
    fits = ("vector", "sequence", "image", "tokens")
    Config = LinearConfig
    presets = {"shallow": {}, "deep": {}}

    def __init__(self, spec: InputSpec, config: LinearConfig) -> None:
        super().__init__(spec, config)
        self.words: nn.EmbeddingBag | None = None
        self.table: TableInputs | None = None
        if spec.kind == "tokens":
            # Zeros, like a logistic regression's start: a random start is noise to unlearn.
            self.words = nn.EmbeddingBag(
                spec.vocab_size, spec.n_outputs, mode="sum", padding_idx=PAD
            )
            nn.init.zeros_(self.words.weight)
            self.bias = nn.Parameter(torch.zeros(spec.n_outputs))
        else:
            if spec.cardinalities:  # many-level categorical columns
                self.table = TableInputs(spec)
            width = self.table.out_features if self.table is not None else spec.flat_size
            self.head = nn.Linear(width, spec.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.words is not None:
            return self.words(x.long()) + self.bias  # (B, L) ids -> (B, K)
        if self.table is not None:  # many-level categories embedded
            return self.head(self.table(x))  # (B, F) -> (B, K)
        return self.head(x.flatten(1))  # (B, ...) -> (B, F) -> (B, K)
