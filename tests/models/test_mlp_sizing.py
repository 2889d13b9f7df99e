"""The sizing rules of the linear and MLP families (``sized``): what they give at the presets'
own scale, how they move with the number of training examples and features, their bounds, and
that the sized linear network learns what logistic regression learns."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch

import depthlab as dl
from depthlab.config import TrainSpec
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.models.linear import Linear, l2_penalty
from depthlab.models.mlp import MAX_WIDTH, MIN_WIDTH, MLP
from depthlab.training.spec import resolve

MNIST1D = InputSpec("sequence", (1, 40), n_outputs=10, task="classification")
SIZES = (20, 100, 240, 500, 1000, 3000, 10_000, 1_000_000)


def table(features: int = 10, classes: int = 3) -> InputSpec:
    return InputSpec("vector", (features,), n_outputs=classes, task="classification")


@pytest.mark.parametrize("preset", ["shallow", "deep"])
def test_mlp_at_the_presets_scale_is_the_preset(preset: str) -> None:
    """MNIST-1D's 3,250 training examples: the presets as measured in bench/README.md."""
    sized = MLP.sized(preset, MNIST1D, 3250)
    assert sized.options == {**MLP.presets[preset], "width": MLP.presets[preset]["width"]}
    assert sized.train["batch_size"] == 128
    assert sized.train["lr"] == pytest.approx(3e-3)
    assert sized.train["weight_decay"] == pytest.approx(0.1 if preset == "deep" else 0.01)


@pytest.mark.parametrize("preset", ["shallow", "deep"])
def test_mlp_regularises_more_and_batches_smaller_on_less_data(preset: str) -> None:
    rules = [MLP.sized(preset, table(), n) for n in SIZES]
    for small, large in itertools.pairwise(rules):
        assert small.options["dropout"] >= large.options["dropout"]
        assert small.train["weight_decay"] >= large.train["weight_decay"]
        assert small.train["batch_size"] <= large.train["batch_size"]
        assert small.train["lr"] <= large.train["lr"]
        assert small.options["width"] <= large.options["width"]
    first, last = rules[0], rules[-1]
    assert first.options["dropout"] > last.options["dropout"]
    assert first.train["batch_size"] < last.train["batch_size"]
    assert first.options["width"] < last.options["width"]


def test_mlp_keeps_an_epoch_of_many_steps_on_small_tables() -> None:
    """240 rows (the penguins' training part) in batches of 128 were two steps an epoch."""
    batch = MLP.sized("shallow", table(), 240).train["batch_size"]
    assert 240 / batch >= 10


def test_mlp_regression_keeps_dropout_low() -> None:
    """Dropout before a regression head is noise on the prediction itself."""
    regression = InputSpec("vector", (10,), n_outputs=1, task="regression")
    for n_train in SIZES:
        assert MLP.sized("shallow", regression, n_train).options["dropout"] <= 0.1
    assert MLP.sized("shallow", table(), 240).options["dropout"] > 0.1


def test_mlp_widens_with_the_inputs() -> None:
    narrow = MLP.sized("shallow", table(features=4), 200).options["width"]
    wide = MLP.sized("shallow", table(features=400), 200).options["width"]
    assert narrow < wide <= MAX_WIDTH


@pytest.mark.parametrize("preset", ["shallow", "deep"])
@pytest.mark.parametrize(
    ("n_train", "features"), [(1, 1), (2, 10_000), (5, 3), (10**8, 1), (10**8, 10**6)]
)
def test_mlp_rule_stays_sane_at_the_extremes(preset: str, n_train: int, features: int) -> None:
    sized = MLP.sized(preset, table(features=features), n_train)
    assert MIN_WIDTH <= sized.options["width"] <= MAX_WIDTH
    assert 0.0 <= sized.options["dropout"] <= 0.4
    assert 16 <= sized.train["batch_size"] <= 128
    assert 0.0 < sized.train["lr"] <= 3e-3
    assert 0.0 < sized.train["weight_decay"] <= 0.2
    model = build_model("mlp", table(features=min(features, 64)), preset, **sized.options)
    assert model.depth() == MLP.presets[preset]["depth"]


def test_mlp_unsized_without_examples_and_for_tokens() -> None:
    tokens = InputSpec("tokens", (50,), n_outputs=2, task="classification", vocab_size=1000)
    for spec, n_train in [(table(), None), (None, None), (tokens, 200)]:
        sized = MLP.sized("deep", spec, n_train)
        assert sized.options == MLP.presets["deep"]
        assert sized.train == MLP.train_presets["deep"]


