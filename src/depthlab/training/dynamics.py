"""A learned pendulum model from random-action transitions, for model-predictive control.

Transitions come from the real Pendulum-v1 under uniformly random torques. Episodes start from
gymnasium's reset with its bounds widened to the whole state space (``th`` in [-pi, pi],
``th'`` in [-8, 8], via ``reset(options=...)``), so random torques also visit the fast states a
swing-up passes through. The model is fitted with :func:`fit_supervised` (MSE on standardised
state changes, early stopping).

Example::

    data = random_transitions("Pendulum-v1", transitions=10_000, seed=0)
    model, report = fit_dynamics(data, seed=0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from depthlab.errors import ConfigError
from depthlab.models.control.dynamics import PendulumDynamics, features, state_from_obs
from depthlab.models.control.envs import env_info, make_env
from depthlab.training.control_fit import FitReport, FitSettings, fit_supervised

RESET_OPTIONS = {"x_init": float(np.pi), "y_init": 8.0}
SEED_OFFSET = 3_000_000


@dataclass
class Transitions:
    """Random-action data: ``states`` (N, 2), ``torques`` (N, 1), ``next_states`` (N, 2)."""

    states: np.ndarray
    torques: np.ndarray
    next_states: np.ndarray

    def __len__(self) -> int:
        return len(self.states)


def random_transitions(env_id: str, *, transitions: int = 10_000, seed: int = 0) -> Transitions:
    """*transitions* steps of Pendulum-v1 under uniform random torques (seeded)."""
    if env_id != "Pendulum-v1":
        raise ConfigError(f"MPC on a learned model supports Pendulum-v1 only, not '{env_id}'")
    if transitions < 10:
        raise ConfigError(f"need at least 10 transitions, got {transitions}")
    info = env_info(env_id)
    rng = np.random.default_rng(seed)
    env = make_env(env_id)
    obs_rows: list[np.ndarray] = []
    torques: list[np.ndarray] = []
    next_rows: list[np.ndarray] = []
    episode = 0
    while len(torques) < transitions:
        obs, _ = env.reset(seed=SEED_OFFSET + 10_000 * seed + episode, options=RESET_OPTIONS)
        done = False
        while not done and len(torques) < transitions:
            u = rng.uniform(info.low, info.high, size=1).astype(np.float32)
            nxt, _, terminated, truncated, _ = env.step(u)
            obs_rows.append(obs)
            torques.append(u)
            next_rows.append(nxt)
            obs, done = nxt, terminated or truncated
        episode += 1
    env.close()
    return Transitions(
        state_from_obs(np.asarray(obs_rows)),
        np.asarray(torques, dtype=np.float64),
        state_from_obs(np.asarray(next_rows)),
    )


def fit_dynamics(
    data: Transitions,
    *,
    seed: int = 0,
    hidden_size: int = 64,
    num_layers: int = 2,
    settings: FitSettings | None = None,
) -> tuple[PendulumDynamics, FitReport]:
    """Fit a :class:`PendulumDynamics` to predict each step's state change."""
    delta = data.next_states - data.states
    delta[:, 0] = (delta[:, 0] + np.pi) % (2 * np.pi) - np.pi  # th crosses +-pi
    inputs = features(
        torch.as_tensor(data.states, dtype=torch.float32),
        torch.as_tensor(data.torques, dtype=torch.float32),
    ).numpy()
    torch.manual_seed(seed)
    model = PendulumDynamics(hidden_size=hidden_size, num_layers=num_layers)
    model.set_standardisation(inputs, delta)
    report = fit_supervised(
        model, inputs, model.normalise_targets(delta), loss="mse", seed=seed, settings=settings
    )
    return model, report
