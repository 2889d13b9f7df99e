"""Model-predictive control by the cross-entropy method (CEM) on a learned model, in torch.

At every control step the planner samples ``samples`` torque sequences of ``horizon`` steps from
a Gaussian (clipped to the bounds), rolls all of them through the model at once, scores each by
the environment's cost summed over the horizon (plus the cost of the final state), refits the
Gaussian to the ``elites`` cheapest, and after ``iterations`` rounds applies the first torque of
the mean. The mean is shifted by one step to warm-start the next control step. Sampling uses a
torch Generator reseeded at every episode's :meth:`reset`, so a plan is bit-identical for a seed.

Example::

    mpc = CEMPlanner(model, horizon=15, samples=200, iterations=3, seed=0)
    mpc.reset(); torque = mpc(obs)
"""

from __future__ import annotations

import numpy as np
import torch

from depthlab.errors import ConfigError
from depthlab.models.control.dynamics import PendulumDynamics, pendulum_cost, state_from_obs


class CEMPlanner:
    """CEM planning over torque sequences on a :class:`PendulumDynamics` model."""

    def __init__(
        self,
        model: PendulumDynamics,
        *,
        horizon: int = 15,
        samples: int = 200,
        iterations: int = 3,
        elites: int = 20,
        bound: float = 2.0,
        seed: int = 0,
    ) -> None:
        if horizon < 1 or samples < 2 or iterations < 1 or not 1 <= elites <= samples:
            raise ConfigError(
                "CEM needs horizon >= 1, samples >= 2, iterations >= 1, 1 <= elites <= samples"
            )
        self.model = model.eval()
        self.horizon, self.samples, self.iterations, self.elites = (
            horizon,
            samples,
            iterations,
            elites,
        )
        self.bound, self.seed = bound, seed
        self.generator = torch.Generator()
        self.mean = torch.zeros(horizon)
        self.reset()

    def reset(self) -> None:
        """Forget the previous plan and reseed (call at the start of each episode)."""
        self.generator.manual_seed(self.seed)
        self.mean = torch.zeros(self.horizon)

    def plan_cost(self, state: torch.Tensor, torques: torch.Tensor) -> torch.Tensor:
        """Cost of each sequence: (B, 2) start states, (B, H) torques -> (B,)."""
        total = torch.zeros(torques.shape[0])
        for t in range(self.horizon):
            u = torques[:, t : t + 1]
            total += pendulum_cost(state, u)
            state = self.model.step(state, u)
        return total + pendulum_cost(state, torch.zeros_like(torques[:, :1]))

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        state = torch.as_tensor(state_from_obs(obs), dtype=torch.float32).expand(self.samples, 2)
        mean = torch.cat([self.mean[1:], self.mean[-1:]])  # warm start: the previous plan, shifted
        std = torch.full((self.horizon,), self.bound)
        with torch.inference_mode():
            for _ in range(self.iterations):
                noise = torch.randn(self.samples, self.horizon, generator=self.generator)
                torques = (mean + std * noise).clamp(-self.bound, self.bound)
                cost = self.plan_cost(state, torques)
                elite = torques[torch.topk(cost, self.elites, largest=False).indices]
                mean, std = elite.mean(dim=0), elite.std(dim=0) + 1e-3
        self.mean = mean
        return np.array([float(mean[0])], dtype=np.float32)
