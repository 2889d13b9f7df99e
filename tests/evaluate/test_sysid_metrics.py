"""Identification metrics (depthlab.evaluate.sysid) on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from depthlab.data.control.trajectories import Trajectories
from depthlab.evaluate.sysid import (
    diverged,
    fit_index,
    k_step,
    nrmse,
    ratio_to_best_linear,
    rms,
    score,
)
from depthlab.models.sysid import ARX


def persistence() -> ARX:
    """y[t + 1] = y[t]: an ARX(1, 1) with coefficients set by hand."""
    model = ARX.from_config({"kind": "arx", "na": 1, "nb": 1, "n_u": 1, "n_y": 1})
    assert isinstance(model, ARX)
    model.set_state({"theta": np.array([[1.0], [0.0], [0.0]]), "orders": np.array([1, 1])})
    return model


def ramp(n: int = 2, steps: int = 100) -> Trajectories:
    y = np.tile(np.arange(steps, dtype=float), (n, 1))[..., None]  # y[t] = t
    return Trajectories(np.zeros((n, steps, 1)), y, 1.0)


def test_k_step_error_of_persistence_on_a_ramp_is_k_over_the_std() -> None:
    test = ramp()
    std = np.arange(100.0).std()
    for k in (1, 10, 50):
        np.testing.assert_allclose(k_step(persistence(), test, k, warmup=3), [k / std])


def test_score_on_persistence_matches_the_hand_computed_values() -> None:
    test, w = ramp(), 10
    scores = score(persistence(), test, w, ks=(10,))
    std = np.arange(100.0).std()
    assert scores.one_step_nrmse == pytest.approx(1 / std)
    assert scores.k_step_nrmse == {10: pytest.approx(10 / std)}
    # the free run stays at y[9] = 9 while y[t] = t: errors 1 .. 90
    truth = np.arange(10.0, 100.0)
    assert scores.free_run_rmse == pytest.approx(np.sqrt(np.mean((truth - 9) ** 2)))
    expected_fit = 100 * (1 - np.linalg.norm(truth - 9) / np.linalg.norm(truth - truth.mean()))
    assert scores.fit_index == pytest.approx(expected_fit)
    assert scores.diverged_share == 0.0


def test_nrmse_fit_index_and_rms_by_hand() -> None:
    y = np.array([[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]])  # (1, 3, 2)
    yhat = y + np.array([1.0, -2.0])
    np.testing.assert_allclose(nrmse(y, yhat, np.array([2.0, 4.0])), [0.5, 0.5])
    np.testing.assert_allclose(fit_index(y, y), [100.0, 100.0])
    np.testing.assert_allclose(fit_index(y, np.full_like(y, y.mean(axis=1))), [0.0, 0.0])
    assert rms(np.array([3.0, 4.0])) == pytest.approx(np.sqrt(12.5))


def test_diverged_rollouts_are_non_finite_or_beyond_ten_ranges() -> None:
    y = np.zeros((4, 5, 1))
    y[:, :, 0] = np.linspace(0, 1, 5)  # range 1: the band is [-10, 11]
    yhat = y.copy()
    yhat[1, 3, 0] = np.nan
    yhat[2, 4, 0] = 11.5
    yhat[3, 2, 0] = -9.5  # inside the band
    np.testing.assert_array_equal(diverged(y, yhat), [False, True, True, False])


def test_ratio_to_best_linear() -> None:
    results = {"arx": {"rmse": 2.0}, "n4sid": {"rmse": 4.0}, "gru": {"rmse": 0.5}}
    ratios = ratio_to_best_linear(results, ["arx", "n4sid"], "rmse")
    assert ratios == {"arx": 1.0, "n4sid": 2.0, "gru": 0.25}
