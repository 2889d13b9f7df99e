"""Stability of attributions: Spearman rank correlation of the attributions of the same
examples across models trained with different seeds.

For each pair of models and each example, the rank correlation of the two attribution maps
(flattened); the number is the mean over examples, one value per pair of models, and their
mean. 1: the seeds agree on which inputs matter and in which order; 0: unrelated. An example
whose attributions are constant in either model (nothing to rank) is left out.

Example:
    >>> import numpy as np
    >>> a = np.arange(12.0).reshape(3, 4)
    >>> stability([a, a])["mean"]
    1.0
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    """Mean over examples of the Spearman correlation of *a* and *b* ``(N, ...)`` (None when
    no example has non-constant attributions in both)."""
    from scipy.stats import spearmanr

    if a.shape != b.shape:
        raise ValueError(f"attributions of different shapes: {a.shape} and {b.shape}")
    values = []
    for row_a, row_b in zip(a.reshape(len(a), -1), b.reshape(len(b), -1), strict=True):
        if np.ptp(row_a) == 0 or np.ptp(row_b) == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rho = spearmanr(row_a, row_b).statistic
        if np.isfinite(rho):
            values.append(float(rho))
    return float(np.mean(values)) if values else None


def stability(attributions: Sequence[np.ndarray]) -> dict[str, Any]:
    """Rank correlation of each pair of *attributions* (one array per model, same examples in
    the same order), and their mean."""
    if len(attributions) < 2:
        raise ValueError("stability compares two or more models' attributions")
    pairs = [
        {"pair": [i, j], "spearman": rank_correlation(attributions[i], attributions[j])}
        for i, j in itertools.combinations(range(len(attributions)), 2)
    ]
    measured = [p["spearman"] for p in pairs if p["spearman"] is not None]
    return {"mean": float(np.mean(measured)) if measured else None, "pairs": pairs}
