"""``narx``: a NARX MLP on the last ``na`` outputs and ``nb`` inputs, predicting an increment:

    y[t + 1] = y[t] + s * MLP(y[t], ..., y[t - na + 1], u[t], ..., u[t - nb + 1])

``narx:shallow`` has one hidden layer, ``narx:deep`` three; with ``residual=True`` every hidden
layer after the first adds its input back (``h + act(W h)``), which keeps deep stacks trainable.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from depthlab.errors import ConfigError
from depthlab.models.sysid.net import NetModel, SeqNet

ACTIVATIONS: dict[str, type[nn.Module]] = {"tanh": nn.Tanh, "relu": nn.ReLU, "silu": nn.SiLU}


class Residual(nn.Module):
    def __init__(self, width: int, activation: type[nn.Module]) -> None:
        super().__init__()
        self.linear, self.act = nn.Linear(width, width), activation()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.act(self.linear(h))


class NARXNet(SeqNet):
    def __init__(self, n_y: int, n_u: int, settings: dict[str, Any]) -> None:
        super().__init__(n_y)
        self.na, self.nb = int(settings["na"]), int(settings["nb"])
        self.lag = max(self.na, self.nb)
        act = ACTIVATIONS[settings["activation"]]
        width = int(settings["hidden_size"])
        layers: list[nn.Module] = [nn.Linear(self.na * n_y + self.nb * n_u, width), act()]
        for _ in range(int(settings["num_layers"]) - 1):
            block = Residual(width, act) if settings["residual"] else nn.Linear(width, width)
            layers += [block] if settings["residual"] else [block, act()]
        layers.append(nn.Linear(width, n_y))
        self.mlp = nn.Sequential(*layers)

    def features(self, y: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """(B, T - lag + 1, na * n_y + nb * n_u): row r is step t = lag - 1 + r."""
        steps = y.shape[1]
        ys = [y[:, self.lag - 1 - i : steps - i] for i in range(self.na)]
        us = [u[:, self.lag - 1 - j : steps - j] for j in range(self.nb)]
        return torch.cat(ys + us, dim=-1)

    def one_step(self, y: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        feats = self.features(y[:, :-1], u[:, :-1])  # (B, T - lag, d): steps lag - 1 .. T - 2
        return y[:, self.lag - 1 : -1] + self.delta_scale * self.mlp(feats)  # (B, T - lag, n_y)

    def simulate(self, y0: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        w, steps = y0.shape[1], u.shape[1]
        history = list(y0[:, w - self.na :].unbind(1))  # the last na outputs, each (B, n_y)
        preds = []
        for t in range(w - 1, steps - 1):
            past = [history[-1 - i] for i in range(self.na)] + [u[:, t - j] for j in range(self.nb)]
            nxt = history[-1] + self.delta_scale * self.mlp(torch.cat(past, dim=-1))  # (B, n_y)
            history = [*history[1:], nxt]
            preds.append(nxt)
        return torch.stack(preds, dim=1)  # (B, T - W, n_y)


class NARX(NetModel):
    kind = "narx"

    def __init__(
        self,
        *,
        na: int = 2,
        nb: int = 2,
        hidden_size: int = 64,
        num_layers: int = 1,
        activation: str = "tanh",
        residual: bool = False,
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ConfigError(f"unknown activation {activation!r}; choose from {list(ACTIVATIONS)}")
        if min(na, nb, hidden_size, num_layers) < 1:
            raise ConfigError("narx needs na, nb, hidden_size and num_layers of at least 1")
        self.settings: dict[str, Any] = {
            "na": na,
            "nb": nb,
            "hidden_size": hidden_size,
            "num_layers": num_layers,
            "activation": activation,
            "residual": residual,
        }

    def params(self) -> dict[str, Any]:
        return dict(self.settings)

    @property
    def lag(self) -> int:
        return max(int(self.settings["na"]), int(self.settings["nb"]))

    def make_module(self, n_y: int, n_u: int) -> SeqNet:
        return NARXNet(n_y, n_u, self.settings)
