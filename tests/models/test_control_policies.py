"""Policies by string id: heads, bounds, standardisation, config and save/load round-trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from depthlab.errors import UnknownNameError
from depthlab.models.control.envs import env_info
from depthlab.models.control.policies import POLICIES, Policy, load_policy, make_policy


@pytest.mark.parametrize("policy_id", list(POLICIES))
def test_discrete_policies_give_logits_and_an_action_id(policy_id: str) -> None:
    torch.manual_seed(0)
    policy = make_policy(policy_id, env_info("CartPole-v1"))
    assert policy(torch.zeros(5, 4)).shape == (5, 2)
    assert policy.act(np.zeros(4, np.float32)) in (0, 1)


def test_depth_of_each_id() -> None:
    info = env_info("CartPole-v1")
    linears = {
        pid: sum(isinstance(m, torch.nn.Linear) for m in make_policy(pid, info).modules())
        for pid in POLICIES
    }
    assert linears == {"linear": 1, "mlp:shallow": 2, "mlp:deep": 4}


def test_continuous_actions_stay_within_the_bounds() -> None:
    torch.manual_seed(0)
    policy = make_policy("mlp:deep", env_info("Pendulum-v1"))
    with torch.no_grad():
        policy.net[-1].weight.mul_(1000.0)  # drive the head into saturation
        out = policy(torch.randn(200, 3) * 10)
    assert out.shape == (200, 1)
    assert float(out.min()) >= -2.0 and float(out.max()) <= 2.0
    assert float(out.max()) > 1.9 and float(out.min()) < -1.9
    assert policy.act(np.zeros(3, np.float32)).dtype == np.float32


def test_standardisation_uses_the_training_observations() -> None:
    policy = make_policy("linear", env_info("CartPole-v1"))
    obs = np.random.default_rng(0).normal(3.0, 2.0, size=(1000, 4))
    policy.set_standardisation(obs)
    np.testing.assert_allclose(policy.obs_mean.numpy(), obs.mean(0), rtol=1e-5)
    np.testing.assert_allclose(policy.obs_std.numpy(), obs.std(0, ddof=1), rtol=1e-4)


def test_config_and_save_load_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(1)
    policy = make_policy("mlp:shallow", env_info("Pendulum-v1"), hidden_size=16)
    policy.set_standardisation(np.random.default_rng(1).normal(size=(50, 3)))
    assert Policy.from_config(policy.get_config()).get_config() == policy.get_config()
    policy.save(tmp_path / "policy.pt")
    loaded = load_policy(tmp_path / "policy.pt")
    obs = np.random.default_rng(2).normal(size=(10, 3)).astype(np.float32)
    for row in obs:
        np.testing.assert_array_equal(loaded.act(row), policy.act(row))
    assert loaded.hidden_size == 16


def test_unknown_policy_id_suggests_the_closest() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'mlp:deep'"):
        make_policy("mlp:dep", env_info("CartPole-v1"))
