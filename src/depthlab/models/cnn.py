"""``cnn``: convolutions over sequences (1D) or images (2D), then global pooling and a linear head.

Each block is conv -> norm -> activation -> pooling (halving the length or the height and width
while they stay at least 4), so deeper networks see wider context.
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field, PositiveInt
from torch import nn

from depthlab.models.base import DepthModel, FamilyConfig, register_model
from depthlab.models.layers import Activation, Norm, activation, norm_channels
from depthlab.models.spec import InputSpec


class CNNConfig(FamilyConfig):
    """Channels per convolutional layer (the depth is their count), kernel, pooling and head."""

    channels: tuple[PositiveInt, ...] = Field((32,), min_length=1, max_length=32)
    kernel_size: PositiveInt = 5
    pool: Literal["max", "avg", "none"] = "max"
    norm: Norm = "batch"
    activation: Activation = "relu"
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    head: Literal["avg", "max"] = "avg"


@register_model
class CNN(DepthModel):
    family = "cnn"
    fits = ("sequence", "image")
    Config = CNNConfig
    presets = {
        "shallow": {"channels": (32,), "kernel_size": 5},
        # Measured on MNIST-1D (bench/README.md): four 64-channel layers at full resolution
        # beat wider, pooled stacks (99.1% against 98.4% at best) for fewer FLOPs.
        "deep": {
            "channels": (64, 64, 64, 64),
            "kernel_size": 3,
            "activation": "gelu",
            "dropout": 0.1,
            "pool": "none",
        },
    }

    def __init__(self, spec: InputSpec, config: CNNConfig) -> None:
        super().__init__(spec, config)
        dims = len(spec.shape) - 1  # (C, L) -> 1, (C, H, W) -> 2
        conv = nn.Conv1d if dims == 1 else nn.Conv2d
        pools = {"max": (nn.MaxPool1d, nn.MaxPool2d), "avg": (nn.AvgPool1d, nn.AvgPool2d)}
        layers: list[nn.Module] = []
        n_in, size = spec.shape[0], min(spec.shape[1:])
        for n_out in config.channels:
            layers += [
                conv(n_in, n_out, config.kernel_size, padding=config.kernel_size // 2),
                norm_channels(config.norm, n_out, dims),
                activation(config.activation),
            ]
            if config.pool != "none" and size >= 4:
                layers.append(pools[config.pool][dims - 1](2))
                size //= 2
            n_in = n_out
        self.features = nn.Sequential(*layers)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(n_in, spec.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)  # (B, C, L') or (B, C, H', W')
        x = x.flatten(2)  # (B, C, positions)
        x = x.mean(dim=2) if self.config.head == "avg" else x.amax(dim=2)  # type: ignore[attr-defined]
        return self.head(self.drop(x))  # (B, K)

    def depth(self) -> int:
        return len(self.config.channels)  # type: ignore[attr-defined]

    def representations(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Each convolutional stage's output (after activation and pooling), pooled to at most
        8 positions (1D) or 4 x 4 (2D) and flattened."""
        outputs = []
        stages = list(self.features)
        for i, layer in enumerate(stages):
            x = layer(x)
            if i + 1 == len(stages) or isinstance(stages[i + 1], (nn.Conv1d, nn.Conv2d)):
                if x.dim() == 3:  # (B, C, L)
                    pooled = nn.functional.adaptive_avg_pool1d(x, min(8, x.shape[2]))
                else:  # (B, C, H, W)
                    pooled = nn.functional.adaptive_avg_pool2d(
                        x, (min(4, x.shape[2]), min(4, x.shape[3]))
                    )
                outputs.append(pooled.flatten(1))
        return outputs
