"""``gru`` / ``lstm``: a recurrent model fed back its output.

At step t the cell reads (y[t], u[t]) and the head predicts ``y[t + 1] = y[t] + s * head(h[t])``.
Teacher forcing reads the measured y; a free run warms the state up on the measured window, then
feeds back its own predictions. ``gru:shallow`` has one layer, ``gru:deep`` three.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from depthlab.errors import ConfigError
from depthlab.models.sysid.net import NetModel, SeqNet


class RecurrentNet(SeqNet):
    lag = 1

    def __init__(self, n_y: int, n_u: int, settings: dict[str, Any]) -> None:
        super().__init__(n_y)
        cell = nn.GRU if settings["cell"] == "gru" else nn.LSTM
        hidden = int(settings["hidden_size"])
        self.rnn = cell(n_y + n_u, hidden, int(settings["num_layers"]), batch_first=True)
        self.head = nn.Linear(hidden, n_y)

    def one_step(self, y: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(torch.cat([y[:, :-1], u[:, :-1]], dim=-1))  # (B, T - 1, hidden)
        return y[:, :-1] + self.delta_scale * self.head(out)  # (B, T - 1, n_y)

    def simulate(self, y0: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        w, steps = y0.shape[1], u.shape[1]
        out, state = self.rnn(torch.cat([y0, u[:, :w]], dim=-1))  # warm-up: (B, W, hidden)
        last = y0[:, -1] + self.delta_scale * self.head(out[:, -1])  # y[W]: (B, n_y)
        preds = [last]
        for t in range(w, steps - 1):
            step_in = torch.cat([last, u[:, t]], dim=-1).unsqueeze(1)  # (B, 1, n_y + n_u)
            out, state = self.rnn(step_in, state)
            last = last + self.delta_scale * self.head(out[:, 0])
            preds.append(last)
        return torch.stack(preds, dim=1)  # (B, T - W, n_y)


class Recurrent(NetModel):
    kind = "recurrent"

    def __init__(self, *, cell: str = "gru", hidden_size: int = 64, num_layers: int = 1) -> None:
        super().__init__()
        if cell not in ("gru", "lstm"):
            raise ConfigError(f"the recurrent cell must be 'gru' or 'lstm', got {cell!r}")
        if min(hidden_size, num_layers) < 1:
            raise ConfigError("hidden_size and num_layers must be at least 1")
        self.settings: dict[str, Any] = {
            "cell": cell,
            "hidden_size": hidden_size,
            "num_layers": num_layers,
        }

    def params(self) -> dict[str, Any]:
        return dict(self.settings)

    @property
    def lag(self) -> int:
        return 1

    def make_module(self, n_y: int, n_u: int) -> SeqNet:
        return RecurrentNet(n_y, n_u, self.settings)
