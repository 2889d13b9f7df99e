"""``ncf``: neural collaborative filtering, the deep model of recommendation (He et al., WWW
2017): an MLP over the concatenated user and item embeddings learns the interaction function
instead of fixing it to a dot product; ``fusion_dim > 0`` adds a dot-product branch (NeuMF's
generalised matrix factorisation) whose element-wise products join the MLP's output at the head.

``r(u, i) = mu + b_u + b_i + h . [MLP([p_u; q_i]); g_u * g_i]``. For explicit ratings the global
mean and the two biases are kept outside the network, as in matrix factorisation, so that both
models differ only in how they combine the embeddings. A pair with an unknown user or item
(index 0) gets no interaction term: it is predicted as ``mu + b_u + b_i``, the baseline's answer.
"""

from __future__ import annotations

import itertools

import torch
from pydantic import Field, PositiveInt
from torch import nn

from depthlab.models.base import DepthModel, FamilyConfig, register_model
from depthlab.models.layers import Activation, Norm, activation, norm_1d
from depthlab.models.mf import check_pairs, embedding, penalised
from depthlab.models.spec import InputSpec


class NCFConfig(FamilyConfig):
    """``dim`` embedding units per side feed an MLP of ``hidden_sizes``; ``fusion_dim`` factors
    of a dot-product branch (0: the MLP alone)."""

    dim: PositiveInt = 32
    hidden_sizes: tuple[PositiveInt, ...] = Field((64, 32, 16), min_length=1, max_length=16)
    fusion_dim: int = Field(0, ge=0)
    activation: Activation = "relu"
    norm: Norm = "none"
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    reg: float = Field(0.1, ge=0.0, description="per-rating L2 penalty of the embeddings")
    reg_bias: float = Field(0.01, ge=0.0, description="per-rating L2 penalty of the biases")
    biases: bool = True
    init_std: float = Field(0.05, gt=0.0, le=1.0)


@register_model
class NCF(DepthModel):
    family = "ncf"
    fits = ("pairs",)
    Config = NCFConfig
    presets = {
        "shallow": {"dim": 32, "hidden_sizes": (64,)},
        "deep": {"dim": 64, "hidden_sizes": (128, 64, 32), "fusion_dim": 64},
    }
    # Tuned on MovieLens 100K's validation part (bench/movielens.py, bench/README.md).
    train_presets = {
        "shallow": {"epochs": 40, "batch_size": 512, "lr": 3e-3, "weight_decay": 0.1},
        "deep": {"epochs": 40, "batch_size": 512, "lr": 3e-3, "weight_decay": 0.1},
    }

    def __init__(self, spec: InputSpec, config: NCFConfig) -> None:
        super().__init__(spec, config)
        n_users, n_items = check_pairs(spec, self.family)
        std = config.init_std
        self.users, self.items = embedding(n_users, config.dim, std), embedding(n_items, config.dim, std)
        sizes = (2 * config.dim, *config.hidden_sizes)
        self.tower = nn.ModuleList(
            nn.Sequential(
                nn.Linear(a, b),
                norm_1d(config.norm, b),
                activation(config.activation),
                nn.Dropout(config.dropout),
            )
            for a, b in itertools.pairwise(sizes)
        )
        fusion = config.fusion_dim
        self.gmf_users = embedding(n_users, fusion, std) if fusion else None
        self.gmf_items = embedding(n_items, fusion, std) if fusion else None
        self.head = nn.Linear(sizes[-1] + fusion, 1, bias=False)  # the mean is separate
        self.user_bias = embedding(n_users, 1, std) if config.biases else None
        self.item_bias = embedding(n_items, 1, std) if config.biases else None
        self.mean = nn.Parameter(torch.zeros(1))
        self.reg, self.reg_bias = config.reg, config.reg_bias

    def _lookup(self, table: nn.Embedding, ids: torch.Tensor, reg: float) -> torch.Tensor:
        return penalised(table(ids), reg if self.training else 0.0)

    def _layers(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every hidden layer's output: the embeddings, then each MLP layer (the last one with
        the dot-product branch's products beside it)."""
        users, items = x[:, 0].long(), x[:, 1].long()
        p, q = self._lookup(self.users, users, self.reg), self._lookup(self.items, items, self.reg)
        h = torch.cat([p, q], dim=1)  # (B, 2D)
        layers = [h]
        for block in self.tower:
            h = block(h)  # (B, H)
            layers.append(h)
        if self.gmf_users is not None and self.gmf_items is not None:
            g_user = self._lookup(self.gmf_users, users, self.reg)  # (B, G)
            g_item = self._lookup(self.gmf_items, items, self.reg)  # (B, G)
            products = g_user * g_item  # (B, G)
            layers[0] = torch.cat([layers[0], g_user, g_item], dim=1)
            layers[-1] = torch.cat([h, products], dim=1)  # (B, H + G)
        return layers

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        users, items = x[:, 0].long(), x[:, 1].long()
        known = ((users > 0) & (items > 0)).unsqueeze(1)  # (B, 1)
        out = self.head(self._layers(x)[-1]) * known + self.mean  # (B, 1)
        if self.user_bias is not None and self.item_bias is not None:
            b_user = self._lookup(self.user_bias, users, self.reg_bias)  # (B, 1)
            out = out + b_user + self._lookup(self.item_bias, items, self.reg_bias)
        return out

    def depth(self) -> int:
        return 1 + len(self.tower)

    def representations(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self._layers(x)
