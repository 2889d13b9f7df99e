"""Forecasting metrics: RMSE, MAE and MASE averaged over the horizon and per step."""

from __future__ import annotations

import numpy as np
import pytest

from depthlab.evaluate.metrics import compute_metrics


def test_mase_divides_the_mae_by_the_naive_scale() -> None:
    truth = np.array([[1.0, 2.0], [3.0, 4.0]])
    guess = np.array([[2.0, 2.0], [3.0, 7.0]])  # errors: step 1 (1, 0), step 2 (0, 3)
    scores = compute_metrics("forecasting", truth, guess, mase_scale=2.0)
    assert scores["mae"] == pytest.approx(1.0)
    assert scores["mase"] == pytest.approx(0.5)
    assert scores["mae_per_step"] == pytest.approx([0.5, 1.5])
    assert scores["mase_per_step"] == pytest.approx([0.25, 0.75])
    assert scores["rmse_per_step"] == pytest.approx([np.sqrt(0.5), np.sqrt(4.5)])
    # The overall RMSE averages the steps' RMSEs, as scikit-learn does for several outputs.
    assert scores["rmse"] == pytest.approx((np.sqrt(0.5) + np.sqrt(4.5)) / 2)


def test_one_step_has_no_per_step_lists_and_no_scale_no_mase() -> None:
    truth = np.array([[1.0], [2.0], [4.0]])
    scores = compute_metrics("forecasting", truth, truth + 1.0)
    assert "mase" not in scores and "rmse_per_step" not in scores
    assert scores["rmse"] == pytest.approx(1.0)
    # A constant training series has no naive error: MASE is undefined, so left out.
    assert "mase" not in compute_metrics("forecasting", truth, truth, mase_scale=0.0)


def test_regression_is_unchanged_by_a_scale() -> None:
    scores = compute_metrics("regression", np.arange(4.0), np.arange(4.0) + 1, mase_scale=1.0)
    assert set(scores) == {"rmse", "mae", "r2"}
