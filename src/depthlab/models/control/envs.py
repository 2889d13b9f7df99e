"""The gymnasium environments the controllers know, and the facts a controller needs about them.

gymnasium is imported lazily (the ``control`` extra): ``make_env("Pendulum-v1")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from depthlab.errors import UnknownNameError, closest, require


@dataclass(frozen=True)
class EnvInfo:
    """What a controller must know about an environment.

    ``n_actions`` is set for a discrete action space (actions ``0 .. n_actions - 1``);
    ``low``/``high`` bound a continuous one of ``action_dim`` components.
    """

    env_id: str
    obs_dim: int
    max_steps: int
    n_actions: int | None = None
    action_dim: int = 1
    low: float = 0.0
    high: float = 0.0

    @property
    def discrete(self) -> bool:
        return self.n_actions is not None


ENVS: dict[str, EnvInfo] = {
    "CartPole-v1": EnvInfo("CartPole-v1", obs_dim=4, max_steps=500, n_actions=2),
    "Pendulum-v1": EnvInfo("Pendulum-v1", obs_dim=3, max_steps=200, low=-2.0, high=2.0),
}


def env_info(env_id: str) -> EnvInfo:
    """The :class:`EnvInfo` of *env_id*; :class:`UnknownNameError` names the known ones."""
    if env_id not in ENVS:
        raise UnknownNameError(
            f"unknown control environment '{env_id}'; known: {', '.join(ENVS)}."
            + closest(env_id, ENVS)
        )
    return ENVS[env_id]


def make_env(env_id: str) -> Any:
    """A fresh gymnasium environment (with its time limit), e.g. ``make_env("CartPole-v1")``."""
    env_info(env_id)
    require("gymnasium", "control")
    import gymnasium

    return gymnasium.make(env_id)
