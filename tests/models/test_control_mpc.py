"""The learned pendulum model and CEM planning on it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("gymnasium")

from depthlab.errors import ConfigError
from depthlab.evaluate.closed_loop import evaluate_controller
from depthlab.models.control.dynamics import (
    PendulumDynamics,
    angle_normalize,
    pendulum_cost,
)
from depthlab.models.control.mpc import CEMPlanner
from depthlab.training.control_fit import FitSettings
from depthlab.training.dynamics import fit_dynamics, random_transitions


@pytest.fixture(scope="module")
def model() -> PendulumDynamics:
    data = random_transitions("Pendulum-v1", transitions=2000, seed=0)
    fitted, _ = fit_dynamics(data, seed=0, hidden_size=32, settings=FitSettings(epochs=60))
    return fitted


def test_random_transitions_follow_the_simulator() -> None:
    data = random_transitions("Pendulum-v1", transitions=300, seed=1)
    assert len(data) == 300 and data.torques.shape == (300, 1)
    assert np.abs(data.torques).max() <= 2.0
    # Pendulum-v1: th'_{t+1} = clip(th'_t + 0.05 (15 sin th_t + 3 u_t), -8, 8)
    speed = np.clip(
        data.states[:, 1] + 0.05 * (15 * np.sin(data.states[:, 0]) + 3 * data.torques[:, 0]), -8, 8
    )
    np.testing.assert_allclose(data.next_states[:, 1], speed, atol=1e-4)
    again = random_transitions("Pendulum-v1", transitions=300, seed=1)
    np.testing.assert_array_equal(data.torques, again.torques)


def test_the_learned_model_predicts_one_step_well(model: PendulumDynamics) -> None:
    test = random_transitions("Pendulum-v1", transitions=500, seed=9)
    with torch.no_grad():
        pred = model.step(
            torch.as_tensor(test.states, dtype=torch.float32),
            torch.as_tensor(test.torques, dtype=torch.float32),
        ).numpy()
    speed_error = np.abs(pred[:, 1] - test.next_states[:, 1]).mean()
    assert speed_error < 0.1 * np.abs(test.next_states[:, 1] - test.states[:, 1]).mean() + 0.05


def test_mpc_runs_a_few_steps_within_bounds_and_is_seeded(model: PendulumDynamics) -> None:
    planner = CEMPlanner(model, horizon=5, samples=20, iterations=2, elites=5, seed=3)
    obs = np.array([-1.0, 0.0, 0.0], np.float32)
    planner.reset()
    first = [planner(obs) for _ in range(3)]
    planner.reset()
    again = [planner(obs) for _ in range(3)]
    assert all(abs(float(u[0])) <= 2.0 for u in first)
    np.testing.assert_array_equal(np.concatenate(first), np.concatenate(again))


def test_mpc_in_closed_loop_beats_doing_nothing(model: PendulumDynamics) -> None:
    planner = CEMPlanner(model, horizon=10, samples=60, iterations=2, elites=8)
    mpc = evaluate_controller("Pendulum-v1", planner, episodes=1, seed=4)
    idle = evaluate_controller("Pendulum-v1", lambda o: np.zeros(1, np.float32), episodes=1, seed=4)
    assert mpc.mean_return > idle.mean_return + 200


def test_cost_and_angle_wrapping() -> None:
    assert float(angle_normalize(torch.tensor(2 * np.pi + 0.5))) == pytest.approx(0.5)
    cost = pendulum_cost(torch.tensor([[np.pi, 1.0]]), torch.tensor([[2.0]]))
    assert float(cost[0]) == pytest.approx(np.pi**2 + 0.1 + 0.004, rel=1e-5)


def test_bad_settings_are_errors(model: PendulumDynamics) -> None:
    with pytest.raises(ConfigError, match="elites"):
        CEMPlanner(model, samples=10, elites=20)
    with pytest.raises(ConfigError, match="Pendulum-v1 only"):
        random_transitions("CartPole-v1", transitions=100)
