"""``mf``: matrix factorisation, the shallow model of recommendation (Koren, Bell & Volinsky
2009): a rating is the global mean, plus a user bias and an item bias, plus the dot product of a
user's and an item's learned factors.

``r(u, i) = mu + b_u + b_i + p_u . q_i``. One hidden layer: the embedding layer that looks up
``p_u`` and ``q_i``; the output is their fixed dot product.

``reg`` is the per-rating L2 penalty of Koren's objective, ``reg * (|p_u|^2 + |q_i|^2)`` for
every rating in a batch, half of it (``spread``) shared out per id so that a rarely rated id is
held back as much as a common one; the biases get ``reg_bias`` wholly per id, the prior of the
biases-only baseline (:mod:`depthlab.models.ratings`). Penalties are gradient terms on the
looked-up rows, so the training loop stays the plain one. The presets are sized to the ratings
per user and per item of the training part (:meth:`MF.sized`): the sparser the table, the
stronger the penalties; without them, the values tuned on MovieLens 100K.

Index 0 is an unknown user or item (see :mod:`depthlab.features.pairs`): its factors and bias
are zero and stay zero, so a pair with a new user is predicted as ``mu + b_i``, the biases-only
baseline's answer.

Example:
    >>> from depthlab.models.base import build_model
    >>> spec = InputSpec("pairs", (2,), 1, "regression", cardinalities=(944, 1683))
    >>> model = build_model("mf", spec, "shallow")
    >>> model(torch.tensor([[196, 242], [0, 242]])).shape, model.depth()
    (torch.Size([2, 1]), 1)
"""

from __future__ import annotations

import torch
from pydantic import Field, PositiveInt
from torch import nn

from depthlab.errors import ConfigError
from depthlab.features.spec import InputSpec
from depthlab.models.base import DepthModel, FamilyConfig, Sized, register_model
from depthlab.models.ratings import Penalties, penalised, sized_penalties, sized_schedule

__all__ = ["MF", "MFConfig", "check_pairs", "embedding", "penalised"]


class MFConfig(FamilyConfig):
    """``dim`` factors per user and item; ``dropout`` on the factors while training."""

    dim: PositiveInt = 64
    reg: float = Field(0.1, ge=0.0, description="per-rating L2 penalty of the factors")
    reg_bias: float = Field(0.01, ge=0.0, description="L2 penalty of the biases, per id")
    spread: float = Field(
        0.5, ge=0.0, le=1.0, description="share of the factors' penalty per id, not per rating"
    )
    biases: bool = True
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    init_std: float = Field(0.05, gt=0.0, le=1.0)


def embedding(count: int, dim: int, std: float) -> nn.Embedding:
    """A table of *count* rows, row 0 (the unknown id) zero for good: no gradient reaches it."""
    table = nn.Embedding(count, dim, padding_idx=0)
    nn.init.normal_(table.weight, std=std)
    with torch.no_grad():
        table.weight[0].zero_()
    return table


def check_pairs(spec: InputSpec, family: str) -> tuple[int, int]:
    """The number of user and item indices of a pairs *spec*; ratings are one number."""
    if spec.task == "classification" or spec.n_outputs != 1:
        raise ConfigError(
            f"model '{family}' predicts one rating per (user, item) pair (regression); "
            f"it cannot do {spec.task} with {spec.n_outputs} outputs"
        )
    if len(spec.cardinalities) != 2:
        raise ConfigError(f"model '{family}' needs the number of users and items of its pairs")
    users, items = spec.cardinalities
    return users, items


@register_model
class MF(DepthModel):
    family = "mf"
    fits = ("pairs",)
    Config = MFConfig
    presets = {
        "shallow": {"dim": 64},
        "deep": {"dim": 128},  # a wider factorisation: still one layer, a dot product on top
    }
    # Tuned on the validation part of MovieLens 100K's first fold (bench/README.md): Adam at a
    # high rate, annealed within a few epochs; the per-rating penalty does the regularising.
    train_presets = {
        preset: {
            "epochs": 10,
            "batch_size": 1024,
            "lr": 1e-2,
            "schedule": "cosine",
            "weight_decay": 0.0,
        }
        for preset in ("shallow", "deep")
    }

    def __init__(self, spec: InputSpec, config: MFConfig) -> None:
        super().__init__(spec, config)
        n_users, n_items = check_pairs(spec, self.family)
        self.users = embedding(n_users, config.dim, config.init_std)
        self.items = embedding(n_items, config.dim, config.init_std)
        self.user_bias = embedding(n_users, 1, config.init_std) if config.biases else None
        self.item_bias = embedding(n_items, 1, config.init_std) if config.biases else None
        self.mean = nn.Parameter(torch.zeros(1))
        self.drop = nn.Dropout(config.dropout)
        self.penalties = Penalties(n_users, n_items, config.reg, config.reg_bias, config.spread)

    @classmethod
    def sized(cls, preset: str, spec: InputSpec | None = None, n_train: int | None = None) -> Sized:
        """The preset with its penalties and schedule sized to *n_train* ratings of *spec*'s
        users and items (:mod:`depthlab.models.ratings`); as written without them."""
        base = super().sized(preset, spec, n_train)
        options = {**base.options, **sized_penalties(spec, n_train)}
        return Sized(options, {**base.train, **sized_schedule(n_train)})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        users, items = x[:, 0].long(), x[:, 1].long()  # (B,), (B,)
        reg = self.penalties(users, items)  # per row of the batch while training, else 0
        p = self.drop(penalised(self.users(users), reg["user"])).unsqueeze(1)  # (B, 1, D)
        q = self.drop(penalised(self.items(items), reg["item"])).unsqueeze(2)  # (B, D, 1)
        out = (p @ q).squeeze(2) + self.mean  # (B, 1); a batched matmul, so FLOPs are counted
        if self.user_bias is not None and self.item_bias is not None:
            b_user = penalised(self.user_bias(users), reg["user_bias"])  # (B, 1)
            out = out + b_user + penalised(self.item_bias(items), reg["item_bias"])
        return out

    def depth(self) -> int:
        return 1

    def representations(self, x: torch.Tensor) -> list[torch.Tensor]:
        users, items = x[:, 0].long(), x[:, 1].long()
        return [torch.cat([self.users(users), self.items(items)], dim=1)]  # (B, 2D)
