"""The job-time interpretability measurement of the study (its analysis is
:mod:`depthlab.studies.analysis.interpretability`, its claim
:mod:`depthlab.studies.claims.interpretability`).

Each network job (full training set) explains the same few examples with integrated gradients
(few steps; permutation for id pairs) and measures their **faithfulness** (deletion curve,
:mod:`depthlab.explaining.faithfulness`). The examples are chosen independently of the seed (from
the fixed test set when the data has one, else from all examples), so that the attributions of
the seeds' models can be compared: **stability** is the Spearman rank correlation of two
seeds' attributions (:mod:`depthlab.explaining.stability`), one value per pair of seeds. The claim
compares the shallow MLP with the best deep network on both, paired over seeds (faithfulness)
and over pairs of seeds (stability).

Example:
    >>> summary["interpretability"]["mlp:shallow"]["faithfulness"]["mean"]  # doctest: +SKIP
    0.21
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from depthlab.explaining.data import background, target_of
from depthlab.explaining.faithfulness import deletion
from depthlab.explaining.methods import attribute, resolve_method

SAMPLES = 24  # examples explained per job
STEPS = 8  # integration steps: the ranking, not the exact integral, is what is compared
MAX_CELLS = 256  # attributions stored per example (block means beyond), for stability


def examples(ds: Any, n: int) -> np.ndarray:
    """The examples every seed explains: the data's fixed test set if it has one, else any."""
    fixed = getattr(ds, "test_indices", None)
    pool = np.asarray(fixed if fixed is not None else np.arange(n), dtype=np.int64)
    if len(pool) <= SAMPLES:
        return pool
    rng = np.random.Generator(np.random.PCG64(4242))  # not the job's seed: the same examples
    return np.sort(rng.choice(pool, size=SAMPLES, replace=False))


def measure_attributions(
    model: Any, ds: Any, x: np.ndarray, train: np.ndarray
) -> dict[str, Any] | None:
    """Faithfulness of one trained network's attributions, and the attributions (block means,
    rounded) that stability compares across seeds; None without the ``explain`` extra."""
    if importlib.util.find_spec("captum") is None:
        return None
    method, _ = resolve_method(model, "integrated-gradients")  # pairs: permutation
    indices = examples(ds, len(x))
    xs = x[indices]
    target = target_of(model.spec.task, ds.targets[indices])
    base = background(x[train])
    values = attribute(model, xs, method, target=target, baseline=base, steps=STEPS)
    faith = deletion(model, xs, values, target=target, baseline=base)
    return {
        "method": method,
        "faithfulness": faith["faithfulness"],
        "indices": indices.tolist(),
        "attributions": np.round(cells(values), 6).tolist(),
    }


def cells(values: np.ndarray) -> np.ndarray:
    """``(N, ...)`` -> ``(N, <= MAX_CELLS)``: means of contiguous blocks of the flattened map."""
    flat = values.reshape(len(values), -1).astype(np.float64)
    if flat.shape[1] <= MAX_CELLS:
        return flat
    return np.stack([b.mean(axis=1) for b in np.array_split(flat, MAX_CELLS, axis=1)], axis=1)
