"""Classical baselines: trained through dl.train, measured like networks, saved without pickle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import depthlab as dl
from depthlab.errors import ConfigError, DataError
from depthlab.features.spec import InputSpec
from depthlab.models.baselines import Baseline


@pytest.mark.parametrize(
    ("data", "model", "metric", "floor"),
    [
        ("iris", "logistic", "accuracy", 0.85),
        ("breast-cancer", "boosting", "accuracy", 0.85),
        ("diabetes", "ridge", "r2", 0.3),
        ("diabetes", "boosting", "r2", 0.2),
    ],
)
def test_baseline_learns_and_reloads(
    data: str, model: str, metric: str, floor: float, tmp_path: Path
) -> None:
    run = dl.train(data, dl.TrainSpec(model=model), out=tmp_path / "run")
    assert run.metrics["test"][metric] > floor
    assert run.metrics["cost"]["parameters"] > 0
    assert run.metrics["cost"]["latency_ms_batch1"] > 0
    assert (tmp_path / "run" / "model.skops").is_file()
    assert not (tmp_path / "run" / "model.safetensors").exists()
    again = dl.Run.load(tmp_path / "run")
    inputs = dl.load_dataset(data).inputs
    np.testing.assert_array_equal(again.predict(inputs), run.predict(inputs))


def test_logistic_regression_on_mnist1d_matches_the_paper() -> None:
    # The MNIST-1D paper reports 32% for logistic regression: a sanity check of the data path.
    run = dl.train("mnist1d", dl.TrainSpec(model="logistic"))
    assert 0.27 < run.metrics["test"]["accuracy"] < 0.37


def test_probabilities_cover_every_class() -> None:
    spec = InputSpec("vector", (2,), n_outputs=4, task="classification")
    x = np.array([[0.0, 0.0], [1.0, 1.0], [0.1, 0.0], [0.9, 1.0]], dtype=np.float32)
    baseline = Baseline("logistic", spec).fit(x, np.array([0, 2, 0, 2]))
    proba = baseline.outputs(x)
    assert proba.shape == (4, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(proba[:, [1, 3]] == 0)


def test_wrong_task_and_options_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="does not do regression; baselines that do: ridge"):
        dl.train("diabetes", dl.TrainSpec(model="logistic"))
    with pytest.raises(ConfigError, match=r"takes only the options learning_rate, .*not max_depth"):
        dl.train("iris", dl.TrainSpec(model="boosting", options={"max_depth": 3}))
    with pytest.raises(ConfigError, match="takes only the option C, not penalty"):
        dl.train("iris", dl.TrainSpec(model="logistic", options={"penalty": "l1"}))
    with pytest.raises(ConfigError, match=r"logistic' is invalid.*a positive number or 'cv'"):
        dl.train("iris", dl.TrainSpec(model="logistic", options={"C": 0}))


def test_the_options_a_search_varies_reach_the_estimators() -> None:
    spec = InputSpec("vector", (4,), n_outputs=3, task="classification")
    boosting = Baseline("boosting", spec, options={"learning_rate": 0.05, "max_leaf_nodes": 8})
    assert boosting.estimator.learning_rate == 0.05 and boosting.estimator.max_leaf_nodes == 8
    assert boosting.get_config()["options"] == {
        "seed": 0,
        "learning_rate": 0.05,
        "max_leaf_nodes": 8,
    }
    regression = InputSpec("vector", (4,), n_outputs=1, task="regression")
    assert type(Baseline("ridge", regression).estimator).__name__ == "RidgeCV"  # alpha by CV
    fixed = Baseline("ridge", regression, options={"alpha": 10})
    assert type(fixed.estimator).__name__ == "Ridge" and fixed.estimator.alpha == 10.0
    pairs = InputSpec("pairs", (2,), n_outputs=1, task="regression")
    biases = Baseline("biases", pairs, options={"reg_user": 2.0})
    assert (biases.estimator.reg_user, biases.estimator.reg_item) == (2.0, 10.0)


def test_a_ridge_with_a_fixed_alpha_saves_and_loads(tmp_path: Path) -> None:
    run = dl.train("diabetes", dl.TrainSpec(model="ridge", options={"alpha": 3.0}), out=tmp_path)
    again = dl.Run.load(tmp_path)
    assert again.record.model["options"]["alpha"] == 3.0
    inputs = dl.load_dataset("diabetes").inputs
    np.testing.assert_array_equal(again.predict(inputs), run.predict(inputs))


def test_unknown_model_lists_networks_and_baselines() -> None:
    with pytest.raises(ConfigError, match=r"Did you mean 'boosting'.*baselines: logistic"):
        dl.train("iris", dl.TrainSpec(model="bosting"))


def test_a_file_with_untrusted_types_is_refused(tmp_path: Path) -> None:
    import skops.io
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    run = dl.train("iris", dl.TrainSpec(model="logistic"), out=tmp_path / "run")
    assert run.metrics["test"]["accuracy"] > 0.8
    # Replace the saved model with one that would call a function with side effects on load.
    rogue = make_pipeline(FunctionTransformer(np.save))
    rogue.fit(np.zeros((2, 4)))
    skops.io.dump(rogue, tmp_path / "run" / "model.skops")
    with pytest.raises(DataError, match="types depthlab does not load"):
        dl.Run.load(tmp_path / "run")
