"""``mlp``: a feedforward network on flattened inputs, from one hidden layer to many.

On token inputs the input is the mean of the text's word embeddings (padding left out).
"""

from __future__ import annotations

import itertools
from typing import ClassVar

import torch
from pydantic import Field, PositiveInt, model_validator
from torch import nn

from depthlab.features.spec import InputKind, InputSpec
from depthlab.models.base import DepthModel, FamilyConfig, register_model
from depthlab.models.layers import Activation, Norm, activation, norm_1d
from depthlab.models.tabular import TableInputs
from depthlab.models.text import TokenEmbedding, masked_pool


class MLPConfig(FamilyConfig):
    """Hidden sizes given outright, or as ``depth`` layers of ``width`` units."""

    hidden_sizes: tuple[PositiveInt, ...] | None = None
    depth: int = Field(1, ge=0, le=64)
    width: PositiveInt = 256
    activation: Activation = "relu"
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    norm: Norm = "none"
    residual: bool = False
    embedding_dim: PositiveInt = Field(64, description="word vector size (token inputs)")

    @model_validator(mode="after")
    def _sizes(self) -> MLPConfig:
        if self.hidden_sizes is not None and len(self.hidden_sizes) > 64:
            raise ValueError("at most 64 hidden layers")
        return self

    def sizes(self) -> tuple[int, ...]:
        return self.hidden_sizes if self.hidden_sizes is not None else (self.width,) * self.depth


class Block(nn.Module):
    """Linear -> norm -> activation -> dropout; a skip connection when asked and sizes match."""

    def __init__(self, n_in: int, n_out: int, config: MLPConfig) -> None:
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        self.norm = norm_1d(config.norm, n_out)
        self.act = activation(config.activation)
        self.drop = nn.Dropout(config.dropout)
        self.residual = config.residual and n_in == n_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, n_in) -> (B, n_out)
        out = self.drop(self.act(self.norm(self.linear(x))))
        return x + out if self.residual else out


@register_model
class MLP(DepthModel):
    family = "mlp"
    # Declared, not inferred: the encoder head (models/encoder.py) narrows it to vectors.
    fits: ClassVar[tuple[InputKind, ...]] = ("vector", "sequence", "image", "tokens")
    Config = MLPConfig
    presets = {
        "shallow": {"depth": 1, "width": 1024, "activation": "gelu", "dropout": 0.3},
        "deep": {
            "depth": 4,
            "width": 512,
            "activation": "gelu",
            "norm": "batch",
            "dropout": 0.1,
            "residual": True,
        },
    }
    # MNIST-1D (bench/README.md): batch norm, weight decay 0.1 and 50 epochs, 75% against 74%.
    train_presets = {"deep": {"weight_decay": 0.1, "epochs": 50}}

    def __init__(self, spec: InputSpec, config: MLPConfig) -> None:
        super().__init__(spec, config)
        self.words: TokenEmbedding | None = None
        n_in = spec.flat_size
        self.table: TableInputs | None = None
        if spec.cardinalities:  # many-level categorical columns
            self.table = TableInputs(spec)
            n_in = self.table.out_features
        if spec.kind == "tokens":
            self.words = TokenEmbedding(spec.vocab_size, config.embedding_dim)
            n_in = config.embedding_dim
        sizes = (n_in, *config.sizes())
        self.hidden = nn.ModuleList(Block(a, b, config) for a, b in itertools.pairwise(sizes))
        self.head = nn.Linear(sizes[-1], spec.n_outputs)

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        """The first layer's input: flattened features, or a text's mean word vector."""
        if self.table is not None:
            return self.table(x)  # (B, F) with embedded categories
        if self.words is None:
            return x.flatten(1)  # (B, F)
        emb, mask = self.words(x)  # (B, L, E), (B, L)
        return masked_pool(emb, mask, "mean", dim=1)  # (B, E)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.inputs(x)  # (B, F)
        for block in self.hidden:
            x = block(x)  # (B, H)
        return self.head(x)  # (B, K)

    def depth(self) -> int:
        return len(self.hidden)

    def representations(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        x = self.inputs(x)  # (B, F)
        for block in self.hidden:
            x = block(x)  # (B, H)
            outputs.append(x)
        return outputs
