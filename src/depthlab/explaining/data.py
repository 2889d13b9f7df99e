"""The examples an explanation picks among a run's test part, and its baseline input."""

from __future__ import annotations

import numpy as np

from depthlab.errors import ConfigError


def pick(indices: np.ndarray, samples: int, seed: int = 0) -> np.ndarray:
    """*samples* of *indices* (a seeded choice, sorted), all of them when there are fewer."""
    if samples < 1:
        raise ConfigError(f"--samples must be at least 1, got {samples}")
    if len(indices) <= samples:
        return np.sort(indices)
    rng = np.random.Generator(np.random.PCG64([seed, 31337]))
    return np.sort(rng.choice(indices, size=samples, replace=False))


def background(x_train: np.ndarray, limit: int = 2000) -> np.ndarray | None:
    """The baseline ("absent") input: the mean preprocessed training input, for measured
    values; None (zeros: the padding id) for token or id inputs."""
    if not np.issubdtype(x_train.dtype, np.floating) or not len(x_train):
        return None
    return np.asarray(x_train[:limit].mean(axis=0), dtype=x_train.dtype)


def target_of(task: str, targets: np.ndarray) -> np.ndarray:
    """The output column explained: the true class (the same for every model compared), or 0."""
    if task == "classification":
        return np.asarray(targets, dtype=np.int64)
    return np.zeros(len(targets), dtype=np.int64)
