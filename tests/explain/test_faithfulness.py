"""Faithfulness (deletion curve against random order) and stability (rank correlation across
seeds) of attributions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model

pytest.importorskip("captum")

from depthlab.explaining.faithfulness import deletion
from depthlab.explaining.methods import attribute
from depthlab.explaining.stability import rank_correlation, stability

SPEC = InputSpec("vector", (8,), 2, "classification")


def _data() -> tuple[np.ndarray, np.ndarray]:
    """Two features of eight decide the class (feature 0 more than feature 1)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 8)).astype(np.float32)
    return x, (2 * x[:, 0] + x[:, 1] > 0).astype(np.int64)


def _trained(seed: int) -> torch.nn.Module:
    x, y = _data()
    torch.manual_seed(seed)
    net = build_model("mlp", SPEC, width=32)
    optimiser = torch.optim.Adam(net.parameters(), lr=0.01)
    for _ in range(150):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        optimiser.step()
    return net.eval()


@pytest.mark.parametrize("method", ["integrated-gradients", "saliency", "occlusion"])
def test_a_trained_models_attributions_beat_a_random_order(method: str) -> None:
    x, y = _data()
    net = _trained(0)
    values = attribute(net, x[:64], method, target=y[:64], steps=16)
    result = deletion(net, x[:64], values, target=y[:64])
    assert result["faithfulness"] > 0.1  # probability points of area, better than chance
    assert result["curve_attribution"][0] == pytest.approx(result["curve_random"][0])
    # Deleting the two features that matter first drops the class's probability at once.
    assert result["curve_attribution"][3] < result["curve_random"][3]


def test_attributions_that_rank_at_random_are_no_better_than_chance() -> None:
    x, y = _data()
    net = _trained(0)
    noise = np.random.default_rng(5).normal(size=(64, 8))
    assert abs(deletion(net, x[:64], noise, target=y[:64])["faithfulness"]) < 0.08


def test_regression_tracks_how_far_the_prediction_moves() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 6)).astype(np.float32)
    net = build_model("linear", InputSpec("vector", (6,), 1, "regression"))
    with torch.no_grad():
        net.head.weight.copy_(torch.tensor([[3.0, 0, 0, 0, 0, 0.1]]))
    values = attribute(net, x[:50], "integrated-gradients")
    result = deletion(net, x[:50], values)
    assert result["faithfulness"] > 0 and "standard deviations" in result["tracked"]


def test_identical_runs_are_perfectly_stable_and_two_seeds_agree() -> None:
    x, y = _data()
    first = attribute(_trained(0), x[:32], "integrated-gradients", target=y[:32], steps=16)
    again = attribute(_trained(0), x[:32], "integrated-gradients", target=y[:32], steps=16)
    other = attribute(_trained(1), x[:32], "integrated-gradients", target=y[:32], steps=16)
    assert stability([first, again])["mean"] == pytest.approx(1.0)
    two = stability([first, other])
    assert two["mean"] is not None and two["mean"] > 0.2
    assert len(stability([first, again, other])["pairs"]) == 3


def test_constant_attributions_have_no_rank_to_compare() -> None:
    assert rank_correlation(np.zeros((3, 4)), np.ones((3, 4))) is None
    with pytest.raises(ValueError, match="different shapes"):
        rank_correlation(np.zeros((3, 4)), np.zeros((3, 5)))
