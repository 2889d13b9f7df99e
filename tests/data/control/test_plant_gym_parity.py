"""The numpy equations of the classic-control plants step exactly like gymnasium's own envs."""

from __future__ import annotations

import numpy as np
import pytest

from depthlab.data.control.plants import dynamics

gym = pytest.importorskip("gymnasium")


def step_both(name: str, env_id: str, actions: list[int], to_input: dict[int, float]) -> None:
    env = gym.make(env_id).unwrapped
    env.reset(seed=0)
    plant = dynamics(name)
    state = np.asarray(env.state, dtype=np.float64)[None]
    for action in actions:
        obs = env.step(action)[0]
        state = plant.step(state, plant.applied(np.array([[to_input[action]]])))
        assert np.allclose(plant.output(state)[0], obs, atol=1e-5), (name, action)
        assert np.allclose(state[0], env.state, rtol=1e-9, atol=1e-9)
    env.close()


def test_pendulum_matches_pendulum_v1() -> None:
    env = gym.make("Pendulum-v1").unwrapped
    env.reset(seed=1)
    plant = dynamics("pendulum")
    state = np.asarray(env.state, dtype=np.float64)[None]
    rng = np.random.default_rng(0)
    for torque in rng.uniform(-3.0, 3.0, size=100):  # beyond the limit too: both clip at 2
        # a float64 action: a float32 one is multiplied in float32 (NEP 50), not the physics
        obs = env.step(np.array([torque]))[0]
        state = plant.step(state, plant.applied(np.array([[torque]])))
        assert np.allclose(state[0], env.state, rtol=1e-12, atol=1e-12)
        assert np.allclose(plant.output(state)[0], obs, atol=1e-5)
    env.close()


def test_cartpole_matches_cartpole_v1_while_it_runs() -> None:
    env = gym.make("CartPole-v1").unwrapped
    obs = env.reset(seed=0)[0]
    plant = dynamics("cartpole")
    state = np.asarray(env.state, dtype=np.float64)[None]
    for _ in range(200):
        action = int(obs[2] + 0.5 * obs[3] > 0)  # push under the pole: it stays up
        obs, _, terminated, *_ = env.step(action)
        state = plant.step(state, plant.applied(np.array([[20.0 * action - 10.0]])))
        assert not terminated
        assert np.allclose(state[0], env.state, rtol=1e-9, atol=1e-9)
        assert np.allclose(plant.output(state)[0], obs, atol=1e-5)
    env.close()


def test_acrobot_matches_acrobot_v1() -> None:
    rng = np.random.default_rng(0)
    step_both(
        "acrobot", "Acrobot-v1", [int(a) for a in rng.integers(0, 3, 60)], {0: -1.0, 1: 0.0, 2: 1.0}
    )
