"""``cnn``: convolutions over sequences (1D) or images (2D), then global pooling and a linear head.

Each block is conv -> norm -> activation, and a stage of ``pool_every`` blocks ends in pooling
(halving the length or the height and width while they stay at least 4), so deeper networks see
wider context.

The deep preset is sized to the input (:meth:`CNN.sized`): an input of more than
:data:`HEAD_POSITIONS` positions is pooled in stages of two blocks until it has no more, then
through one stage more, the channels doubling from stage to stage (16, 32, 64...), a plain
VGG-style stack (28 x 28 images: 28 -> 14 -> 7 -> 3); a shorter input keeps its full resolution
(four 64-channel blocks, MNIST-1D's measured best). The shallow preset is one stage: a block and
its pooling.

On token inputs the convolutions run along the text over its word embeddings ``(B, E, L)``;
padding positions are zeroed after every stage and left out of the pooling.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, Literal

import torch
from pydantic import Field, PositiveInt
from torch import nn

from depthlab.features.spec import InputSpec
from depthlab.models.base import DepthModel, FamilyConfig, Sized, register_model
from depthlab.models.layers import Activation, Norm, activation, norm_channels
from depthlab.models.text import TokenEmbedding, masked_pool

# The deep preset pools an input in stages until its last stage sees no more positions than
# this (8 x 8 pixels, 64 steps): a 40-step MNIST-1D sequence and 8 x 8 digits stay at full
# resolution, 28 x 28 images are pooled twice (7 x 7), then once more after the last stage.
HEAD_POSITIONS = 64
STAGE_WIDTH = 16  # channels of the first stage; each further stage doubles them
MAX_WIDTH = 256
STAGE_BLOCKS = 2  # conv blocks per stage
# On fewer training examples than this the sized deep CNN trains in batches of SMALL_BATCH (the
# default is 128): on 2,100 Fashion-MNIST images (28 x 28) a (32, 32, 64, 64) stack stopped after
# 48 epochs instead of 63, at 0.864 test accuracy against 0.862 (bench/README.md, "unseen image
# folder"); more steps per epoch, fewer epochs.
SMALL_DATA = 4096
SMALL_BATCH = 32


def halvings(sizes: tuple[int, ...]) -> int:
    """How many times pooling by 2 halves *sizes* (a length, or a height and width) until they
    hold at most :data:`HEAD_POSITIONS` positions; pooling stops below a side of 4, as in
    :class:`CNN`."""
    count = 0
    while math.prod(sizes) > HEAD_POSITIONS and min(sizes) >= 4:
        sizes = tuple(size // 2 for size in sizes)
        count += 1
    return count


def staged(halved: int) -> dict[str, Any]:
    """The deep preset's layout for an input *halved* (>= 1) times to reach its small size:
    that many stages, then one at the small size, each of two blocks and its pooling."""
    widths = [min(MAX_WIDTH, STAGE_WIDTH * 2**i) for i in range(halved + 1)]
    return {
        "channels": tuple(width for width in widths for _ in range(STAGE_BLOCKS)),
        "pool": "max",
        "pool_every": STAGE_BLOCKS,
    }


class CNNConfig(FamilyConfig):
    """Channels per convolutional layer (the depth is their count), kernel, pooling and head."""

    channels: tuple[PositiveInt, ...] = Field((32,), min_length=1, max_length=32)
    kernel_size: PositiveInt = 5
    pool: Literal["max", "avg", "none"] = "max"
    pool_every: PositiveInt = Field(
        1, description="convolutions per stage: pooling follows every pool_every-th one"
    )
    norm: Norm = "batch"
    activation: Activation = "relu"
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    head: Literal["avg", "max"] = "avg"
    embedding_dim: PositiveInt = Field(64, description="word vector size (token inputs)")


@register_model
class CNN(DepthModel):
    family = "cnn"
    fits = ("sequence", "image", "tokens")
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

    @classmethod
    def sized(cls, preset: str, spec: InputSpec | None = None, n_train: int | None = None) -> Sized:
        """The deep preset downsampled in stages for inputs of many positions (see the module's
        docstring); token inputs (their pipeline sets the text CNN), short inputs and the
        shallow preset (one stage) as written.

        Example:
            >>> spec = InputSpec("image", (1, 28, 28), n_outputs=10, task="classification")
            >>> CNN.sized("deep", spec).options["channels"]
            (16, 16, 32, 32, 64, 64)
        """
        written = super().sized(preset, spec, n_train)
        if spec is None or spec.kind == "tokens" or preset != "deep":
            return written
        halved = halvings(spec.shape[1:])
        if halved == 0:
            return written
        train = dict(written.train)
        if n_train is not None and n_train < SMALL_DATA:
            train["batch_size"] = SMALL_BATCH
        return Sized({**written.options, **staged(halved)}, train)

    def __init__(self, spec: InputSpec, config: CNNConfig) -> None:
        super().__init__(spec, config)
        self.words: TokenEmbedding | None = None
        shape = spec.shape
        if spec.kind == "tokens":  # (L,) ids -> (E, L) embeddings
            self.words = TokenEmbedding(spec.vocab_size, config.embedding_dim)
            shape = (config.embedding_dim, *spec.shape)
        dims = len(shape) - 1  # (C, L) -> 1, (C, H, W) -> 2
        conv = nn.Conv1d if dims == 1 else nn.Conv2d
        pools = {"max": (nn.MaxPool1d, nn.MaxPool2d), "avg": (nn.AvgPool1d, nn.AvgPool2d)}
        layers: list[nn.Module] = []
        n_in, sizes = shape[0], shape[1:]
        for i, n_out in enumerate(config.channels):
            layers += [
                conv(n_in, n_out, config.kernel_size, padding=config.kernel_size // 2),
                norm_channels(config.norm, n_out, dims),
                activation(config.activation),
            ]
            if config.pool != "none" and (i + 1) % config.pool_every == 0 and min(sizes) >= 4:
                layers.append(pools[config.pool][dims - 1](2))
                sizes = tuple(size // 2 for size in sizes)
            n_in = n_out
        self.features = nn.Sequential(*layers)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(n_in, spec.n_outputs)

    def stages(self, x: torch.Tensor) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        """Each convolutional stage's output (after activation and pooling), with the mask of
        real tokens ``(B, L')`` for token inputs (else None)."""
        mask = None
        if self.words is not None:
            emb, mask = self.words(x)  # (B, L, E), (B, L)
            x = emb.transpose(1, 2)  # (B, E, L)
        layers = list(self.features)
        for i, layer in enumerate(layers):
            x = layer(x)
            if mask is not None and isinstance(layer, nn.MaxPool1d | nn.AvgPool1d):
                # a pooled position is real if any position it pools is
                mask = nn.functional.max_pool1d(mask[:, None].float(), 2)[:, 0].bool()
            if i + 1 == len(layers) or isinstance(layers[i + 1], nn.Conv1d | nn.Conv2d):
                if mask is not None:
                    x = x * mask[:, None]  # padding stays zero, as at the borders
                yield x, mask

    def pooled(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """A stage's output pooled over every position (real tokens only), as the head reads."""
        how = "mean" if self.config.head == "avg" else "max"  # type: ignore[attr-defined]
        if mask is not None:
            return masked_pool(x, mask, how, dim=2)  # (B, C)
        x = x.flatten(2)  # (B, C, positions)
        return x.mean(dim=2) if how == "mean" else x.amax(dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        *_, (x, mask) = self.stages(x)  # (B, C, L') or (B, C, H', W')
        return self.head(self.drop(self.pooled(x, mask)))  # (B, K)

    def depth(self) -> int:
        return len(self.config.channels)  # type: ignore[attr-defined]

    def representations(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Each convolutional stage's output (after activation and pooling), pooled to at most
        8 positions (1D) or 4 x 4 (2D) and flattened; for a text, pooled over its tokens as the
        head pools them (a word's position says little across texts of different lengths)."""
        outputs = []
        for out, mask in self.stages(x):
            if mask is not None:
                pooled = self.pooled(out, mask)  # (B, C)
            elif out.dim() == 3:  # (B, C, L)
                pooled = nn.functional.adaptive_avg_pool1d(out, min(8, out.shape[2]))
            else:  # (B, C, H, W)
                pooled = nn.functional.adaptive_avg_pool2d(
                    out, (min(4, out.shape[2]), min(4, out.shape[3]))
                )
            outputs.append(pooled.flatten(1))
        return outputs
