"""One trial of a search: train with given settings, return the validation score.

:func:`run_trial` is the only place a trial trains, and it takes and returns plain values, so
another executor (a Ray worker) can call it as it is; :class:`PruningHook` connects the training
loop's epoch hooks to an Optuna trial.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from depthlab.config import TrainSpec
from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError
from depthlab.evaluate.tasks import primary_metric
from depthlab.training.hooks import EpochHook
from depthlab.training.run import train


@dataclass(frozen=True)
class TrialRequest:
    """Everything one trial needs: the data, the fixed settings and the drawn ones."""

    data: str | Dataset
    spec: TrainSpec  # model, preset, seed, split, data and feature options, fixed settings
    model_options: dict[str, Any] = field(default_factory=dict)  # drawn
    train_options: dict[str, Any] = field(default_factory=dict)  # drawn, over the fixed ones

    def trial_spec(self) -> TrainSpec:
        """The drawn values over the fixed settings."""
        return TrainSpec(options=self.model_options, train=self.train_options).over(self.spec)


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
        >>> request = TrialRequest("iris", TrainSpec(model="mlp"))
        >>> outcome = run_trial(request)  # doctest: +SKIP
        >>> outcome.metric, round(outcome.value, 2)  # doctest: +SKIP
        ('accuracy', 0.96)
    """
    run = train(request.data, request.trial_spec(), hooks=on_epoch)
    metric = primary_metric(run.task)
    if "val" not in run.metrics:
        raise ConfigError("tuning scores trials on a validation part, and this split has none")
    return TrialOutcome(
        value=float(run.metrics["val"][metric]),
        metric=metric,
        model=dict(run.record.model["options"]),
        train=run.record.train.model_dump(mode="json", exclude={"seed"}),
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


def finished(study: Any) -> int:
    """Trials that count toward the total: completed and pruned (failed ones run again)."""
    from optuna.trial import TrialState

    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)))
