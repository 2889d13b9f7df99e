"""The under-fitting flag: a network whose training score falls clearly below a simple classical
model's on the same training examples has not learned what even that model learns (it stopped
before converging, or its regularisation is too strong), so comparing it says more about its
budget than about its depth.

The reference is the simplest fitted classical model of the data: logistic regression for
classification, ridge regression for regression, the biases-only model for ratings, the
persistence forecast for series. Scores compare on the study metric (accuracy, or R², higher is
better); "clearly below" is more than :data:`MARGIN` (2 points of accuracy, 0.02 of R²).

Example:
    >>> flag = check("linear", 0.807, "logistic", 0.981, "accuracy", "linear network")
    >>> flag["text"].split(" on the same")[0]
    'linear network: training accuracy 80.7% against 98.1% for logistic regression'
    >>> check("mlp:deep", 0.99, "logistic", 0.981, "accuracy") is None
    True
"""

from __future__ import annotations

from typing import Any

MARGIN = 0.02
REFERENCES = ("logistic", "ridge", "biases", "persistence")
REFERENCE_NAMES = {
    "logistic": "logistic regression",
    "ridge": "ridge regression",
    "biases": "the biases-only model",
    "persistence": "the persistence forecast",
}


def reference_for(modality: str, task: str) -> str:
    """The classical model every network of *modality* / *task* should out-fit on training data."""
    if modality == "interactions":
        return "biases"
    if task == "forecasting":
        return "persistence"
    return "logistic" if task == "classification" else "ridge"


def _show(value: float, metric: str) -> str:
    return f"{value:.1%}" if metric == "accuracy" else f"{value:.3f}"


def check(
    model: str,
    train: float | None,
    reference: str,
    reference_train: float | None,
    metric: str,
    name: str | None = None,
) -> dict[str, Any] | None:
    """The flag (model, scores, gap and a sentence with the numbers) when *model*'s training
    score *train* is more than :data:`MARGIN` below *reference*'s; None otherwise or unmeasured.
    *name* is the model's readable name (default: its id)."""
    if train is None or reference_train is None or train >= reference_train - MARGIN:
        return None
    name, ref = name or model, REFERENCE_NAMES.get(reference, reference)
    text = (
        f"{name}: training {metric} {_show(train, metric)} against "
        f"{_show(reference_train, metric)} for {ref} on the same examples: under-fitted "
        "(not converged, or regularised too strongly)"
    )
    return {
        "model": model,
        "reference": reference,
        "metric": metric,
        "train": train,
        "reference_train": reference_train,
        "gap": reference_train - train,
        "text": text,
    }
