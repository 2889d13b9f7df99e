"""Behaviour cloning and DAgger of the classical experts, in the real simulator."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("gymnasium")
pytest.importorskip("control")

from depthlab.errors import ConfigError
from depthlab.evaluate.closed_loop import evaluate_controller
from depthlab.models.control.experts import make_expert
from depthlab.training.control_fit import FitSettings, fit_supervised
from depthlab.training.imitation import (
    behaviour_cloning,
    dagger,
    episode_seeds,
    expert_demonstrations,
)


def test_a_linear_policy_cloned_from_three_lqr_episodes_balances_the_pole() -> None:
    policy, report, data = behaviour_cloning("CartPole-v1", "linear", episodes=3, seed=0)
    assert report.expert_transitions == len(data.obs) == 1500
    result = evaluate_controller("CartPole-v1", policy, episodes=5)
    assert result.mean_return >= 475


def test_cloning_is_bit_identical_for_a_seed() -> None:
    settings = FitSettings(epochs=5)
    first, *_ = behaviour_cloning("Pendulum-v1", "mlp:shallow", episodes=1, settings=settings)
    again, *_ = behaviour_cloning("Pendulum-v1", "mlp:shallow", episodes=1, settings=settings)
    for a, b in zip(first.state_dict().values(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_dagger_adds_the_states_the_policy_visits_labelled_by_the_expert() -> None:
    settings = FitSettings(epochs=3)
    policy, report, data = behaviour_cloning(
        "Pendulum-v1", "linear", episodes=1, seed=0, settings=settings
    )
    policy, report, bigger = dagger(
        policy, report, data, iterations=2, episodes_per_iteration=1, settings=settings
    )
    assert len(bigger.obs) == len(data.obs) + 400 == report.transitions
    assert report.dagger_iterations == 2 and report.dagger_transitions == 400
    expert = make_expert("Pendulum-v1")
    new = bigger.obs[-5:].astype(np.float32)
    np.testing.assert_array_equal(bigger.actions[-5:], [expert(o) for o in new])


def test_expert_episodes_never_reuse_the_evaluation_seeds() -> None:
    seeds = episode_seeds(0, "expert", 10) + episode_seeds(0, "dagger", 10, start=0)
    assert not set(seeds) & set(range(1000))
    assert len(set(seeds)) == 20
    with pytest.raises(ConfigError, match="at least 1"):
        expert_demonstrations("CartPole-v1", make_expert("CartPole-v1"), episodes=0)


def test_fit_supervised_learns_a_linear_map_and_stops_early() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]])).astype(np.float32)
    torch.manual_seed(0)
    module = torch.nn.Linear(3, 1)
    report = fit_supervised(module, x, y, loss="mse", settings=FitSettings(lr=0.05, patience=5))
    assert report.val_loss < 1e-3
    assert report.train_rows + report.val_rows == 512
    with pytest.raises(ConfigError, match="unknown loss"):
        fit_supervised(module, x, y, loss="hinge")  # type: ignore[arg-type]
