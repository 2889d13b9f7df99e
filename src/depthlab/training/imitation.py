"""Imitation of an expert: behaviour cloning and DAgger (Ross, Gordon and Bagnell, 2011).

Behaviour cloning fits a policy to the expert's (observation, action) pairs from a few seeded
expert episodes (cross-entropy on a discrete action, MSE on a continuous one; early stopping on a
held-out fifth). DAgger then, for N iterations, rolls the *current* policy in the environment,
labels every visited state with the expert's action, adds them to the data and trains on.
Episode seeds are offset by purpose (expert ``1,000,000 + 10,000 seed + i``, DAgger
``2,000,000 + ...``), far from the evaluation's seeds ``0 .. 99``.

Example::

    policy, report = behaviour_cloning("CartPole-v1", "linear", episodes=3, seed=0)
    policy, report = dagger(policy, report, iterations=5)
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from depthlab.errors import ConfigError
from depthlab.evaluate.closed_loop import run_episode
from depthlab.models.control.envs import env_info, make_env
from depthlab.models.control.experts import Expert, make_expert
from depthlab.models.control.policies import Policy, make_policy
from depthlab.training.control_fit import FitReport, FitSettings, fit_supervised

SEED_OFFSET = {"expert": 1_000_000, "dagger": 2_000_000}


@dataclass
class ImitationReport:
    """What imitation used: expert episodes and transitions, DAgger rounds, labelled rows;
    ``epochs`` over every fit, ``val_loss`` of the last."""

    env_id: str
    policy_id: str
    seed: int
    expert_episodes: int
    expert_transitions: int
    dagger_iterations: int = 0
    dagger_transitions: int = 0
    epochs: int = 0
    val_loss: float = float("nan")
    seconds: float = 0.0

    @property
    def transitions(self) -> int:
        """Every environment transition imitation consumed (expert's and DAgger's)."""
        return self.expert_transitions + self.dagger_transitions

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "transitions": self.transitions}


@dataclass
class Demonstrations:
    """Labelled states: ``obs`` (N, obs_dim) and the expert's ``actions`` (N,) or (N, d)."""

    obs: np.ndarray
    actions: np.ndarray

    def add(self, other: Demonstrations) -> Demonstrations:
        return Demonstrations(
            np.concatenate([self.obs, other.obs]), np.concatenate([self.actions, other.actions])
        )


def episode_seeds(seed: int, purpose: str, count: int, start: int = 0) -> list[int]:
    """Reset seeds for *count* episodes of *purpose* (``expert`` or ``dagger``)."""
    base = SEED_OFFSET[purpose] + 10_000 * seed + start
    return [base + i for i in range(count)]


def _label(env: Any, controller: Any, expert: Expert, seeds: list[int]) -> Demonstrations:
    obs, actions = [], []
    for s in seeds:
        episode = run_episode(env, controller, s)
        states = episode.obs[:-1]
        obs.append(states)
        actions.append(np.asarray([expert(o.astype(np.float32)) for o in states]))
    return Demonstrations(np.concatenate(obs), np.concatenate(actions))


def expert_demonstrations(
    env_id: str, expert: Expert, *, episodes: int, seed: int = 0
) -> Demonstrations:
    """The expert's own (observation, action) pairs over *episodes* seeded episodes."""
    if episodes < 1:
        raise ConfigError(f"expert episodes must be at least 1, got {episodes}")
    env = make_env(env_id)
    try:
        return _label(env, expert, expert, episode_seeds(seed, "expert", episodes))
    finally:
        env.close()


def _fit(
    policy: Policy, data: Demonstrations, seed: int, settings: FitSettings | None
) -> FitReport:
    if policy.discrete:
        labels = data.actions.astype(np.int64)
        return fit_supervised(
            policy, data.obs, labels, loss="cross_entropy", seed=seed, settings=settings
        )
    targets = data.actions.reshape(len(data.actions), -1)
    return fit_supervised(policy, data.obs, targets, loss="mse", seed=seed, settings=settings)


def behaviour_cloning(
    env_id: str,
    policy_id: str,
    *,
    episodes: int = 10,
    seed: int = 0,
    expert: Expert | None = None,
    settings: FitSettings | None = None,
) -> tuple[Policy, ImitationReport, Demonstrations]:
    """Clone *expert* (the environment's own by default) from *episodes* expert episodes into a
    fresh *policy_id*; returns the policy, the report and the demonstrations (for DAgger)."""
    start = time.perf_counter()
    expert = expert or make_expert(env_id)
    data = expert_demonstrations(env_id, expert, episodes=episodes, seed=seed)
    torch.manual_seed(seed)
    policy = make_policy(policy_id, env_info(env_id))
    policy.set_standardisation(data.obs)
    fit = _fit(policy, data, seed, settings)
    report = ImitationReport(env_id, policy_id, seed, episodes, len(data.obs))
    report.epochs, report.val_loss = fit.epochs, fit.val_loss
    report.seconds = time.perf_counter() - start
    return policy, report, data


def dagger(
    policy: Policy,
    report: ImitationReport,
    data: Demonstrations,
    *,
    iterations: int,
    episodes_per_iteration: int = 5,
    expert: Expert | None = None,
    settings: FitSettings | None = None,
) -> tuple[Policy, ImitationReport, Demonstrations]:
    """*iterations* rounds of DAgger on a cloned *policy*: roll it, let *expert* (the
    environment's own by default) label the states it visited, aggregate, and train on from the
    current weights (the observation standardisation stays that of the expert data)."""
    if iterations < 0 or episodes_per_iteration < 1:
        raise ConfigError("DAgger needs iterations >= 0 and at least one episode per iteration")
    start = time.perf_counter()
    expert = expert or make_expert(report.env_id)
    env = make_env(report.env_id)
    try:
        for it in range(iterations):
            first = it * episodes_per_iteration
            seeds = episode_seeds(report.seed, "dagger", episodes_per_iteration, start=first)
            new = _label(env, policy, expert, seeds)
            data = data.add(new)
            report.dagger_transitions += len(new.obs)
            fit = _fit(policy, data, report.seed + it + 1, settings)
            report.epochs, report.val_loss = report.epochs + fit.epochs, fit.val_loss
    finally:
        env.close()
    report.dagger_iterations += iterations
    report.seconds += time.perf_counter() - start
    return policy, report, data
