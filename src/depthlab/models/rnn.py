"""``rnn``: an LSTM or GRU reading a sequence step by step, pooled into one vector for the head.

A ``(C, L)`` sequence is read as L steps of C features.
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field, PositiveInt
from torch import nn

from depthlab.models.base import DepthModel, FamilyConfig, register_model
from depthlab.models.spec import InputSpec


class RNNConfig(FamilyConfig):
    cell: Literal["gru", "lstm"] = "gru"
    hidden_size: PositiveInt = 64
    num_layers: PositiveInt = Field(1, le=16)
    bidirectional: bool = False
    pooling: Literal["last", "mean", "max"] = "last"
    dropout: float = Field(0.0, ge=0.0, lt=1.0)


@register_model
class RNN(DepthModel):
    family = "rnn"
    fits = ("sequence",)
    Config = RNNConfig
    presets = {
        "shallow": {"cell": "gru", "hidden_size": 64, "num_layers": 1, "pooling": "max"},
        "deep": {
            "cell": "gru",
            "hidden_size": 64,
            "num_layers": 2,
            "bidirectional": True,
            "pooling": "max",
            "dropout": 0.1,
        },
    }
    # Recurrent nets want a larger step than TrainConfig's default (MNIST-1D: 98% against 96%).
    train_presets = {"shallow": {"lr": 0.01}, "deep": {"lr": 0.01, "epochs": 20}}

    def __init__(self, spec: InputSpec, config: RNNConfig) -> None:
        super().__init__(spec, config)
        cell = nn.GRU if config.cell == "gru" else nn.LSTM
        self.rnn = cell(
            input_size=spec.shape[0],
            hidden_size=config.hidden_size,
            num_layers=config.num_layers,
            batch_first=True,
            bidirectional=config.bidirectional,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        directions = 2 if config.bidirectional else 1
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size * directions, spec.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps, state = self.rnn(x.transpose(1, 2))  # (B, C, L) -> (B, L, C) -> (B, L, D*H)
        pooling = self.config.pooling  # type: ignore[attr-defined]
        if pooling == "mean":
            pooled = steps.mean(dim=1)
        elif pooling == "max":
            pooled = steps.amax(dim=1)
        else:  # the last layer's final state, both directions: (D, B, H) -> (B, D*H)
            h_n = state[0] if isinstance(state, tuple) else state
            directions = 2 if self.config.bidirectional else 1  # type: ignore[attr-defined]
            pooled = h_n[-directions:].transpose(0, 1).flatten(1)
        return self.head(self.drop(pooled))  # (B, K)

    def depth(self) -> int:
        return int(self.config.num_layers)  # type: ignore[attr-defined]

    def representations(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Each recurrent layer's outputs, pooled over time as the head pools them; a stacked
        cell hides its inner layers, so each is run alone with that layer's weights."""
        import re

        config = self.config
        cell = nn.GRU if config.cell == "gru" else nn.LSTM  # type: ignore[attr-defined]
        steps = x.transpose(1, 2)  # (B, L, C)
        outputs = []
        for layer in range(self.depth()):
            single = cell(
                input_size=steps.shape[-1],
                hidden_size=config.hidden_size,  # type: ignore[attr-defined]
                batch_first=True,
                bidirectional=config.bidirectional,  # type: ignore[attr-defined]
            ).to(x.device)
            own = re.compile(rf"_l{layer}(_reverse)?$")
            weights = {
                re.sub(rf"_l{layer}", "_l0", k): v
                for k, v in self.rnn.state_dict().items()
                if own.search(k)
            }
            single.load_state_dict(weights)
            steps, _ = single(steps)  # (B, L, D*H)
            pooling = config.pooling  # type: ignore[attr-defined]
            if pooling == "max":
                outputs.append(steps.amax(dim=1))
            elif pooling == "mean":
                outputs.append(steps.mean(dim=1))
            else:  # the state after the last step (forward) and after the first (backward)
                outputs.append(steps[:, -1])

        return outputs
