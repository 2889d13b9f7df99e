"""Attribution methods: the input's shape for every kind of input, the feature that matters
ranked first by every method, the fallback to permutation for models without gradients."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from depthlab.errors import ConfigError
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.models.baselines import make_baseline

pytest.importorskip("captum")

from depthlab.explaining.methods import METHODS, attribute, feature_groups

KINDS = [
    ("mlp", InputSpec("vector", (5,), 3, "classification")),
    ("cnn", InputSpec("sequence", (1, 40), 3, "classification")),
    ("cnn", InputSpec("image", (1, 8, 8), 3, "classification")),
    ("rnn", InputSpec("sequence", (2, 12), 1, "regression")),
]


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize(("family", "spec"), KINDS, ids=lambda v: getattr(v, "kind", v))
def test_attributions_have_the_inputs_shape(family: str, spec: InputSpec, method: str) -> None:
    torch.manual_seed(0)
    net = build_model(family, spec)
    x = np.random.default_rng(0).normal(size=(6, *spec.shape)).astype(np.float32)
    values = attribute(net, x, method, steps=4)
    assert values.shape == x.shape
    assert np.isfinite(values).all() and np.abs(values).sum() > 0


@pytest.mark.parametrize("family", ["linear", "mlp", "cnn", "rnn"])
@pytest.mark.parametrize("method", list(METHODS))
def test_tokens_get_one_score_each_and_padding_none(family: str, method: str) -> None:
    torch.manual_seed(0)
    net = build_model(family, InputSpec("tokens", (10,), 2, "classification", vocab_size=40))
    if family == "linear":  # zero-initialised: give the words weights to attribute
        torch.nn.init.normal_(net.words.weight)
    ids = np.random.default_rng(1).integers(2, 40, size=(5, 10))
    ids[:, 7:] = 0  # padding
    values = attribute(net, ids, method, steps=4)
    assert values.shape == ids.shape
    if method != "permutation":  # shuffling a padded position across texts moves nothing
        assert np.all(values[:, 7:] == 0)
    assert np.abs(values[:, :7]).sum() > 0


def _only_feature_zero_matters() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 5)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64)


def test_every_method_ranks_the_one_feature_that_matters_first() -> None:
    x, y = _only_feature_zero_matters()
    torch.manual_seed(0)
    net = build_model("mlp", InputSpec("vector", (5,), 2, "classification"), width=32)
    optimiser = torch.optim.Adam(net.parameters(), lr=0.01)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(150):
        optimiser.zero_grad()
        torch.nn.functional.cross_entropy(net(xt), yt).backward()
        optimiser.step()
    net.eval()
    assert (net(xt).argmax(1) == yt).float().mean() > 0.95
    for method in METHODS:
        values = attribute(net, x[:64], method, target=y[:64], steps=16)
        assert np.abs(values).mean(axis=0).argmax() == 0, method


def test_a_classical_model_is_explained_by_perturbation() -> None:
    x, y = _only_feature_zero_matters()
    model = make_baseline("logistic", InputSpec("vector", (5,), 2, "classification"))
    model.fit(x, y)
    for method in ("occlusion", "permutation"):
        values = attribute(model, x[:64], method, target=y[:64])
        assert np.abs(values).mean(axis=0).argmax() == 0, method


def test_a_gradient_method_without_gradients_falls_back_with_a_notice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    x, y = _only_feature_zero_matters()
    model = make_baseline("boosting", InputSpec("vector", (5,), 2, "classification"))
    model.fit(x, y)
    caplog.set_level(logging.WARNING, logger="depthlab")
    logging.getLogger("depthlab").propagate = True
    values = attribute(model, x[:32], "integrated-gradients", target=y[:32])
    assert "no gradients" in caplog.text and "permutation" in caplog.text
    assert np.array_equal(values, attribute(model, x[:32], "permutation", target=y[:32]))
    assert np.abs(values).mean(axis=0).argmax() == 0


def test_id_pairs_are_explained_by_permutation_only(caplog: pytest.LogCaptureFixture) -> None:
    torch.manual_seed(0)
    net = build_model("mf", InputSpec("pairs", (2,), 1, "regression", cardinalities=(20, 30)))
    pairs = np.stack([np.arange(10) % 20, np.arange(10) % 30], axis=1).astype(np.int64)
    caplog.set_level(logging.WARNING, logger="depthlab")
    logging.getLogger("depthlab").propagate = True
    values = attribute(net, pairs, "saliency")
    assert values.shape == (10, 2)
    assert "id inputs have no gradient" in caplog.text


def test_unknown_method_is_a_config_error() -> None:
    net = build_model("mlp", InputSpec("vector", (3,), 2, "classification"))
    with pytest.raises(ConfigError, match=r"unknown explanation method 'salency'.*saliency"):
        attribute(net, np.zeros((2, 3), np.float32), "salency")


def test_large_inputs_are_perturbed_in_patches() -> None:
    groups = feature_groups((40, 1000))  # a long spectrogram: 1000 frames, 40 bands
    assert groups.shape == (40, 1000) and 200 <= len(np.unique(groups)) <= 256
    assert (groups[0] == groups[39]).all()  # the bands of a frame share a patch
    assert len(np.unique(feature_groups((1, 8, 8)))) == 64  # small: every value its own
