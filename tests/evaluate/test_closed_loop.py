"""Closed-loop evaluation against known controllers in the real simulator."""

from __future__ import annotations

import numpy as np
import pytest

gymnasium = pytest.importorskip("gymnasium")

from depthlab.errors import ConfigError  # noqa: E402
from depthlab.evaluate.closed_loop import evaluate_controller  # noqa: E402


def _zero(obs: np.ndarray) -> np.ndarray:
    return np.zeros(1, dtype=np.float32)


def test_zero_torque_equals_a_hand_rolled_loop_exactly() -> None:
    result = evaluate_controller("Pendulum-v1", _zero, episodes=3, seed=7)
    expected = []
    env = gymnasium.make("Pendulum-v1")
    for i in range(3):
        env.reset(seed=7 + i)
        total, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(np.zeros(1, np.float32))
            total += float(reward)
            done = terminated or truncated
        expected.append(total)
    assert result.returns == expected
    assert result.transitions == 600
    assert result.effort == 0.0
    assert result.success_rate == 0.0  # hanging down is not balancing


def test_the_same_seed_gives_bit_identical_returns_and_another_seed_does_not() -> None:
    first = evaluate_controller("Pendulum-v1", _zero, episodes=4, seed=0)
    again = evaluate_controller("Pendulum-v1", _zero, episodes=4, seed=0)
    other = evaluate_controller("Pendulum-v1", _zero, episodes=4, seed=100)
    assert first.returns == again.returns
    assert first.returns != other.returns


def test_cartpole_pushing_one_way_fails_early() -> None:
    result = evaluate_controller("CartPole-v1", lambda obs: 1, episodes=2, keep=1)
    assert max(result.returns) < 100
    assert result.success_rate == 0.0
    assert result.effort == 10.0
    assert len(result.trajectories) == 1
    episode = result.trajectories[0]
    assert episode.terminated and episode.obs.shape == (episode.steps + 1, 4)


class _Counting:
    """A controller with ``act`` and ``reset``, as policies and the MPC have."""

    def __init__(self) -> None:
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1

    def act(self, obs: np.ndarray) -> np.ndarray:
        return np.full(1, 0.5, dtype=np.float32)


def test_act_method_and_reset_per_episode() -> None:
    controller = _Counting()
    result = evaluate_controller("Pendulum-v1", controller, episodes=3)
    assert controller.resets == 3
    assert result.effort == pytest.approx(0.5)
    assert set(result.to_dict()) >= {"mean_return", "std_return", "seconds_per_step"}
    assert result.max_step_seconds >= result.seconds_per_step > 0


def test_bad_arguments_are_one_line_errors() -> None:
    with pytest.raises(ConfigError, match="at least 1"):
        evaluate_controller("Pendulum-v1", _zero, episodes=0)
    with pytest.raises(ConfigError, match="callable"):
        evaluate_controller("Pendulum-v1", 3, episodes=1)
