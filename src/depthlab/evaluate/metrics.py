"""How good predictions are, as plain Python values that ``json.dumps`` writes as they are.

Classification takes class indices ``0..K-1`` (the data layer encodes labels that way) and, when
the model has them, class probabilities ``(N, K)``; regression and forecasting take numbers, one
or several outputs per example.

Example:
    >>> import numpy as np
    >>> from depthlab.evaluate.metrics import compute_metrics, is_better
    >>> scores = compute_metrics("classification", np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]))
    >>> scores["accuracy"], scores["confusion_matrix"]
    (0.75, [[2, 0], [1, 1]])
    >>> is_better("regression", 0.5, 0.7)  # a lower RMSE is better
    True
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from depthlab.errors import ConfigError, DataError, closest
from depthlab.evaluate.tasks import TASKS

# The metric models are ranked by, and whether higher ("max") or lower ("min") is better: the
# table of tasks (evaluate/tasks.py) in this module's words.
PRIMARY: dict[str, tuple[str, str]] = {
    task: (info.metric, "max" if info.higher_is_better else "min") for task, info in TASKS.items()
}


def compute_metrics(
    task: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    proba: np.ndarray | None = None,
    class_names: tuple[str, ...] = (),
    mase_scale: float | None = None,
) -> dict[str, Any]:
    """Score *y_pred* against *y_true* for *task*.

    classification: ``accuracy``, ``balanced_accuracy``, ``macro_f1`` (over the classes that occur
    in ``y_true`` or ``y_pred``), ``confusion_matrix`` (rows are true classes, columns predicted
    ones, over all ``K`` classes); with *proba* also ``log_loss`` and ``roc_auc`` (two classes, both
    present in ``y_true``) or ``roc_auc_ovr`` (macro one-vs-rest, every class present in
    ``y_true``). A ROC-AUC that is undefined for these labels is left out, not set to ``None``.
    ``K`` is ``len(class_names)`` when given, else the largest class index seen plus one.

    regression, forecasting: ``rmse``, ``mae``, ``r2`` (several outputs per example are averaged
    as scikit-learn does; ``r2`` is NaN for a single example). forecasting, ``(N, horizon)``
    values: also ``mase`` (MAE over *mase_scale*, the in-sample MAE of the one-step naive
    forecast on the training series; left out without it) and, for a horizon above 1,
    ``rmse_per_step``, ``mae_per_step`` (and ``mase_per_step``), lists from step 1 on.

    Raises :class:`DataError` when the arrays are empty, differ in length or hold values that are
    not class indices (classification) or not finite numbers (regression).
    """
    _check_task(task)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.size == 0 or y_pred.size == 0:
        raise DataError(
            f"cannot score empty arrays: y_true has {len(y_true)}, y_pred {len(y_pred)}"
        )
    if len(y_true) != len(y_pred):
        raise DataError(f"y_true has {len(y_true)} examples but y_pred has {len(y_pred)}")
    if task == "classification":
        return _classification_metrics(y_true, y_pred, proba, len(class_names))
    scores = _regression_metrics(y_true, y_pred)
    if task == "forecasting":
        scores.update(_forecast_metrics(y_true, y_pred, mase_scale))
    return scores


def primary_metric(task: str) -> tuple[str, str]:
    """The metric models are ranked by for *task* and its direction: ``("accuracy", "max")``."""
    _check_task(task)
    return PRIMARY[task]


def is_better(task: str, a: float, b: float | None) -> bool:
    """Whether primary-metric value *a* beats *b* (``None`` or NaN: nothing yet, so any *a*).

    >>> is_better("classification", 0.9, 0.8), is_better("regression", 0.9, 0.8)
    (True, False)
    """
    _, direction = primary_metric(task)
    if math.isnan(a):
        return False
    if b is None or math.isnan(b):
        return True
    return a > b if direction == "max" else a < b


def _check_task(task: str) -> None:
    if task not in PRIMARY:
        raise ConfigError(
            f"unknown task '{task}'; choose one of {', '.join(PRIMARY)}.{closest(task, PRIMARY)}"
        )


def _classification_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray | None, num_names: int
) -> dict[str, Any]:
    from sklearn import metrics

    y_true, y_pred = _class_indices(y_true, "y_true"), _class_indices(y_pred, "y_pred")
    seen = int(max(y_true.max(), y_pred.max())) + 1
    k = num_names or max(seen, _proba_columns(proba))
    if seen > k:
        raise DataError(f"labels go up to class {seen - 1} but there are only {k} class names")
    labels = list(range(k))
    with warnings.catch_warnings():
        # A class predicted but absent from y_true is simply ignored by balanced accuracy.
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        scores: dict[str, Any] = {
            "accuracy": float(metrics.accuracy_score(y_true, y_pred)),
            "balanced_accuracy": float(metrics.balanced_accuracy_score(y_true, y_pred)),
            "macro_f1": float(metrics.f1_score(y_true, y_pred, average="macro", zero_division=0)),
        }
    if proba is not None and k >= 2:
        p = _probabilities(proba, len(y_true), k)
        present = np.unique(y_true).size
        if k == 2 and present == 2:
            scores["roc_auc"] = float(metrics.roc_auc_score(y_true, p[:, 1]))
        elif k > 2 and present == k:
            scores["roc_auc_ovr"] = float(
                metrics.roc_auc_score(y_true, p, multi_class="ovr", average="macro", labels=labels)
            )
        scores["log_loss"] = float(metrics.log_loss(y_true, p, labels=labels))
    scores["confusion_matrix"] = metrics.confusion_matrix(y_true, y_pred, labels=labels).tolist()
    return scores


def _class_indices(y: np.ndarray, name: str) -> np.ndarray:
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(f"{name} must hold one class index per example, not shape {y.shape}")
    if y.dtype.kind not in "biuf":
        raise DataError(f"{name} must hold class indices 0..K-1, not {y.dtype} values")
    if y.dtype.kind == "f" and not (np.isfinite(y).all() and (y == np.round(y)).all()):
        raise DataError(f"{name} must hold whole-number class indices 0..K-1")
    y = y.astype(np.int64)
    if y.min() < 0:
        raise DataError(f"{name} holds class index {y.min()}; class indices start at 0")
    return y


def _proba_columns(proba: np.ndarray | None) -> int:
    if proba is None:
        return 0
    return (
        int(np.shape(proba)[1]) if np.ndim(proba) == 2 else 2
    )  # (N,): binary, shape checked later


def _probabilities(proba: np.ndarray, n: int, k: int) -> np.ndarray:
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 1 and k == 2:  # the probability of the positive class only
        p = np.stack([1.0 - p, p], axis=1)
    if p.shape != (n, k):
        raise DataError(f"proba must have shape ({n}, {k}) (examples, classes), not {p.shape}")
    if not np.isfinite(p).all() or (p < 0).any() or (p.sum(axis=1) <= 0).any():
        raise DataError("proba must hold finite non-negative class probabilities")
    # float32 softmax rows miss 1 by rounding; scikit-learn's checks want them to sum to 1.
    return p / p.sum(axis=1, keepdims=True)


def _regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    from sklearn import metrics
    from sklearn.exceptions import UndefinedMetricWarning

    y_true, y_pred = _numbers(y_true, "y_true"), _numbers(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise DataError(f"y_true has shape {y_true.shape} but y_pred has {y_pred.shape}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)  # r2 of a single example
        r2 = float(metrics.r2_score(y_true, y_pred))
    return {
        "rmse": float(metrics.root_mean_squared_error(y_true, y_pred)),
        "mae": float(metrics.mean_absolute_error(y_true, y_pred)),
        "r2": r2,
    }


def _forecast_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, mase_scale: float | None
) -> dict[str, Any]:
    """MASE (Hyndman & Koehler, 2006) and, for several steps ahead, the metrics of each step."""
    true = y_true.astype(np.float64).reshape(len(y_true), -1)  # (N, horizon), checked above
    error = y_pred.astype(np.float64).reshape(true.shape) - true
    mae_steps = np.abs(error).mean(axis=0)
    scores: dict[str, Any] = {}
    # A constant training series has a naive error of 0, and MASE is then undefined.
    mase_steps = None
    if mase_scale is not None and math.isfinite(mase_scale) and mase_scale > 0:
        mase_steps = mae_steps / mase_scale
        scores["mase"] = float(mase_steps.mean())
    if true.shape[1] > 1:
        scores["rmse_per_step"] = np.sqrt((error**2).mean(axis=0)).tolist()
        scores["mae_per_step"] = mae_steps.tolist()
        if mase_steps is not None:
            scores["mase_per_step"] = mase_steps.tolist()
    return scores


def _numbers(y: np.ndarray, name: str) -> np.ndarray:
    if y.dtype.kind not in "biuf":
        raise DataError(f"{name} must hold numbers, not {y.dtype} values")
    y = y.astype(np.float64).reshape(len(y), -1)  # (N, outputs)
    if not np.isfinite(y).all():
        raise DataError(f"{name} holds NaN or infinite values (did training diverge?)")
    return y[:, 0] if y.shape[1] == 1 else y
