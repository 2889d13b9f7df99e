"""The classical experts reach their known returns in the real gymnasium simulator."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gymnasium")
pytest.importorskip("control")

from depthlab.errors import UnknownNameError
from depthlab.evaluate.closed_loop import evaluate_controller
from depthlab.models.control.envs import env_info, make_env
from depthlab.models.control.experts import (
    CartPoleLQR,
    PendulumSwingUp,
    cartpole_model,
    make_expert,
)


def test_cartpole_lqr_balances_for_the_whole_episode() -> None:
    result = evaluate_controller("CartPole-v1", make_expert("CartPole-v1"), episodes=3)
    assert result.returns == [500.0, 500.0, 500.0]
    assert result.success_rate == 1.0


def test_pendulum_swing_up_scores_far_better_than_doing_nothing() -> None:
    expert = evaluate_controller("Pendulum-v1", make_expert("Pendulum-v1"), episodes=5)
    idle = evaluate_controller("Pendulum-v1", lambda obs: np.zeros(1, np.float32), episodes=5)
    assert expert.mean_return > -400
    assert idle.mean_return < expert.mean_return - 300


def test_the_lqr_gain_solves_the_discrete_riccati_equation() -> None:
    from scipy.linalg import solve_discrete_are

    a, b = cartpole_model()
    q, r = np.diag([1.0, 1.0, 10.0, 1.0]), np.array([[0.1]])
    p = solve_discrete_are(a, b, q, r)
    expected = np.linalg.solve(r + b.T @ p @ b, b.T @ p @ a)
    np.testing.assert_allclose(CartPoleLQR().gain_, expected, rtol=1e-6)


def test_the_linearised_cartpole_matches_a_small_step_of_the_simulator() -> None:
    env = make_env("CartPole-v1")
    env.reset(seed=0)
    state = np.array([0.0, 0.0, 0.001, 0.0])
    env.unwrapped.state = state.copy()
    obs, *_ = env.step(1)  # +10 N
    a, b = cartpole_model()
    np.testing.assert_allclose(obs, a @ state + b[:, 0] * 10.0, atol=1e-6)


def test_pendulum_expert_catches_with_lqr_near_the_top_and_respects_the_bounds() -> None:
    expert = PendulumSwingUp()
    near_top = expert(np.array([np.cos(0.1), np.sin(0.1), 0.0], np.float32))
    assert near_top.shape == (1,) and near_top[0] < 0  # pushes back towards th = 0
    far = expert(np.array([-1.0, 0.0, 5.0], np.float32))
    assert abs(float(far[0])) <= 2.0


def test_unknown_environment_is_a_one_line_error_naming_the_known_ones() -> None:
    with pytest.raises(UnknownNameError, match="CartPole-v1, Pendulum-v1"):
        make_expert("CartPol-v1")
    assert env_info("Pendulum-v1").discrete is False
