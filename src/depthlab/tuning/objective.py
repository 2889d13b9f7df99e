"""One trial of a search: train with given settings, return the validation score.

:func:`run_trial` is the only place a trial trains, and it takes and returns plain values, so
another executor (a Ray worker) can call it as it is; :class:`PruningHook` connects the training
loop's epoch hooks to an Optuna trial.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from depthlab.config import SplitStrategy
from depthlab.data.dataset import Dataset
from depthlab.training.loop import EpochHook

# The validation metric a search optimises, and its direction, per task.
METRIC = {"classification": "accuracy", "regression": "rmse", "forecasting": "rmse"}
DIRECTION = {"classification": "maximize", "regression": "minimize", "forecasting": "minimize"}


@dataclass(frozen=True)
class TrialRequest:
    """Everything one trial needs: the data, the model and the drawn settings."""

    data: str | Dataset
    family: str
    preset: str
    seed: int = 0
    model_options: dict[str, Any] = field(default_factory=dict)
    train_options: dict[str, Any] = field(default_factory=dict)
    data_options: dict[str, Any] = field(default_factory=dict)
    feature_options: dict[str, Any] = field(default_factory=dict)
    split: SplitStrategy = "auto"


@dataclass(frozen=True)
class TrialOutcome:
    """A trained trial: its validation score and the full settings it ran with."""

    value: float
    metric: str
    model: dict[str, Any]  # the model's complete options (preset + drawn values)
    train: dict[str, Any]  # the complete training settings
    epochs_run: int
    seconds: float


def run_trial(request: TrialRequest, on_epoch: Sequence[EpochHook] = ()) -> TrialOutcome:
    """Train *request* (no run folder) and score it on its validation part.

    Example:
        >>> outcome = run_trial(TrialRequest("iris", "mlp", "shallow"))  # doctest: +SKIP
        >>> outcome.metric, round(outcome.value, 2)  # doctest: +SKIP
        ('accuracy', 0.96)
    """
    from depthlab.errors import ConfigError
    from depthlab.training.run import train

    run = train(
        request.data,
        request.family,
        request.preset,
        seed=request.seed,
        model_options=request.model_options,
        train_options=request.train_options,
        data_options=request.data_options,
        split=request.split,
        feature_options=request.feature_options,
        on_epoch=on_epoch,
    )
    metric = METRIC[run.task]
    if "val" not in run.metrics:
        raise ConfigError("tuning scores trials on a validation part, and this split has none")
    return TrialOutcome(
        value=float(run.metrics["val"][metric]),
        metric=metric,
        model=dict(run.config["model"]["options"]),
        train={k: v for k, v in run.config["train"].items() if k != "seed"},
        epochs_run=int(run.metrics["epochs_run"]),
        seconds=float(run.metrics["cost"]["train_seconds"]),
    )


class PruningHook:
    """An epoch hook reporting the validation metric to an Optuna trial, and stopping the
    training (``optuna.TrialPruned``) when the pruner says the trial is behind."""

    def __init__(self, trial: Any, metric: str) -> None:
        self.trial = trial
        self.key = f"val_{metric}"

    def __call__(self, record: dict[str, Any]) -> None:
        import optuna

        value = record.get(self.key)
        if value is None:
            return
        self.trial.report(float(value), step=int(record["epoch"]))
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned at epoch {record['epoch']} ({self.key} {value:.4g})")
