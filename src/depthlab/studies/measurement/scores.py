"""Measurements a study job takes from a trained model: its scores, and the extras measured once
per model and seed on the full training fraction (robustness, linear probes, attributions).

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
from depthlab.evaluate.outputs import outputs
from depthlab.studies.measurement.attributions import measure_attributions
from depthlab.studies.measurement.probes import probe_layers

KEEP = {
    "classification": ("accuracy", "balanced_accuracy", "macro_f1"),
    "regression": ("rmse", "mae", "r2"),
    "forecasting": ("rmse", "mae", "mase", "r2"),
}


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
        measured = measure_attributions(model, ds, x, train)
        if measured is not None:
            extras["interpret"] = measured
    return extras
