"""Faithfulness of attributions: the deletion curve, against a random order.

Remove the inputs an attribution ranks most important first (replace them by the baseline: the
training mean of standardised inputs, the padding id for tokens), a growing share at a time, and
track the model's output. For classification that is the probability of the class explained,
which a faithful attribution makes fall fast; for regression and forecasting, how far the
prediction moved from the prediction on the whole input (in target standard deviations, sign
flipped so that lower is again "more faithful"). Classification ranks by the signed attribution
(evidence for the class first), regression by its magnitude.

**Faithfulness** = area under the curve of a random deletion order minus the area under the
attribution's curve (both over deleted shares 0..1, averaged over the examples; the random
order is averaged over a few seeded orders). Positive: the attribution finds the inputs the
model relies on better than chance; 0: no better than chance; units: probability (or target
standard deviations).

Example:
    >>> import numpy as np

from depthlab.evaluate.outputs import outputs
    >>> from depthlab.models.base import build_model
    >>> from depthlab.features.spec import InputSpec
    >>> net = build_model("linear", InputSpec("vector", (4,), 2, "classification"))
    >>> x = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)
    >>> from depthlab.explaining.methods import attribute
    >>> result = deletion(net, x, attribute(net, x, "saliency"))
    >>> sorted(result)[:3]
    ['auc_attribution', 'auc_random', 'curve_attribution']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from depthlab.evaluate.outputs import outputs
from depthlab.explaining.methods import predicted_target

STEPS = 10  # the curve's points: shares 0, 1/STEPS, ..., 1
RANDOM_ORDERS = 3


def deletion(
    model: Any,
    x: np.ndarray,
    attributions: np.ndarray,
    *,
    target: np.ndarray | None = None,
    baseline: np.ndarray | None = None,
    steps: int = STEPS,
    seed: int = 0,
) -> dict[str, Any]:
    """The deletion curves of *attributions* (*x*'s shape) and of random orders, and the
    faithfulness number (see the module's docstring)."""
    if target is None:
        target = predicted_target(model, x)
    classification = model.spec.task == "classification"
    n, size = len(x), int(np.prod(x.shape[1:]))
    flat = x.reshape(n, size)
    fill = _fill(x, baseline).reshape(1, size)
    weights = attributions.reshape(n, size)
    ranks = weights if classification else np.abs(weights)
    # Ties (a patch's shared score) are broken at random, not by position.
    rng = np.random.Generator(np.random.PCG64([seed, 2718]))
    jitter = rng.random((n, size)) * 1e-9 * (np.abs(ranks).max() + 1e-12)
    order = np.argsort(-(ranks + jitter), axis=1)
    randoms = [rng.permuted(np.tile(np.arange(size), (n, 1)), axis=1) for _ in range(RANDOM_ORDERS)]
    shares = np.linspace(0.0, 1.0, steps + 1)
    start = _score(model, flat.reshape(x.shape), target, None)
    curve = _curve(model, flat, fill, order, shares, target, start, x.shape)
    random = np.mean(
        [_curve(model, flat, fill, o, shares, target, start, x.shape) for o in randoms], axis=0
    )
    auc_attr, auc_random = float(np.trapezoid(curve, shares)), float(np.trapezoid(random, shares))
    return {
        "faithfulness": auc_random - auc_attr,
        "auc_attribution": auc_attr,
        "auc_random": auc_random,
        "shares": shares.tolist(),
        "curve_attribution": curve.tolist(),
        "curve_random": random.tolist(),
        "tracked": "probability of the explained class"
        if classification
        else "minus the prediction's change, in target standard deviations",
    }


def _fill(x: np.ndarray, baseline: np.ndarray | None) -> np.ndarray:
    if baseline is None:
        return np.zeros(x.shape[1:], dtype=x.dtype)  # the mean, or the padding id
    return np.asarray(baseline, dtype=x.dtype).reshape(x.shape[1:])


def _curve(
    model: Any,
    flat: np.ndarray,
    fill: np.ndarray,
    order: np.ndarray,
    shares: np.ndarray,
    target: np.ndarray,
    start: np.ndarray,
    shape: tuple[int, ...],
) -> np.ndarray:
    """Mean tracked value after deleting each share of the inputs in *order*."""
    n, size = flat.shape
    rows = np.arange(n)[:, None]
    points = []
    for share in shares:
        k = round(share * size)
        deleted = flat.copy()
        if k:
            cols = order[:, :k]
            deleted[rows, cols] = np.broadcast_to(fill, flat.shape)[rows, cols]
        points.append(_score(model, deleted.reshape(shape), target, start).mean())
    return np.asarray(points)


def _score(model: Any, x: np.ndarray, target: np.ndarray, start: np.ndarray | None) -> np.ndarray:
    """Probability of *target* per example; for regression the prediction itself when *start*
    is None, else minus its distance from *start*."""
    out = outputs(model, x)  # probabilities for classification, scaled values otherwise
    if model.spec.task == "classification":
        return np.asarray(out[np.arange(len(x)), target], dtype=np.float64)
    value = np.asarray(out, dtype=np.float64).mean(axis=1)
    return value if start is None else np.asarray(-np.abs(value - start))