def test_explicit_settings_override_the_sized_preset() -> None:
    spec = resolve(
        TrainSpec(model="mlp", options={"width": 32}, train={"batch_size": 8}),
        shape=(table(), 240),
    )
    assert spec.options["width"] == 32
    assert spec.options["dropout"] == MLP.sized("shallow", table(), 240).options["dropout"]
    assert spec.train.batch_size == 8
    assert spec.train.lr == MLP.sized("shallow", table(), 240).train["lr"]


def _blocks_after_the_first(n_train: int) -> tuple[torch.Tensor, torch.Tensor]:
    options = MLP.sized("deep", table(), n_train).options
    model = build_model("mlp", table(), "deep", **options).eval()
    with torch.no_grad():
        first = model.hidden[0](torch.randn(4, 10))
        return first, model.hidden[3](model.hidden[2](model.hidden[1](first)))


def test_deep_mlp_starts_as_a_one_layer_network_on_a_small_table() -> None:
    """Under a thousand examples the residual blocks start as the identity: the deep preset's
    output is its first layer's, whatever the later blocks' weights; not on more data."""
    first, last = _blocks_after_the_first(240)
    assert torch.allclose(last, first)
    first, last = _blocks_after_the_first(3250)
    assert not torch.allclose(last, first)


def test_linear_penalty_is_scikit_learns_default() -> None:
    assert l2_penalty("classification", 3, 200) == pytest.approx(1 / 200)
    assert l2_penalty("classification", 2, 200) == pytest.approx(2 / 200)
    assert l2_penalty("regression", 1, 200) == pytest.approx(2 / 200)


def test_linear_schedule_follows_the_data() -> None:
    rules = [Linear.sized("shallow", table(features=10), n).train for n in SIZES]
    for small, large in itertools.pairwise(rules):
        assert small["weight_decay"] > large["weight_decay"]  # a fixed C: more data, less
        assert small["batch_size"] <= large["batch_size"] <= 4096
    assert rules[0]["batch_size"] == SIZES[0]  # full batch on a small table
    train = rules[2]
    assert train["optimizer"] == "sgd" and train["keep"] == "last" and train["grad_clip"] == 0
    # The rate times the largest curvature on 10 standardised features (and the bias) is 1.
    assert train["lr"] * (10 + 1) / 2 == pytest.approx(1.0)
    regression = InputSpec("vector", (10,), n_outputs=1, task="regression")
    assert Linear.sized("shallow", regression, 240).train["lr"] < train["lr"]


def test_linear_unsized_off_tables() -> None:
    tokens = InputSpec("tokens", (50,), n_outputs=2, task="classification", vocab_size=1000)
    assert Linear.sized("shallow", tokens, 500).train == {}
    assert Linear.sized("shallow", table(), None).train == {}
    assert Linear.sized("shallow", MNIST1D, 3250).train == {}


def _synthetic_csv(path: Path, rows: int = 200, seed: int = 0) -> Path:
    """Three classes, linear in four numeric columns and a text category; some values missing."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 4))
    colour = rng.choice(["red", "green", "blue"], size=rows)
    shift = pd.Series(colour).map({"red": 1.5, "green": 0.0, "blue": -1.5}).to_numpy()
    logits = np.stack([x[:, 0] + shift, x[:, 1] - x[:, 2], -x[:, 0] + 0.5 * x[:, 3]], axis=1)
    noisy = logits + rng.gumbel(size=logits.shape)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame["colour"] = colour
    frame["label"] = np.array(["x", "y", "z"])[noisy.argmax(1)]
    frame.loc[rng.random(rows) < 0.05, "b"] = np.nan
    frame.loc[rng.random(rows) < 0.05, "colour"] = np.nan
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("seed", [0, 1])
def test_sized_linear_network_learns_what_logistic_regression_learns(
    tmp_path: Path, seed: int
) -> None:
    csv = _synthetic_csv(tmp_path / "three.csv")
    runs = {
        model: dl.train(csv, TrainSpec(model=model, data={"target": "label"}), seed=seed)
        for model in ("logistic", "linear")
    }
    inputs = dl.load_dataset(csv, target="label").inputs  # every row, seen or held out
    agree = np.mean(runs["linear"].predict(inputs) == runs["logistic"].predict(inputs))
    accuracy = {m: run.metrics["test"]["accuracy"] for m, run in runs.items()}
    assert agree >= 0.95
    assert accuracy["linear"] >= accuracy["logistic"] - 0.04  # one test row in 30
    # Converged, not stopped on the way: it fits its training rows as well as logistic does.
    train = {m: run.metrics["train"]["accuracy"] for m, run in runs.items()}
    assert train["linear"] >= train["logistic"] - 0.02
