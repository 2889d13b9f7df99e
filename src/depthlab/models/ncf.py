"""``ncf``: neural collaborative filtering, the deep model of recommendation (He et al., WWW
2017): an MLP over the concatenated user and item embeddings learns the interaction function
instead of fixing it to a dot product. ``fusion_dim > 0`` fuses it with a dot-product branch of
that many factors, as NeuMF does.

``r(u, i) = mu + b_u + b_i + h . MLP([p_u; q_i]) + g_u . g_i``. For explicit ratings the global
mean and the two biases stay outside the network, as in matrix factorisation, and the fused
branch is summed with weights fixed at one rather than NeuMF's learned ones: with learned
weights the head scales the products up past the per-rating penalty and overfits
(bench/README.md). So the deep model is matrix factorisation plus an MLP, and the two differ
only in what the MLP adds. A pair with an unknown user or item (index 0) gets no interaction
term: it is predicted as ``mu + b_u + b_i``, the baseline's answer.

Hidden layers: the embedding layer, then each MLP layer (the last one reported with the
dot-product branch's products beside it).

Example:
    >>> from depthlab.models.base import build_model
    >>> spec = InputSpec("pairs", (2,), 1, "regression", cardinalities=(944, 1683))
    >>> model = build_model("ncf", spec, "deep")
    >>> model(torch.tensor([[196, 242], [0, 242]])).shape, model.depth()
    (torch.Size([2, 1]), 4)
"""

from __future__ import annotations

import itertools

import torch
from pydantic import Field, PositiveInt
from torch import nn

from depthlab.features.spec import InputSpec
from depthlab.models.base import DepthModel, FamilyConfig, Sized, register_model
from depthlab.models.layers import Activation, Norm, activation, norm_1d
from depthlab.models.mf import check_pairs, embedding
from depthlab.models.ratings import (
    Penalties,
    mlp_shrink,
    penalised,
    sized_penalties,
    sized_schedule,
)


class NCFConfig(FamilyConfig):
    """``dim`` embedding units per side feed an MLP of ``hidden_sizes``; ``fusion_dim`` factors
    of a dot-product branch (0: the MLP alone). ``reg``: as in ``mf``, on every embedding."""

    dim: PositiveInt = 32
    hidden_sizes: tuple[PositiveInt, ...] = Field((64, 32, 16), min_length=1, max_length=16)
    fusion_dim: int = Field(0, ge=0)
    activation: Activation = "relu"
    norm: Norm = "none"
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    reg: float = Field(0.1, ge=0.0, description="per-rating L2 penalty of the embeddings")
    reg_bias: float = Field(0.01, ge=0.0, description="L2 penalty of the biases, per id")
    spread: float = Field(
        0.5, ge=0.0, le=1.0, description="share of the embeddings' penalty per id, not per rating"
    )
    biases: bool = True
    init_std: float = Field(0.05, gt=0.0, le=1.0)


def mlp_layer(n_in: int, n_out: int, config: NCFConfig) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(n_in, n_out),
        norm_1d(config.norm, n_out),
        activation(config.activation),
        nn.Dropout(config.dropout),
    )


