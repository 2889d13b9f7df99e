"""Metrics against values worked out by hand, their JSON shape, and the errors they raise."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from depthlab.errors import ConfigError, DataError
from depthlab.evaluate.metrics import compute_metrics, is_better, primary_metric


def test_accuracy_of_three_right_out_of_four() -> None:
    scores = compute_metrics("classification", np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]))
    assert scores["accuracy"] == 0.75


def test_imbalanced_case_by_hand() -> None:
    # Four of class 0, all right; two of class 1, one right.
    y_true = np.array([0, 0, 0, 0, 1, 1])
    y_pred = np.array([0, 0, 0, 0, 1, 0])
    scores = compute_metrics("classification", y_true, y_pred)
    assert scores["accuracy"] == pytest.approx(5 / 6)
    assert scores["balanced_accuracy"] == pytest.approx((4 / 4 + 1 / 2) / 2)
    # class 0: precision 4/5, recall 1 -> F1 8/9; class 1: precision 1, recall 1/2 -> F1 2/3
    assert scores["macro_f1"] == pytest.approx((8 / 9 + 2 / 3) / 2)
    assert scores["confusion_matrix"] == [[4, 0], [1, 1]]


def test_confusion_matrix_rows_are_true_columns_predicted_over_all_classes() -> None:
    names = ("a", "b", "c", "d")  # class 3 never occurs but still has a row and a column
    scores = compute_metrics(
        "classification", np.array([0, 1, 2, 2]), np.array([0, 2, 2, 1]), class_names=names
    )
    assert scores["confusion_matrix"] == [
        [1, 0, 0, 0],
        [0, 0, 1, 0],  # the true 1 was predicted 2
        [0, 1, 1, 0],  # one true 2 was predicted 1
        [0, 0, 0, 0],
    ]


def test_binary_probabilities_give_roc_auc_and_log_loss() -> None:
    y_true = np.array([0, 0, 1, 1])
    positive = np.array([0.1, 0.4, 0.35, 0.8])
    proba = np.stack([1 - positive, positive], axis=1).astype(np.float32)  # (N, 2)
    scores = compute_metrics("classification", y_true, proba.argmax(axis=1), proba)
    assert scores["roc_auc"] == pytest.approx(0.75)  # 3 of the 4 (positive, negative) pairs
    assert scores["roc_auc"] == pytest.approx(roc_auc_score(y_true, positive))
    expected = -np.mean(np.log([0.9, 0.6, 0.35, 0.8]))
    assert scores["log_loss"] == pytest.approx(expected, rel=1e-6)
    assert "roc_auc_ovr" not in scores


def test_probability_of_the_positive_class_alone_is_accepted() -> None:
    y_true = np.array([0, 0, 1, 1])
    positive = np.array([0.1, 0.4, 0.35, 0.8])
    scores = compute_metrics("classification", y_true, (positive > 0.5).astype(int), positive)
    assert scores["roc_auc"] == pytest.approx(0.75)


def test_multiclass_roc_auc_only_when_every_class_occurs() -> None:
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(3), size=12)  # (12, 3)
    y_true = np.tile([0, 1, 2], 4)
    scores = compute_metrics("classification", y_true, proba.argmax(axis=1), proba)
    expected = roc_auc_score(y_true, proba, multi_class="ovr", average="macro")
    assert scores["roc_auc_ovr"] == pytest.approx(expected)

    y_missing = np.where(y_true == 2, 1, y_true)  # class 2 never true: one-vs-rest is undefined
    scores = compute_metrics("classification", y_missing, proba.argmax(axis=1), proba)
    assert "roc_auc_ovr" not in scores and "roc_auc" not in scores
    assert math.isfinite(scores["log_loss"])


def test_one_class_in_y_true_skips_binary_roc_auc() -> None:
    proba = np.array([[0.7, 0.3], [0.4, 0.6]])
    scores = compute_metrics("classification", np.array([0, 0]), np.array([0, 1]), proba)
    assert "roc_auc" not in scores
    assert scores["accuracy"] == 0.5


@pytest.mark.parametrize("task", ["regression", "forecasting"])
def test_regression_values_by_hand(task: str) -> None:
    y_true = np.array([3.0, -0.5, 2.0, 7.0])
    y_pred = np.array([2.5, 0.0, 2.0, 8.0])
    scores = compute_metrics(task, y_true, y_pred)
    assert scores["rmse"] == pytest.approx(math.sqrt((0.25 + 0.25 + 0 + 1) / 4))
    assert scores["mae"] == pytest.approx(0.5)
    # 1 - SS_res / SS_tot with SS_res = 1.5 and mean 2.875
    ss_tot = sum((v - 2.875) ** 2 for v in y_true)
    assert scores["r2"] == pytest.approx(1 - 1.5 / ss_tot)
    assert set(scores) == {"rmse", "mae", "r2"}


def test_column_of_predictions_matches_a_flat_target() -> None:
    scores = compute_metrics("regression", np.array([1.0, 2.0, 3.0]), np.array([[1.0], [2], [4]]))
    assert scores["mae"] == pytest.approx(1 / 3)


def test_output_is_plain_python_and_json_serialisable() -> None:
    proba = np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]], dtype=np.float32)
    scores = compute_metrics(
        "classification", np.array([0, 1, 1]), np.array([0, 1, 0]), proba, ("no", "yes")
    )
    assert json.loads(json.dumps(scores)) == scores
    assert all(type(scores[key]) is float for key in ("accuracy", "macro_f1", "roc_auc"))
    assert all(type(v) is int for row in scores["confusion_matrix"] for v in row)
    regression = compute_metrics("regression", np.arange(3.0), np.arange(3.0) + 1)
    assert json.loads(json.dumps(regression)) == regression


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        (np.array([0, 1, 1]), np.array([0, 1]), "3 examples but y_pred has 2"),
        (np.array([], dtype=int), np.array([], dtype=int), "empty"),
        (np.array([0, 1.5]), np.array([0, 1]), "whole-number"),
        (np.array([0, -1]), np.array([0, 1]), "start at 0"),
        (np.array(["a", "b"]), np.array([0, 1]), "class indices"),
    ],
)
def test_bad_classification_input_is_a_data_error(
    y_true: np.ndarray, y_pred: np.ndarray, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        compute_metrics("classification", y_true, y_pred)


def test_labels_beyond_the_class_names_are_a_data_error() -> None:
    with pytest.raises(DataError, match="only 2 class names"):
        compute_metrics(
            "classification", np.array([0, 2]), np.array([0, 1]), class_names=("a", "b")
        )


def test_probabilities_of_the_wrong_shape_are_a_data_error() -> None:
    with pytest.raises(DataError, match=r"shape \(2, 3\)"):
        compute_metrics("classification", np.array([0, 2]), np.array([0, 2]), np.ones((2, 2)))


def test_diverged_regression_predictions_are_a_data_error() -> None:
    with pytest.raises(DataError, match="diverge"):
        compute_metrics("regression", np.array([1.0, 2.0]), np.array([1.0, np.nan]))
    with pytest.raises(DataError, match="shape"):
        compute_metrics("forecasting", np.ones((2, 3)), np.ones((2, 2)))


def test_errors_are_one_line() -> None:
    with pytest.raises(DataError) as info:
        compute_metrics("regression", np.ones(3), np.ones(4))
    assert "\n" not in str(info.value)


def test_unknown_task_is_a_config_error_with_a_suggestion() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'regression'"):
        compute_metrics("regresion", np.ones(2), np.ones(2))


def test_primary_metric_and_direction() -> None:
    assert primary_metric("classification") == ("accuracy", "max")
    assert primary_metric("regression") == ("rmse", "min")
    assert primary_metric("forecasting") == ("rmse", "min")


def test_is_better_follows_the_direction_and_handles_missing_values() -> None:
    assert is_better("classification", 0.9, 0.8) and not is_better("classification", 0.8, 0.9)
    assert is_better("regression", 0.8, 0.9) and not is_better("regression", 0.9, 0.8)
    assert not is_better("regression", 0.5, 0.5)  # a tie is not an improvement
    assert is_better("regression", 10.0, None) and is_better("regression", 10.0, math.nan)
    assert not is_better("classification", math.nan, 0.1)
