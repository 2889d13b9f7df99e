"""Logistic regression with ``C="cv"`` chooses its regularisation on the training data it is
given, by stratified cross-validation: recorded in the run, kept by the saved model. The frozen
encoder's embeddings ask for it; a given ``C`` wins, and elsewhere ``C`` stays 1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import depthlab as dl
from depthlab.config import TrainSpec
from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError
from depthlab.features.registry import get_features
from depthlab.features.spec import InputSpec
from depthlab.models.baselines import C_GRID, choose_c, make_baseline
from depthlab.training.run import Run
from depthlab.training.spec import defaults, resolve


def noisy(n: int, dims: int, flip: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels from the sign of the first feature, a share *flip* of them flipped, among
    *dims* - 1 features of pure noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dims))
    y = (x[:, 0] > 0).astype(np.int64)
    flipped = rng.random(n) < flip
    return x, np.where(flipped, 1 - y, y)


def spec(dims: int) -> InputSpec:
    return InputSpec("vector", (dims,), n_outputs=2, task="classification")


def test_noisy_data_gets_stronger_regularisation_than_clean_data() -> None:
    x_clean, y_clean = noisy(400, 5, flip=0.0, seed=0)
    x_noisy, y_noisy = noisy(80, 60, flip=0.25, seed=0)
    clean = choose_c(x_clean, y_clean, spec(5))
    rough = choose_c(x_noisy, y_noisy, spec(60))
    assert rough["C"] < clean["C"]  # smaller C: stronger regularisation
    assert {clean["C"], rough["C"]} <= set(C_GRID)
    assert clean["folds"] == rough["folds"] == 5
    assert clean["cv_accuracy"] > 0.95 > 0.5 < rough["cv_accuracy"]


def test_the_chosen_c_is_the_one_fitted() -> None:
    x, y = noisy(120, 30, flip=0.2, seed=1)
    model = make_baseline("logistic", spec(30), seed=1, options={"C": "cv"}).fit(x, y)
    assert model.chosen_["C"] == model.estimator.C == choose_c(x, y, spec(30), seed=1)["C"]
    given = make_baseline("logistic", spec(30), options={"C": 3.0}).fit(x, y)
    assert given.estimator.C == 3.0 and given.chosen_ == {}
    default = make_baseline("logistic", spec(30)).fit(x, y)
    assert default.estimator.C == 1.0 and default.chosen_ == {}


def test_the_encoder_features_ask_logistic_to_choose_c() -> None:
    encoder = get_features("encoder")
    assert defaults("logistic", "shallow", encoder).options == {"C": "cv"}
    assert defaults("logistic", "shallow", get_features("tfidf")).options == {}
    explicit = resolve(TrainSpec(model="logistic", options={"C": 0.5}), pipeline=encoder)
    assert explicit.options == {"C": 0.5}  # the user's C wins
    with pytest.raises(ConfigError, match="a positive number or 'cv'"):
        make_baseline("logistic", spec(3), options={"C": "auto"})


def test_too_few_examples_of_a_class_keep_the_default() -> None:
    x, _ = noisy(10, 3, flip=0.0, seed=2)
    y = np.array([0] * 9 + [1])
    assert choose_c(x, y, spec(3)) == {"C": 1.0, "cv_accuracy": None, "folds": 0}


def test_a_run_records_the_chosen_c_and_reloads_with_it(tmp_path: Path) -> None:
    x, y = noisy(300, 20, flip=0.15, seed=3)
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(20)])
    ds = Dataset("noisy", "tabular", "classification", frame, y, class_names=("no", "yes"))
    run = dl.train(ds, dl.TrainSpec(model="logistic", options={"C": "cv"}), out=tmp_path / "run")
    chosen = run.metrics["chosen"]
    assert chosen["C"] in C_GRID and 0.5 < chosen["cv_accuracy"] <= 1.0
    assert chosen["folds"] == 5
    loaded = Run.load(tmp_path / "run")
    assert chosen["C"] == loaded.model.estimator.C  # type: ignore[union-attr]
    assert loaded.metrics["chosen"] == chosen
    np.testing.assert_allclose(loaded.predict_proba(frame[:5]), run.predict_proba(frame[:5]))
