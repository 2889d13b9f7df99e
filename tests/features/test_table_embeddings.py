"""Many-level categorical columns: codes for embeddings in networks, one-hot in baselines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import depthlab as dl
from depthlab.data.dataset import Dataset
from depthlab.training.preprocess import Preprocessor
from depthlab.training.run import Run

LEVELS = 40


def shops(n: int = 1200, seed: int = 0) -> Dataset:
    """The target is mostly the shop's own effect: a model must tell 40 shops apart."""
    rng = np.random.default_rng(seed)
    shop = rng.integers(0, LEVELS, n)
    effect = np.random.default_rng(99).normal(0, 2.0, LEVELS)
    size = rng.normal(0, 1, n)
    frame = pd.DataFrame(
        {
            "size": size,
            "shop": pd.Categorical([f"shop{s}" for s in shop]),
            "colour": pd.Categorical(rng.choice(["red", "blue"], n)),
        }
    )
    y = effect[shop] + 0.5 * size + rng.normal(0, 0.1, n)
    return Dataset("shops", "tabular", "regression", frame, y, feature_names=tuple(frame.columns))


def test_many_levels_become_trailing_codes_and_few_levels_one_hot() -> None:
    ds = shops()
    train = np.arange(800)
    prep = Preprocessor.fit(ds, train, "mlp")
    assert list(prep.stats["embedded"]) == ["shop"]
    assert prep.stats["features"] == ["size", "colour=blue", "colour=red"]
    x = prep.transform(ds.inputs)
    assert x.shape == (len(ds), 4)
    spec = prep.input_spec(1)
    assert spec.cardinalities == (LEVELS + 1,)
    codes = x[:, -1]
    assert codes.min() >= 1 and codes.max() <= LEVELS  # every level was seen in training
    unseen = ds.inputs.iloc[:3].copy()
    unseen["shop"] = pd.Categorical(["nowhere", None, "shop1"])
    assert list(prep.transform(unseen)[:, -1][:2]) == [0.0, 0.0]  # unseen and missing -> 0


def test_a_lower_threshold_moves_a_column_to_embeddings() -> None:
    ds = shops()
    prep = Preprocessor.fit(ds, np.arange(800), "mlp", {"embed_levels": 2, "features": None})
    assert set(prep.stats["embedded"]) == {"shop"}  # colour has 2 levels: still one-hot
    prep = Preprocessor.fit(ds, np.arange(800), "mlp", {"embed_levels": 50})
    assert prep.stats["embedded"] == {}
    assert len(prep.stats["features"]) == 1 + LEVELS + 2


@pytest.mark.parametrize("model", ["mlp", "linear", "ridge", "boosting"])
def test_models_learn_the_per_level_effect_and_round_trip(model: str, tmp_path: Path) -> None:
    ds = shops()
    out = tmp_path / model
    options = {"epochs": 40} if model in ("mlp", "linear") else None
    run = dl.train(
        ds, dl.TrainSpec(model=model, train=options, split={"strategy": "random"}), out=out
    )
    # The shop effect has std 2 and the noise 0.1: ignoring the shop leaves R^2 near 0.06.
    # Boosting splits on the codes as numbers, so it needs more splits per level.
    assert run.metrics["test"]["r2"] > (0.8 if model == "boosting" else 0.9), run.metrics["test"]
    again = Run.load(out)
    rows = ds.inputs.iloc[:50]
    np.testing.assert_allclose(again.predict(rows), run.predict(rows), rtol=1e-5, atol=1e-5)
