"""Small building blocks shared by the model families, resolved from string ids."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from depthlab.errors import ConfigError

Activation = Literal["relu", "gelu", "tanh", "silu"]
Norm = Literal["none", "batch", "layer"]

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "silu": nn.SiLU,
}


def activation(name: str) -> nn.Module:
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ConfigError(f"unknown activation '{name}'; choose from {list(ACTIVATIONS)}") from None


def norm_1d(kind: str, features: int) -> nn.Module:
    """Normalisation over features of a (B, F) or channels of a (B, C, L) tensor."""
    if kind == "batch":
        return nn.BatchNorm1d(features)
    if kind == "layer":
        return nn.LayerNorm(features)
    return nn.Identity()


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channel axis of (B, C, ...) tensors."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.movedim(1, -1)).movedim(-1, 1)


def norm_channels(kind: str, channels: int, dims: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm1d(channels) if dims == 1 else nn.BatchNorm2d(channels)
    if kind == "layer":
        return ChannelLayerNorm(channels)
    return nn.Identity()
