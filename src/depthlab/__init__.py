"""depthlab: build, train, compare and explain neural networks of any depth on your own data.

The public API is imported lazily, so ``import depthlab`` stays light (no torch, pandas or
scikit-learn until they are needed).

Example:
    >>> import depthlab as dl
    >>> ds = dl.load_dataset("mnist1d")
    >>> split = dl.split_dataset(ds, seed=0)
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depthlab._version import __version__

_EXPORTS = {
    "Dataset": "depthlab.data.dataset",
    "DatasetInfo": "depthlab.data.dataset",
    "load_dataset": "depthlab.data.load",
    "list_datasets": "depthlab.data.datasets",
    "split_dataset": "depthlab.data.splits",
    "kfold": "depthlab.data.splits",
    "hold_out_group": "depthlab.data.splits",
    "Split": "depthlab.data.splits",
    "Run": "depthlab.training.run",
    "cross_validate": "depthlab.training.crossval",
    "CrossValidation": "depthlab.training.crossval",
    "build_model": "depthlab.models.base",
    "list_families": "depthlab.models.base",
    "InputSpec": "depthlab.features.spec",
    "TrainSpec": "depthlab.config",
    "TrainConfig": "depthlab.config",
    "DataConfig": "depthlab.config",
    "SplitConfig": "depthlab.config",
    "StudyConfig": "depthlab.config",
    "study": "depthlab.depth_study",
    "explain": "depthlab.explaining.api",
    "Explanation": "depthlab.explaining.api",
    "tune": "depthlab.tuning.runner",
    "TuneResult": "depthlab.tuning.runner",
    "StudyResult": "depthlab.depth_study",
    "list_runs": "depthlab.track.runs",
    "Tracker": "depthlab.track.base",
    "TensorBoardTracker": "depthlab.track.tensorboard",
    "MlflowTracker": "depthlab.track.mlflow_tracker",
    "DepthlabError": "depthlab.errors",
    "DataError": "depthlab.errors",
    "ConfigError": "depthlab.errors",
    "DepthClassifier": "depthlab.estimators",
    "DepthRegressor": "depthlab.estimators",
}

__all__ = ["__version__", "train", *_EXPORTS]

if TYPE_CHECKING:
    from depthlab.config import DataConfig, SplitConfig, StudyConfig, TrainConfig, TrainSpec
    from depthlab.data.dataset import Dataset, DatasetInfo
    from depthlab.data.datasets import list_datasets
    from depthlab.data.load import load_dataset
    from depthlab.data.splits import Split, hold_out_group, kfold, split_dataset
    from depthlab.depth_study import StudyResult, study
    from depthlab.errors import ConfigError, DataError, DepthlabError
    from depthlab.estimators import DepthClassifier, DepthRegressor
    from depthlab.explaining.api import Explanation, explain
    from depthlab.features.spec import InputSpec
    from depthlab.models.base import build_model, list_families
    from depthlab.track.base import Tracker
    from depthlab.track.mlflow_tracker import MlflowTracker
    from depthlab.track.runs import list_runs
    from depthlab.track.tensorboard import TensorBoardTracker
    from depthlab.training.crossval import CrossValidation, cross_validate
    from depthlab.training.hooks import Hook
    from depthlab.training.run import Run
    from depthlab.tuning.runner import TuneResult, tune


def train(
    data: str | Path | Dataset,
    spec: TrainSpec | None = None,
    *,
    out: str | Path | None = None,
    resume: bool = False,
    seed: int | None = None,
    hooks: Sequence[Hook] = (),
    track: Sequence[str | Tracker] = (),
    distributed: bool = False,
) -> Run:
    """Train the model *spec* describes on *data* and keep everything in *out* (see
    :func:`depthlab.training.run.train`): an explicit *seed* wins over the spec's; *hooks* hear
    every epoch; *track* records the run as it trains: ``"tensorboard"`` (event files in
    ``out/tb``), ``"mlflow"`` (``./mlflow.db``) or :class:`~depthlab.track.Tracker` objects.

    Example:
        >>> import depthlab as dl
        >>> spec = dl.TrainSpec(model="cnn", preset="deep", train={"epochs": 5})
        >>> run = dl.train("mnist1d", spec, out="runs/cnn", track=["tensorboard"])  # doctest: +SKIP
    """
    from depthlab.track.base import make_trackers
    from depthlab.training.run import train as train_run

    trackers = make_trackers(track)  # names resolve here, above training
    return train_run(
        data,
        spec,
        out=out,
        resume=resume,
        seed=seed,
        hooks=[*hooks, *trackers],
        distributed=distributed,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'depthlab' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
