"""The identification training loop (depthlab.training.sysid): losses, early stopping, seeds."""

from __future__ import annotations

import numpy as np
import pytest

from depthlab.data.control.trajectories import Trajectories
from depthlab.errors import ConfigError
from depthlab.models.sysid import build
from depthlab.models.sysid.base import selection_error
from depthlab.training.sysid import SysIdTrainConfig, fit


def noisy(n: int, seed: int, noise: float) -> tuple[Trajectories, Trajectories]:
    """A slow nonlinear system under inputs held 5 steps; (measured with noise, noise-free)."""
    rng = np.random.default_rng(seed)
    u = np.repeat(rng.uniform(-1, 1, size=(n, 40, 1)), 5, axis=1)  # (n, 200, 1)
    y = np.zeros((n, 200, 1))
    for t in range(199):
        y[:, t + 1] = 0.9 * y[:, t] + 0.1 * np.tanh(3 * u[:, t]) - 0.05 * y[:, t] ** 3
    return Trajectories(u, y + noise * rng.normal(size=y.shape), 0.1), Trajectories(u, y, 0.1)


def test_multi_step_training_beats_one_step_in_free_run_under_output_noise() -> None:
    # Noisy regressors bias a one-step fit (errors in variables); a simulation loss never reads
    # the measured outputs past the warm-up, so its free run stays close to the system.
    train, _ = noisy(8, 0, 0.12)
    val, _ = noisy(4, 1, 0.12)
    _, test = noisy(4, 2, 0.0)
    errors = {}
    for loss in ("one-step", "multi-step"):
        model = build("narx:shallow", hidden_size=32)
        config = SysIdTrainConfig(loss=loss, horizon=30, max_steps=300, eval_every=50)
        fit(model, train, val, config, init_window=5)
        errors[loss] = selection_error(test.y, model.simulate(test, 5), 5)
    assert errors["multi-step"] < 0.7 * errors["one-step"], errors


def test_the_kept_weights_are_the_best_validation_ones_and_runs_repeat() -> None:
    train, _ = noisy(4, 0, 0.0)
    val, _ = noisy(2, 1, 0.0)
    runs = []
    for _ in range(2):
        model = build("gru:shallow", hidden_size=8)
        config = SysIdTrainConfig(loss="multi-step", horizon=10, max_steps=60, eval_every=20)
        result = fit(model, train, val, config, init_window=5)
        runs.append(model.simulate(val, 5))
        assert result.best_score == min(h["val"] for h in result.history)
        assert result.best_score == pytest.approx(selection_error(val.y, runs[-1], 5), rel=1e-5)
        assert [h["step"] for h in result.history] == [20, 40, 60]
    np.testing.assert_array_equal(runs[0], runs[1])


def test_patience_stops_early_and_k_step_validation_runs() -> None:
    train, _ = noisy(4, 0, 0.0)
    val, _ = noisy(2, 1, 0.0)
    model = build("narx:deep", hidden_size=8)
    config = SysIdTrainConfig(lr=0.0, max_steps=1000, eval_every=5, patience=3, val_horizon=10)
    result = fit(model, train, val, config, init_window=5)
    assert result.steps == 20 and result.best_step == 5  # no learning: stops 3 checks later


def test_linear_models_fit_in_closed_form_through_the_same_door() -> None:
    train, _ = noisy(4, 0, 0.0)
    val, _ = noisy(2, 1, 0.0)
    result = fit(build("arx"), train, val, init_window=4)
    assert result.model.lag <= 4 and result.history == []
    run = result.model.simulate(val, 4)
    assert result.best_score == selection_error(val.y, run, 4) < 0.5


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="multi-step"):
        SysIdTrainConfig(loss="free-run")
    with pytest.raises(ConfigError, match="horizon"):
        SysIdTrainConfig(horizon=0)
    train, _ = noisy(2, 0, 0.0)
    with pytest.raises(ConfigError, match="leave no horizon"):
        fit(build("narx:shallow"), train, train, SysIdTrainConfig(loss="multi-step", warmup=200))
