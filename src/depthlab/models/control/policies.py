"""Policies learned by imitation: ``linear``, ``mlp:shallow`` (one hidden layer) and ``mlp:deep``
(three hidden layers), small torch modules behind a registry of string ids.

Observations are standardised with the mean and spread of the training data (buffers saved with
the weights). A discrete action space gets logits (the action is their argmax); a continuous one
a tanh squashed into the action bounds.

Example::

    policy = make_policy("mlp:deep", env_info("Pendulum-v1"))
    policy.set_standardisation(observations)
    action = policy.act(obs)           # numpy in, the environment's action out
    policy.save("policy.pt"); same = load_policy("policy.pt")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from depthlab.errors import UnknownNameError, closest
from depthlab.models.control.envs import EnvInfo

# id -> (hidden layers, default width)
POLICIES: dict[str, tuple[int, int]] = {
    "linear": (0, 0),
    "mlp:shallow": (1, 128),
    "mlp:deep": (3, 64),
}


class Policy(nn.Module):
    """A feed-forward policy; ``num_layers`` hidden ReLU layers of ``hidden_size`` units."""

    obs_mean: torch.Tensor
    obs_std: torch.Tensor

    def __init__(
        self,
        *,
        policy_id: str,
        obs_dim: int,
        n_actions: int | None = None,
        action_dim: int = 1,
        low: float = -1.0,
        high: float = 1.0,
        hidden_size: int | None = None,
    ) -> None:
        super().__init__()
        num_layers, width = _lookup(policy_id)
        self.policy_id = policy_id
        self.obs_dim = obs_dim
        self.n_actions = n_actions
        self.action_dim = action_dim
        self.low, self.high = float(low), float(high)
        self.hidden_size = width if hidden_size is None else hidden_size
        layers: list[nn.Module] = []
        size = obs_dim
        for _ in range(num_layers):
            layers += [nn.Linear(size, self.hidden_size), nn.ReLU()]
            size = self.hidden_size
        layers.append(nn.Linear(size, n_actions if n_actions is not None else action_dim))
        self.net = nn.Sequential(*layers)
        self.register_buffer("obs_mean", torch.zeros(obs_dim))
        self.register_buffer("obs_std", torch.ones(obs_dim))

    @property
    def discrete(self) -> bool:
        return self.n_actions is not None

    def set_standardisation(self, observations: np.ndarray) -> None:
        """Standardise inputs with the mean and spread of *observations* (N, obs_dim)."""
        obs = torch.as_tensor(np.asarray(observations), dtype=torch.float32)
        self.obs_mean.copy_(obs.mean(dim=0))
        self.obs_std.copy_(obs.std(dim=0).clamp_min(1e-6))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """(B, obs_dim) -> logits (B, n_actions), or actions (B, action_dim) within bounds."""
        out = self.net((obs - self.obs_mean) / self.obs_std)
        if self.discrete:
            return out
        return self.low + (torch.tanh(out) + 1.0) * (0.5 * (self.high - self.low))

    def act(self, obs: np.ndarray) -> Any:
        """The action for one observation: an int (discrete) or a float32 array (continuous)."""
        with torch.inference_mode():
            out = self(torch.as_tensor(np.asarray(obs), dtype=torch.float32).unsqueeze(0))[0]
        if self.discrete:
            return int(out.argmax())
        return out.numpy().astype(np.float32)

    def get_config(self) -> dict[str, Any]:
        return {
            "policy_id": self.policy_id,
            "obs_dim": self.obs_dim,
            "n_actions": self.n_actions,
            "action_dim": self.action_dim,
            "low": self.low,
            "high": self.high,
            "hidden_size": self.hidden_size,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Policy:
        return cls(**config)

    def save(self, path: str | Path) -> None:
        """Write the config and weights (standardisation included) to *path*."""
        torch.save({"config": self.get_config(), "state": self.state_dict()}, Path(path))


def _lookup(policy_id: str) -> tuple[int, int]:
    if policy_id not in POLICIES:
        raise UnknownNameError(
            f"unknown policy '{policy_id}'; known: {', '.join(POLICIES)}."
            + closest(policy_id, POLICIES)
        )
    return POLICIES[policy_id]


def make_policy(policy_id: str, info: EnvInfo, *, hidden_size: int | None = None) -> Policy:
    """A fresh policy of *policy_id* for the environment described by *info*."""
    return Policy(
        policy_id=policy_id,
        obs_dim=info.obs_dim,
        n_actions=info.n_actions,
        action_dim=info.action_dim,
        low=info.low if not info.discrete else -1.0,
        high=info.high if not info.discrete else 1.0,
        hidden_size=hidden_size,
    )


def load_policy(path: str | Path) -> Policy:
    """A policy written by :meth:`Policy.save`."""
    saved = torch.load(Path(path), map_location="cpu", weights_only=True)
    policy = Policy.from_config(saved["config"])
    policy.load_state_dict(saved["state"])
    return policy.eval()