@register_model
class NCF(DepthModel):
    family = "ncf"
    fits = ("pairs",)
    Config = NCFConfig
    presets = {
        "shallow": {"dim": 32, "hidden_sizes": (64,), "dropout": 0.3},
        "deep": {"dim": 64, "hidden_sizes": (128, 64, 32), "fusion_dim": 64, "dropout": 0.3},
    }
    # Tuned on the validation part of MovieLens 100K's first fold (bench/README.md): the MLP
    # overfits after a few epochs, so its schedule is shorter than MF's and its weights decay.
    train_presets = {
        preset: {
            "epochs": 6,
            "batch_size": 1024,
            "lr": 1e-2,
            "schedule": "cosine",
            "weight_decay": 0.1,
        }
        for preset in ("shallow", "deep")
    }

    def __init__(self, spec: InputSpec, config: NCFConfig) -> None:
        super().__init__(spec, config)
        n_users, n_items = check_pairs(spec, self.family)
        std, fusion = config.init_std, config.fusion_dim
        self.users = embedding(n_users, config.dim, std)
        self.items = embedding(n_items, config.dim, std)
        sizes = (2 * config.dim, *config.hidden_sizes)
        self.tower = nn.ModuleList(mlp_layer(a, b, config) for a, b in itertools.pairwise(sizes))
        self.head = nn.Linear(sizes[-1], 1, bias=False)  # the mean is a parameter of its own
        self.gmf_users = embedding(n_users, fusion, std) if fusion else None
        self.gmf_items = embedding(n_items, fusion, std) if fusion else None
        self.user_bias = embedding(n_users, 1, std) if config.biases else None
        self.item_bias = embedding(n_items, 1, std) if config.biases else None
        self.mean = nn.Parameter(torch.zeros(1))
        self.penalties = Penalties(n_users, n_items, config.reg, config.reg_bias, config.spread)

    @classmethod
    def sized(cls, preset: str, spec: InputSpec | None = None, n_train: int | None = None) -> Sized:
        """As :meth:`MF.sized <depthlab.models.mf.MF.sized>`: penalties and schedule sized to
        *n_train* ratings of *spec*'s users and items; and with fewer ratings per id than
        MovieLens 100K's, a narrower MLP with more dropout (it overfits sparse tables within a
        few epochs, before the dot-product branch has learnt anything; bench/README.md)."""
        base = super().sized(preset, spec, n_train)
        options = {**base.options, **sized_penalties(spec, n_train)}
        shrink = mlp_shrink(spec, n_train)
        if shrink < 1.0:
            config = cls.Config(**base.options)
            options["hidden_sizes"] = tuple(max(4, round(h * shrink)) for h in config.hidden_sizes)
            options["dropout"] = min(0.5, config.dropout + 0.25 * (1.0 - shrink))
        return Sized(options, {**base.train, **sized_schedule(n_train)})

    def _forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The rating ``(B, 1)`` and every hidden layer's output."""
        users, items = x[:, 0].long(), x[:, 1].long()  # (B,), (B,)
        reg = self.penalties(users, items)  # per row of the batch while training, else 0
        p, q = penalised(self.users(users), reg["user"]), penalised(self.items(items), reg["item"])
        h = torch.cat([p, q], dim=1)  # (B, 2D)
        layers = [h]
        for layer in self.tower:
            h = layer(h)  # (B, H)
            layers.append(h)
        interaction = self.head(h)  # (B, 1)
        if self.gmf_users is not None and self.gmf_items is not None:
            g_user = penalised(self.gmf_users(users), reg["user"])  # (B, G)
            g_item = penalised(self.gmf_items(items), reg["item"])  # (B, G)
            dot = g_user.unsqueeze(1) @ g_item.unsqueeze(2)  # (B, 1, 1), a counted matmul
            interaction = interaction + dot.squeeze(2)
            products = g_user * g_item  # (B, G): what the dot product sums, for the probes
            layers[0] = torch.cat([layers[0], g_user, g_item], dim=1)  # (B, 2D + 2G)
            layers[-1] = torch.cat([h, products], dim=1)  # (B, H + G)
        known = ((users > 0) & (items > 0)).unsqueeze(1)  # (B, 1): no interaction for new ids
        out = interaction * known + self.mean
        if self.user_bias is not None and self.item_bias is not None:
            b_user = penalised(self.user_bias(users), reg["user_bias"])  # (B, 1)
            out = out + b_user + penalised(self.item_bias(items), reg["item_bias"])
        return out, layers

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._forward(x)[0]  # (B, 1)

    def depth(self) -> int:
        return 1 + len(self.tower)

    def representations(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self._forward(x)[1]
