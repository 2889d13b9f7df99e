"""Measurements a study job takes from a trained model: scores, robustness and linear probes.

Inputs here are already preprocessed (standardised), so "noise of 0.5" is half a feature's
training standard deviation, and a missing value is replaced by the training mean (0), the
imputation the tabular preprocessing applies to missing cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from depthlab.config import StudyConfig
from depthlab.data.dataset import Dataset
from depthlab.evaluate.metrics import compute_metrics

PROBE_EXAMPLES = 4000  # linear probes train on at most this many examples
KEEP = {
    "classification": ("accuracy", "balanced_accuracy", "macro_f1"),
    "regression": ("rmse", "mae", "r2"),
    "forecasting": ("rmse", "mae", "mase", "r2"),
}


def outputs(model: Any, x: np.ndarray) -> np.ndarray:
    """Class probabilities ``(N, K)`` or scaled regression outputs ``(N, 1)``."""
    import torch

    from depthlab.evaluate.forward import forward

    if not isinstance(model, torch.nn.Module):
        return np.asarray(model.outputs(x))
    out = forward(model, x)
    if model.spec.task == "classification":  # type: ignore[union-attr]
        out = torch.softmax(out, dim=1)
    return np.asarray(out.numpy())


def score(model: Any, ds: Dataset, prep: Any, x: np.ndarray, targets: np.ndarray) -> dict[str, Any]:
    """The study's metrics of *model* on preprocessed inputs *x* against raw *targets*."""
    out = outputs(model, x)
    if ds.task == "classification":
        metrics = compute_metrics(
            "classification", targets, out.argmax(axis=1), class_names=ds.class_names
        )
    elif ds.task == "forecasting":  # (N, horizon)
        predicted = prep.inverse_targets(out)
        scale = prep.stats.get("naive_mae")
        metrics = compute_metrics(ds.task, targets, predicted, mase_scale=scale)
    else:
        metrics = compute_metrics(ds.task, targets, prep.inverse_targets(out[:, 0]))
    return {k: metrics[k] for k in KEEP[ds.task] if k in metrics}


def measure_extras(
    model: Any,
    ds: Dataset,
    prep: Any,
    x: np.ndarray,
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    config: StudyConfig,
) -> dict[str, Any]:
    """Robustness, probes and attributions (networks), measured once per model and seed, on
    the full training fraction."""
    extras: dict[str, Any] = {}
    rng = np.random.Generator(np.random.PCG64([len(train), 104729]))
    # Noise and holes mean something for measured values, not for token or id inputs.
    if config.robustness and np.issubdtype(x.dtype, np.floating):
        clean = x[test]
        noisy = clean + rng.normal(scale=config.noise, size=clean.shape).astype(np.float32)
        holes = clean * (rng.random(clean.shape) >= config.missing).astype(np.float32)
        targets = ds.targets[test]
        extras["robustness"] = {
            "noise": score(model, ds, prep, noisy, targets),
            "missing": score(model, ds, prep, holes, targets),
            "noise_std": config.noise,
            "missing_share": config.missing,
        }
    if config.probes and hasattr(model, "representations") and model.depth() > 0:
        extras["probes"] = probe_layers(model, x, y, train, test, ds.task)
    if config.explain and hasattr(model, "representations"):  # networks
        from depthlab.studies.interpret import measure as interpret

        measured = interpret(model, ds, x, train)
        if measured is not None:
            extras["interpret"] = measured
    return extras


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
    from depthlab.evaluate.forward import forward_layers

    return forward_layers(model.representations, model, x)


def linear_probe(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, task: str
) -> float:
    """Accuracy (classification, a ridge classifier) or R^2 (ridge regression) of a linear
    read-out, on standardised features; closed-form, so probing every layer stays cheap."""
    import warnings

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
