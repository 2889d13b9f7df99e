"""``mlp``: a feedforward network on flattened inputs, from one hidden layer to many.

On token inputs the input is the mean of the text's word embeddings (padding left out).

:meth:`MLP.sized` fits the presets to the data: the presets are written for a few thousand
training examples (MNIST-1D's 3,250); on fewer, batches shrink (an epoch keeps about 16 steps),
the learning rate with them, the layers narrow and dropout (at most 0.1 for regression) and
weight decay grow, and under a thousand the deep preset's residual blocks start as the identity
(``identity_init``: their normalisation's scale at zero, Goyal et al. 2017), so that it starts
as a one-layer network.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, ClassVar

import torch
from pydantic import Field, PositiveInt, model_validator
from torch import nn

from depthlab.features.spec import InputKind, InputSpec
from depthlab.models.base import DepthModel, FamilyConfig, Sized, register_model
from depthlab.models.layers import Activation, Norm, activation, norm_1d
from depthlab.models.tabular import TableInputs
from depthlab.models.text import TokenEmbedding, masked_pool

# The presets as written suit REFERENCE_N training examples or more; regularisation grows as the
# logarithm of the shortfall and is strongest at SMALL_N or fewer.
REFERENCE_N = 3000
SMALL_N = 300
MIN_BATCH, MAX_BATCH = 16, 128  # AdamW's preset rate is for MAX_BATCH
STEPS_PER_EPOCH = 16
MIN_WIDTH, MAX_WIDTH = 64, 1024
# The first layer's weights at most (about 4 million): a 3 x 128 x 128 image gets 64 units, not
# the 1,024 that would make a 50-million-parameter shallow MLP.
FIRST_LAYER_WEIGHTS = 4_194_304
UNITS_PER_ROOT_EXAMPLE = 16.0  # the shallow width: 16 sqrt(n), 1,024 at 3,250 examples
# At the smallest data: dropout raised by these, weight decay multiplied by 1 + MORE_DECAY.
MORE_DROPOUT = {"shallow": 0.1, "deep": 0.2}
MORE_DECAY = 1.0
# Dropout on the last hidden layer is noise added to a regression's prediction itself (an
# argmax shrugs it off): 0.4 cost the shallow MLP 0.015 R^2 on 277 rows (bench/README.md).
REGRESSION_MAX_DROPOUT = 0.1
# Under this many examples the deep preset starts as a one-layer network (on MNIST-1D's 3,250
# it would stay one: 60% against 75%, bench/README.md).
IDENTITY_BELOW = 1000
DEFAULT_DECAY = 0.01  # TrainConfig's


def _power_of_two(x: float) -> int:
    return int(2 ** round(math.log2(max(x, 1.0))))


def shortfall(n_train: int) -> float:
    """How far below the presets' data *n_train* is: 0 at :data:`REFERENCE_N` examples or more,
    1 at :data:`SMALL_N` or fewer, log-linear in between."""
    ratio = math.log(REFERENCE_N / max(n_train, 1)) / math.log(REFERENCE_N / SMALL_N)
    return min(1.0, max(0.0, ratio))


def batch_for(n_train: int) -> int:
    """About :data:`STEPS_PER_EPOCH` steps an epoch, a power of two in [16, 128]."""
    return min(MAX_BATCH, max(MIN_BATCH, _power_of_two(n_train / STEPS_PER_EPOCH)))


def lr_for(batch_size: int, lr: float = 3e-3) -> float:
    """AdamW's rate *lr* at :data:`MAX_BATCH`, scaled by the square root of the batch (the
    gradient noise grows as the batch shrinks)."""
    return lr * math.sqrt(batch_size / MAX_BATCH)


def width_for(preset: str, n_train: int, n_features: int) -> int:
    """Hidden units: ``16 sqrt(n)`` and at least twice the inputs, a power of two in
    [64, 1024]; the deep preset's layers half that (1,024 and 512 at MNIST-1D's size)."""
    units = max(UNITS_PER_ROOT_EXAMPLE * math.sqrt(n_train), 2.0 * n_features)
    width = min(MAX_WIDTH, max(MIN_WIDTH, _power_of_two(units)))
    return max(MIN_WIDTH, width // 2) if preset == "deep" else width


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
    identity_init: bool = Field(
        False,
        description="residual blocks start as the identity (their norm's scale at zero): a "
        "deep network starts as a shallow one (small tables)",
    )

    @model_validator(mode="after")
    def _sizes(self) -> MLPConfig:
        if self.hidden_sizes is not None and len(self.hidden_sizes) > 64:
            raise ValueError("at most 64 hidden layers")
        return self

    def sizes(self) -> tuple[int, ...]:
        return self.hidden_sizes if self.hidden_sizes is not None else (self.width,) * self.depth


_SCALED_NORMS = (nn.BatchNorm1d, nn.LayerNorm)


class Block(nn.Module):
    """Linear -> norm -> activation -> dropout; a skip connection when asked and sizes match."""

    def __init__(self, n_in: int, n_out: int, config: MLPConfig) -> None:
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        self.norm = norm_1d(config.norm, n_out)
        self.act = activation(config.activation)
        self.drop = nn.Dropout(config.dropout)
        self.residual = config.residual and n_in == n_out
        if config.identity_init and self.residual and isinstance(self.norm, _SCALED_NORMS):
            nn.init.zeros_(self.norm.weight)  # the block starts as the identity

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

    @classmethod
    def sized(cls, preset: str, spec: InputSpec | None = None, n_train: int | None = None) -> Sized:
        """The preset fitted to *n_train* examples of *spec*'s inputs (:func:`batch_for`,
        :func:`lr_for`, :func:`width_for`, :func:`shortfall`); as written for token inputs
        (their own pipeline's defaults) and forecasting windows, or without *n_train*.

        Example:
            >>> spec = InputSpec("vector", (10,), n_outputs=3, task="classification")
            >>> sized = MLP.sized("shallow", spec, n_train=240)
            >>> sized.options["width"], sized.options["dropout"], sized.train["batch_size"]
            (256, 0.4, 16)
        """
        base = super().sized(preset, spec, n_train)
        if spec is not None and spec.kind != "tokens":  # large inputs: a bounded first layer
            cap = max(MIN_WIDTH, 2 ** int(math.log2(FIRST_LAYER_WEIGHTS / spec.flat_size)))
            width = min(base.options.get("width", MLPConfig.model_fields["width"].default), cap)
            base = Sized({**base.options, "width": width}, base.train)
        if spec is None or n_train is None or spec.kind == "tokens" or spec.task == "forecasting":
            return base
        short = shortfall(n_train)
        batch = batch_for(n_train)
        decay = base.train.get("weight_decay", DEFAULT_DECAY) * (1.0 + MORE_DECAY * short)
        dropout = base.options.get("dropout", 0.0) + MORE_DROPOUT[preset] * short
        if spec.task == "regression":
            dropout = min(dropout, REGRESSION_MAX_DROPOUT)
        options: dict[str, Any] = {
            **base.options,
            "width": min(width_for(preset, n_train, spec.flat_size), base.options["width"]),
            "dropout": round(dropout, 3),
        }
        if n_train < IDENTITY_BELOW and options.get("residual"):
            options["identity_init"] = True
        train = {**base.train, "batch_size": batch, "lr": lr_for(batch), "weight_decay": decay}
        return Sized(options, train)

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
