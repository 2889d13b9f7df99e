"""What a tracker is and the registry of tracker ids.

A tracker records one training run somewhere other tools read (TensorBoard event files, an
MLflow store). It is a run hook (:class:`~depthlab.training.hooks.RunHook`): training starts it
once the run folder is ready, hands it every epoch, and finishes or fails it at the end; a
tracker never costs the run (one that breaks during training is logged and switched off).
Names (``"tensorboard"``, ``"mlflow"``) are resolved here, above training: by the CLI and by the
package's ``depthlab.train(..., track=[...])``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depthlab.errors import ConfigError, closest

if TYPE_CHECKING:
    from depthlab.training.run import Run

log = logging.getLogger(__name__)


class Tracker:
    """Records a training run: its settings, each epoch's record, its final metrics and files.

    A :class:`~depthlab.training.hooks.RunHook`. Subclasses override what they need; every
    method of the base does nothing.

    Example:
        >>> class Printer(Tracker):
        ...     def epoch(self, record):
        ...         print(record["epoch"], record["train_loss"])
    """

    name = "tracker"

    def start(self, config: dict[str, Any], folder: Path | None, resume: bool) -> None:
        """Called once the run folder holds run.json (``config``), before the first epoch."""

    def epoch(self, record: dict[str, Any]) -> None:
        """Called with each epoch's history record, after its checkpoint is written."""

    def finish(self, run: Run) -> None:
        """Called when metrics.json and the weights are written."""

    def close(self, status: str) -> None:
        """Called last, always: ``status`` is ``finished``, ``failed`` or ``killed``."""


def _tensorboard() -> Tracker:
    from depthlab.track.tensorboard import TensorBoardTracker

    return TensorBoardTracker()


def _mlflow() -> Tracker:
    from depthlab.track.mlflow_tracker import MlflowTracker

    return MlflowTracker()


# String ids with their default settings; pass a tracker object for other settings.
TRACKERS: dict[str, Callable[[], Tracker]] = {"tensorboard": _tensorboard, "mlflow": _mlflow}


def make_trackers(items: Iterable[str | Tracker]) -> list[Tracker]:
    """Each of *items* as a tracker (see :func:`make_tracker`)."""
    return [make_tracker(item) for item in items]


def make_tracker(item: str | Tracker) -> Tracker:
    """``"tensorboard"`` or ``"mlflow"`` with its defaults, or a :class:`Tracker` as it is."""
    if isinstance(item, Tracker):
        return item
    factory = TRACKERS.get(item) if isinstance(item, str) else None
    if factory is None:
        raise ConfigError(
            f"unknown tracker {item!r}; use one of {', '.join(TRACKERS)} or a Tracker object"
            + (closest(item, TRACKERS) if isinstance(item, str) else "")
        )
    return factory()


def cli_trackers(tensorboard: bool, mlflow: str | None, experiment: str | None) -> list[Tracker]:
    """The trackers of ``depthlab train``'s flags: TensorBoard unless ``--no-tensorboard``,
    MLflow with ``--mlflow URI`` (``--experiment`` names its experiment)."""
    if experiment is not None and mlflow is None:
        raise ConfigError("--experiment names an MLflow experiment; add --mlflow URI (or local)")
    trackers = [make_tracker("tensorboard")] if tensorboard else []
    if mlflow is not None:
        from depthlab.track.mlflow_tracker import MlflowTracker

        trackers.append(MlflowTracker(mlflow, experiment=experiment))
    return trackers


def flat_params(config: dict[str, Any]) -> dict[str, str | int | float | bool]:
    """A run.json's settings as flat ``section.key`` scalars (lists as text), for trackers.

    Example:
        >>> flat_params({"data": {"name": "iris"}, "preset": "deep", "train": {"lr": 0.01}})
        {'data.name': 'iris', 'preset': 'deep', 'train.lr': 0.01}
    """
    out: dict[str, str | int | float | bool] = {}
    sections = ("data", "model", "preset", "train", "features", "split")
    skip = {"data.class_names", "data.feature_names", "split.fingerprint"}  # long, not settings

    def add(key: str, value: Any) -> None:
        if key in skip or value is None:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                add(f"{key}.{k}", v)
        elif isinstance(value, bool | int | float | str):
            out[key] = value
        else:
            out[key] = str(value)

    for section in sections:
        if section in config:
            add(section, config[section])
    return out


def scalar_metrics(metrics: dict[str, Any], part: str = "test") -> dict[str, float]:
    """The numeric metrics of one part of a metrics.json (no confusion matrix or per-step lists)."""
    values = metrics.get(part, {})
    return {
        k: float(v)
        for k, v in values.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
