"""Linear probes: how well a linear read-out of each hidden layer's activations predicts the
target, measured once per network and seed on the full training fraction."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from depthlab.evaluate.forward import forward_layers

PROBE_EXAMPLES = 4000  # linear probes train on at most this many examples


def probe_layers(
    model: Any, x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, task: str
) -> list[dict[str, Any]]:
    """Test score of a linear model on the input (layer 0) and on each hidden layer's
    activations, trained on the training examples' activations."""
    fit_on = train[:PROBE_EXAMPLES]
    train_layers = [x[fit_on].reshape(len(fit_on), -1), *activations(model, x[fit_on])]
    test_layers = [x[test].reshape(len(test), -1), *activations(model, x[test])]
    # Token or id inputs are labels, not measurements: a linear read-out of the ids themselves
    # says nothing, so layer 0 is left unscored there.
    measured = np.issubdtype(x.dtype, np.floating)
    return [
        {
            "layer": i,
            "features": int(a.shape[1]),
            "score": linear_probe(a, y[fit_on], b, y[test], task) if i or measured else None,
        }
        for i, (a, b) in enumerate(zip(train_layers, test_layers, strict=True))
    ]


def activations(model: Any, x: np.ndarray) -> list[np.ndarray]:
    """Every hidden layer's activations for the rows of *x*, flattened per example."""
    return forward_layers(model.representations, model, x)


def linear_probe(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, task: str
) -> float:
    """Accuracy (classification, a ridge classifier) or R^2 (ridge regression) of a linear
    read-out, on standardised features; closed-form, so probing every layer stays cheap."""
    from scipy.linalg import LinAlgWarning
    from sklearn.linear_model import Ridge, RidgeClassifier

    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-6
    a, b = (x_train - mean) / std, (x_test - mean) / std
    if task == "classification" and len(np.unique(y_train)) < 2:
        return float(np.mean(y_test == y_train[0]))
    probe = RidgeClassifier(alpha=1.0) if task == "classification" else Ridge(alpha=1.0)
    with warnings.catch_warnings():
        # Nearly collinear activations (dead units) make the solve ill-conditioned; alpha=1
        # keeps it stable, and the warning would only be noise in the study's output.
        warnings.simplefilter("ignore", LinAlgWarning)
        return float(probe.fit(a, y_train).score(b, y_test))
