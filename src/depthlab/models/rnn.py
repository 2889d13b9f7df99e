"""``rnn``: an LSTM or GRU reading a sequence step by step, pooled into one vector for the head.

A ``(C, L)`` sequence is read as L steps of C features; a text as its word embeddings, one per
step, packed so that the cell stops at the text's last real token (both directions start and end
on real tokens) and pooling leaves the padding out.
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from pydantic import Field, PositiveInt
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from depthlab.features.spec import InputSpec
from depthlab.models.base import DepthModel, FamilyConfig, register_model
from depthlab.models.text import TokenEmbedding, lengths, masked_pool


class RNNConfig(FamilyConfig):
    cell: Literal["gru", "lstm"] = "gru"
    hidden_size: PositiveInt = 64
    num_layers: PositiveInt = Field(1, le=16)
    bidirectional: bool = False
    pooling: Literal["last", "mean", "max"] = "last"
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    embedding_dim: PositiveInt = Field(64, description="word vector size (token inputs)")


@register_model
class RNN(DepthModel):
    family = "rnn"
    fits = ("sequence", "tokens")
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
        self.words: TokenEmbedding | None = None
        n_in = spec.shape[0]
        if spec.kind == "tokens":
            self.words = TokenEmbedding(spec.vocab_size, config.embedding_dim)
            n_in = config.embedding_dim
        cell = nn.GRU if config.cell == "gru" else nn.LSTM
        self.rnn = cell(
            input_size=n_in,
            hidden_size=config.hidden_size,
            num_layers=config.num_layers,
            batch_first=True,
            bidirectional=config.bidirectional,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        directions = 2 if config.bidirectional else 1
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size * directions, spec.n_outputs)

    def steps(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The steps ``(B, L, C)`` the cell reads, and the mask of real tokens ``(B, L)``."""
        if self.words is None:
            return x.transpose(1, 2), None  # (B, C, L) -> (B, L, C)
        return self.words(x)  # (B, L, E), (B, L)

    def run(
        self, cell: nn.Module, steps: torch.Tensor, mask: torch.Tensor | None
    ) -> tuple[torch.Tensor, Any]:
        """*cell*'s outputs ``(B, L, D*H)`` (zeros after a text's end) and final state."""
        if mask is None:
            return cell(steps)
        packed = pack_padded_sequence(steps, lengths(mask), batch_first=True, enforce_sorted=False)
        out, state = cell(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=steps.shape[1])
        return out, state

    def pool(self, out: torch.Tensor, state: Any, mask: torch.Tensor | None) -> torch.Tensor:
        """One vector ``(B, D*H)`` per example, pooled over time as ``pooling`` says."""
        pooling = self.config.pooling  # type: ignore[attr-defined]
        if pooling in ("mean", "max") and mask is not None:
            return masked_pool(out, mask, pooling, dim=1)
        if pooling == "mean":
            return out.mean(dim=1)
        if pooling == "max":
            return out.amax(dim=1)
        # the last layer's final state, both directions: (D, B, H) -> (B, D*H)
        h_n = state[0] if isinstance(state, tuple) else state
        directions = 2 if self.config.bidirectional else 1  # type: ignore[attr-defined]
        return h_n[-directions:].transpose(0, 1).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps, mask = self.steps(x)  # (B, L, C)
        out, state = self.run(self.rnn, steps, mask)  # (B, L, D*H)
        return self.head(self.drop(self.pool(out, state, mask)))  # (B, K)

    def depth(self) -> int:
        return int(self.config.num_layers)  # type: ignore[attr-defined]

    def representations(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Each recurrent layer's outputs, pooled over time as the head pools them; a stacked
        cell hides its inner layers, so each is run alone with that layer's weights."""
        import re

        config = self.config
        cell = nn.GRU if config.cell == "gru" else nn.LSTM  # type: ignore[attr-defined]
        steps, mask = self.steps(x)  # (B, L, C)
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
            steps, state = self.run(single, steps, mask)  # (B, L, D*H)
            outputs.append(self.pool(steps, state, mask))
        return outputs
