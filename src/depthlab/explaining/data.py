"""The examples a run folder was trained and tested on, loaded again from run.json, and the
examples an explanation picks among them."""

from __future__ import annotations

from typing import Any

import numpy as np

from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError, DataError


def run_data(run: Any, data: Dataset | None = None) -> tuple[Dataset, Any]:
    """The examples *run* sees (forecasting windows for a series) and its split, made again
    exactly as in training (the split's fingerprint must match the recorded one). *data* stands
    in for a run trained on a Dataset object in Python."""
    from depthlab.data.load import load_dataset
    from depthlab.data.splits import resolve_split
    from depthlab.training.preprocess import examples_for

    source, recorded = run.config["data"], run.config["split"]
    if data is None:
        if source.get("source") is None:
            raise ConfigError(
                f"{run.path or 'this run'} was trained on a Dataset object in Python; "
                "pass it again: dl.explain(run, data=ds)"
            )
        data = load_dataset(source["source"], **source.get("options", {}))
    ds = examples_for(data, run.config["model"]["family"], run.config.get("features"))
    fold = recorded.get("fold")
    split = resolve_split(
        ds,
        seed=int(recorded["seed"]),
        strategy=recorded.get("requested", "auto"),
        test_group=recorded.get("test_group"),
        fold=None if fold is None else (int(fold[0]), int(fold[1])),
    )
    if split.fingerprint() != recorded["fingerprint"]:
        raise DataError(
            f"the data of {run.path or 'this run'} changed since training (split fingerprint "
            f"{split.fingerprint()}, recorded {recorded['fingerprint']}); restore the data or "
            "train again"
        )
    return ds, split


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
