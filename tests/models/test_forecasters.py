"""Forecasting baselines (persistence, ARIMA) with known answers, saved as JSON, and a network
that beats persistence on a seasonal series."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import depthlab as dl
from depthlab.data.dataset import Dataset
from depthlab.data.splits import split_dataset
from depthlab.errors import ConfigError
from depthlab.features.spec import InputSpec
from depthlab.models.baselines import make_baseline
from depthlab.models.forecasters import ARIMAForecaster, training_series
from depthlab.training.preprocess import examples_for


def series(values: np.ndarray, name: str = "toy") -> Dataset:
    return Dataset(
        name=name,
        modality="timeseries",
        task="forecasting",
        inputs=values.astype(np.float32)[:, None],
        targets=values.astype(np.float64),
        time_index=np.arange(len(values)),
    )


def ar2(n: int, seed: int = 0, phi: tuple[float, float] = (0.6, -0.3)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=n + 100)
    y = np.zeros(n + 100)
    for t in range(2, n + 100):
        y[t] = phi[0] * y[t - 1] + phi[1] * y[t - 2] + noise[t]
    return y[100:] + 10.0  # a mean away from 0, for the constant


def seasonal(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return (
        20 + 8 * np.sin(2 * np.pi * t / 12) + 3 * np.sin(2 * np.pi * t / 5) + rng.normal(0, 0.5, n)
    )


def test_persistence_forecasts_the_last_value_for_every_step(tmp_path: Path) -> None:
    values = ar2(200)
    run = dl.train(
        series(values), dl.TrainSpec(model="persistence", features={"lookback": 6, "horizon": 3})
    )
    w = examples_for(series(values), "persistence", {"lookback": 6, "horizon": 3})
    predicted = run.predict(w.inputs)  # (N, 3)
    shifted = values[5 : 5 + len(w)]  # the value just before each window's first target
    np.testing.assert_allclose(predicted, np.repeat(shifted[:, None], 3, axis=1), rtol=1e-5)
    assert run.metrics["cost"]["parameters"] == 0
    # Persistence is MASE's unit: its one-step MASE on the training windows is 1.
    one = dl.train(series(values), dl.TrainSpec(model="persistence", features={"lookback": 6}))
    assert one.metrics["train"]["mase"] == pytest.approx(1.0, abs=1e-4)


def test_arima_recovers_the_coefficients_of_an_ar2_process() -> None:
    values = ar2(3000)
    lookback = 8
    w = examples_for(series(values), "arima", {"lookback": lookback})
    history = np.asarray(w.inputs[:, 0, :], dtype=np.float64)
    model = ARIMAForecaster((2, 0, 0), None, lookback, 1).fit(history, w.targets)
    names = dict(zip(model.param_names_, model.params_, strict=True))
    assert names["ar.L1"] == pytest.approx(0.6, abs=0.04)
    assert names["ar.L2"] == pytest.approx(-0.3, abs=0.04)
    assert names["const"] == pytest.approx(10.0, abs=0.1)
    # The training series is stitched back exactly from the windows.
    np.testing.assert_allclose(training_series(history, w.targets), values, rtol=1e-6)


def test_arima_forecasts_equal_statsmodels_own_from_each_window() -> None:
    from statsmodels.tsa.arima.model import ARIMA

    values = ar2(400, seed=1)
    lookback, horizon = 12, 4
    w = examples_for(series(values), "arima", {"lookback": lookback, "horizon": horizon})
    history = np.asarray(w.inputs[:, 0, :], dtype=np.float64)
    model = ARIMAForecaster((2, 0, 1), None, lookback, horizon).fit(history[:300], w.targets[:300])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [
            ARIMA(window, order=(2, 0, 1)).filter(model.params_).forecast(horizon)
            for window in history[300:]
        ]
    np.testing.assert_allclose(model.predict(history[300:]), np.stack(expected), atol=1e-8)


def test_arima_in_a_run_matches_statsmodels_on_the_raw_training_series(tmp_path: Path) -> None:
    from statsmodels.tsa.arima.model import ARIMA

    values = ar2(300, seed=2) * 7.0  # far from unit scale: the run fits standardised values
    ds = series(values)
    run = dl.train(ds, dl.TrainSpec(model="arima", features={"lookback": 10}), out=tmp_path / "run")
    w = examples_for(ds, "arima", {"lookback": 10})
    split = split_dataset(w, seed=0)
    end = int(w.time_index[split.train[-1]]) + 1  # the training windows' last target, and before
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = ARIMA(values[:end], order=(3, 0, 0)).fit()
        expected = [fitted.apply(x).forecast(1)[0] for x in w.inputs[split.test, 0, :]]
    np.testing.assert_allclose(run.predict(w.inputs[split.test])[:, 0], expected, rtol=2e-3)
    # Saved as plain JSON, loaded back to identical forecasts.
    saved = json.loads((tmp_path / "run" / "model.json").read_text())
    assert saved["family"] == "arima" and len(saved["fitted"]["params_"]) == 5
    assert not (tmp_path / "run" / "model.skops").exists()
    again = dl.Run.load(tmp_path / "run")
    np.testing.assert_array_equal(again.predict(w.inputs), run.predict(w.inputs))
    assert run.metrics["cost"]["parameters"] == 5  # const, 3 AR terms, noise variance


def test_arima_takes_an_order_and_persistence_takes_nothing() -> None:
    values = ar2(200)
    run = dl.train(series(values), dl.TrainSpec(model="arima", options={"order": [1, 0, 0]}))
    assert run.config["model"]["options"]["order"] == [1, 0, 0]
    assert run.metrics["cost"]["parameters"] == 3
    with pytest.raises(ConfigError, match="takes no model options"):
        dl.train(series(values), dl.TrainSpec(model="persistence", options={"order": [1, 0, 0]}))
    spec = InputSpec("sequence", (1, 8), n_outputs=1, task="forecasting")
    with pytest.raises(ConfigError, match="invalid value for 'order"):
        make_baseline("arima", spec, options={"order": [1, 0]})
    with pytest.raises(ConfigError, match="baselines that do regression"):
        make_baseline("arima", InputSpec("vector", (3,), n_outputs=1, task="regression"))


def test_a_network_beats_persistence_on_a_seasonal_series() -> None:
    ds = series(seasonal(400))
    options = {"lookback": 24}
    naive = dl.train(ds, dl.TrainSpec(model="persistence", features=options))
    net = dl.train(ds, dl.TrainSpec(model="mlp", features=options, train={"epochs": 40}))
    assert net.metrics["test"]["rmse"] < 0.5 * naive.metrics["test"]["rmse"]
    assert net.metrics["test"]["mase"] < 0.5


@pytest.mark.parametrize("model", ["ridge", "boosting"])
def test_regression_baselines_forecast_several_steps(model: str) -> None:
    run = dl.train(
        series(seasonal(300)), dl.TrainSpec(model=model, features={"lookback": 12, "horizon": 3})
    )
    assert len(run.metrics["test"]["rmse_per_step"]) == 3
    assert run.metrics["test"]["mase"] < 1.0
