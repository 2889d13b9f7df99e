"""Controllers in closed loop: seeded episodes in the real gymnasium simulator.

A controller is a callable ``obs -> action`` (an expert, an MPC) or an object with an ``act``
method (a policy); if it has ``reset()``, that is called at the start of every episode (an MPC's
warm start). Episode ``i`` starts from ``env.reset(seed=seed + i)``, so a fixed seed and a
deterministic controller give bit-identical returns.

Example::

    result = evaluate_controller("Pendulum-v1", make_expert("Pendulum-v1"), episodes=100)
    print(result.mean_return, result.success_rate)
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from depthlab.errors import ConfigError
from depthlab.models.control.envs import env_info, make_env

SUCCESS_ANGLE = 0.1  # Pendulum: |th| below this ...
SUCCESS_STEPS = 50  # ... over the last 50 steps of the episode


@dataclass
class Episode:
    """One episode: ``obs`` (T+1, obs_dim) measured before ``actions`` (T, ...) act."""

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    terminated: bool
    seconds: float  # time spent in the controller
    max_step_seconds: float  # the slowest control step

    @property
    def steps(self) -> int:
        return len(self.rewards)

    @property
    def total(self) -> float:
        """The return, summed step by step in order (as a hand-written loop would)."""
        return float(sum(self.rewards.tolist()))


@dataclass
class ClosedLoopResult:
    """Figures of K seeded episodes; ``returns`` in episode order."""

    env_id: str
    episodes: int
    seed: int
    returns: list[float]
    mean_return: float
    std_return: float
    success_rate: float
    effort: float  # mean |u| per step in the environment's units (CartPole: the force)
    transitions: int
    seconds_per_step: float  # controller time per control step (mean)
    max_step_seconds: float  # the slowest control step
    wall_seconds: float
    trajectories: list[Episode] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready values (trajectories left out)."""
        out = asdict(self)
        out.pop("trajectories")
        return out


def _act_fn(controller: Any) -> Any:
    act = getattr(controller, "act", None)
    if callable(act):
        return act
    if callable(controller):
        return controller
    raise ConfigError(f"a controller must be callable or have an 'act' method, not {controller!r}")


def run_episode(env: Any, controller: Any, seed: int) -> Episode:
    """Roll *controller* in *env* from ``env.reset(seed=seed)`` until termination or time-out."""
    act = _act_fn(controller)
    if callable(getattr(controller, "reset", None)):
        controller.reset()
    obs, _ = env.reset(seed=seed)
    observations, actions, rewards = [obs], [], []
    done, terminated, seconds, slowest = False, False, 0.0, 0.0
    while not done:
        start = time.perf_counter()
        action = act(obs)
        took = time.perf_counter() - start
        seconds, slowest = seconds + took, max(slowest, took)
        obs, reward, terminated, truncated, _ = env.step(action)
        observations.append(obs)
        actions.append(action)
        rewards.append(float(reward))
        done = terminated or truncated
    return Episode(
        np.asarray(observations, dtype=np.float64),
        np.asarray(actions),
        np.asarray(rewards, dtype=np.float64),
        bool(terminated),
        seconds,
        slowest,
    )


def episode_success(env_id: str, episode: Episode) -> bool:
    """CartPole: the pole stayed up for all 500 steps; Pendulum: |th| < 0.1 over the last 50."""
    info = env_info(env_id)
    if info.discrete:
        return not episode.terminated and episode.steps >= info.max_steps
    tail = episode.obs[-SUCCESS_STEPS:]
    angles = np.arctan2(tail[:, 1], tail[:, 0])
    return bool(np.all(np.abs(angles) < SUCCESS_ANGLE))


def episode_effort(env_id: str, episode: Episode) -> np.ndarray:
    """|u| per step in physical units (CartPole's actions 0/1 are forces of -10/+10 N)."""
    if env_info(env_id).discrete:
        return np.full(episode.steps, 10.0)
    return np.abs(episode.actions.reshape(episode.steps, -1)).sum(axis=1)


def evaluate_controller(
    env_id: str, controller: Any, *, episodes: int = 100, seed: int = 0, keep: int = 0
) -> ClosedLoopResult:
    """Run *episodes* seeded episodes (seeds ``seed .. seed + episodes - 1``) and sum them up;
    the first *keep* episodes are kept in ``trajectories`` (for plots)."""
    if episodes < 1:
        raise ConfigError(f"episodes must be at least 1, got {episodes}")
    env = make_env(env_id)
    start = time.perf_counter()
    runs = [run_episode(env, controller, seed + i) for i in range(episodes)]
    wall = time.perf_counter() - start
    env.close()
    returns = [ep.total for ep in runs]
    steps = sum(ep.steps for ep in runs)
    return ClosedLoopResult(
        env_id=env_id,
        episodes=episodes,
        seed=seed,
        returns=returns,
        mean_return=float(np.mean(returns)),
        std_return=float(np.std(returns)),
        success_rate=float(np.mean([episode_success(env_id, ep) for ep in runs])),
        effort=float(np.mean(np.concatenate([episode_effort(env_id, ep) for ep in runs]))),
        transitions=steps,
        seconds_per_step=sum(ep.seconds for ep in runs) / steps,
        max_step_seconds=max(ep.max_step_seconds for ep in runs),
        wall_seconds=wall,
        trajectories=runs[:keep],
    )
