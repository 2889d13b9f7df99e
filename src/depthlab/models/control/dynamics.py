"""A learned model of Pendulum-v1 for planning: an MLP from ``(cos th, sin th, th', u)`` to the
change ``(dth, dth')`` over one step, with inputs and outputs standardised on its training data.

The planner works on the state ``(th, th')`` recovered from an observation
(``th = atan2(sin, cos)``); the environment's own cost (:func:`pendulum_cost`) scores a plan.

Example::

    model = PendulumDynamics(hidden_size=64, num_layers=2)
    model.set_standardisation(inputs, deltas)        # then fit on model.normalise_targets(deltas)
    next_state = model.step(state, torque)            # (B, 2), (B, 1) -> (B, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn


def angle_normalize(angle: torch.Tensor) -> torch.Tensor:
    """Wrap angles into [-pi, pi), as gymnasium does for the pendulum's cost."""
    return torch.remainder(angle + torch.pi, 2 * torch.pi) - torch.pi


def pendulum_cost(state: torch.Tensor, torque: torch.Tensor) -> torch.Tensor:
    """Pendulum-v1's cost per row: ``th^2 + 0.1 th'^2 + 0.001 u^2`` ((B, 2), (B, 1) -> (B,))."""
    th, speed = state[:, 0], state[:, 1]
    return angle_normalize(th) ** 2 + 0.1 * speed**2 + 0.001 * torque[:, 0] ** 2


def state_from_obs(obs: np.ndarray) -> np.ndarray:
    """(th, th') from Pendulum-v1 observations ``(cos th, sin th, th')`` (..., 3) -> (..., 2)."""
    obs = np.asarray(obs, dtype=np.float64)
    return np.stack([np.arctan2(obs[..., 1], obs[..., 0]), obs[..., 2]], axis=-1)


def features(state: torch.Tensor, torque: torch.Tensor) -> torch.Tensor:
    """The model's input (B, 4): cos th, sin th, th', u."""
    th = state[:, 0:1]
    return torch.cat([torch.cos(th), torch.sin(th), state[:, 1:2], torque], dim=1)


class PendulumDynamics(nn.Module):
    """One-step model of the pendulum; ``forward`` maps standardised features to standardised
    state changes, ``step`` maps a state and a torque to the next state."""

    in_mean: torch.Tensor
    in_std: torch.Tensor
    out_mean: torch.Tensor
    out_std: torch.Tensor

    def __init__(self, *, hidden_size: int = 64, num_layers: int = 2) -> None:
        super().__init__()
        self.hidden_size, self.num_layers = hidden_size, num_layers
        layers: list[nn.Module] = []
        size = 4
        for _ in range(num_layers):
            layers += [nn.Linear(size, hidden_size), nn.Tanh()]
            size = hidden_size
        layers.append(nn.Linear(size, 2))
        self.net = nn.Sequential(*layers)
        self.register_buffer("in_mean", torch.zeros(4))
        self.register_buffer("in_std", torch.ones(4))
        self.register_buffer("out_mean", torch.zeros(2))
        self.register_buffer("out_std", torch.ones(2))

    def set_standardisation(self, inputs: np.ndarray, deltas: np.ndarray) -> None:
        """Standardise with the mean and spread of the training inputs and state changes."""
        for mean, std, values in (
            (self.in_mean, self.in_std, inputs),
            (self.out_mean, self.out_std, deltas),
        ):
            rows = torch.as_tensor(np.asarray(values), dtype=torch.float32)
            mean.copy_(rows.mean(dim=0))
            std.copy_(rows.std(dim=0).clamp_min(1e-6))

    def normalise_targets(self, deltas: np.ndarray) -> np.ndarray:
        """State changes in the standardised units ``forward`` predicts."""
        mean, std = self.out_mean.numpy(), self.out_std.numpy()
        return ((np.asarray(deltas) - mean) / std).astype(np.float32)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """(B, 4) raw features -> (B, 2) standardised state changes."""
        return self.net((inputs - self.in_mean) / self.in_std)

    def step(self, state: torch.Tensor, torque: torch.Tensor) -> torch.Tensor:
        """(B, 2) states and (B, 1) torques -> (B, 2) predicted next states."""
        delta = self(features(state, torque)) * self.out_std + self.out_mean
        return state + delta

    def get_config(self) -> dict[str, Any]:
        return {"hidden_size": self.hidden_size, "num_layers": self.num_layers}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PendulumDynamics:
        return cls(**config)
