"""What a tracker is, the registry of tracker ids, and the session a training run drives.

A tracker records one training run somewhere other tools read (TensorBoard event files, an
MLflow store). :func:`~depthlab.training.run.train` opens a :class:`TrackSession` once the run
folder is ready, hands its hooks to the training loop, and finishes or fails it at the end.
A tracker never costs the run: a tracker that breaks during training is logged and switched
off, the training goes on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depthlab.errors import ConfigError, DepthlabError, closest

if TYPE_CHECKING:
    from depthlab.training.run import Run

log = logging.getLogger(__name__)


class Tracker:
    """Records a training run: its settings, each epoch's record, its final metrics and files.

    Subclasses override what they need; every method of the base does nothing.

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


class TrackSession:
    """The trackers of one training run, driven by :func:`~depthlab.training.run.train`.

    Example:
        >>> session = TrackSession.open([], {"data": {"name": "iris"}}, None, False)
        >>> session.hooks
        []
    """

    def __init__(self, trackers: Sequence[Tracker]) -> None:
        self.trackers = list(trackers)

    @classmethod
    def open(
        cls,
        track: Iterable[str | Tracker],
        config: dict[str, Any],
        folder: Path | None,
        resume: bool,
    ) -> TrackSession:
        """Make and start every tracker; a tracker that cannot start is a user error."""
        session = cls([make_tracker(item) for item in track])
        started: list[Tracker] = []
        try:
            for tracker in session.trackers:
                tracker.start(config, folder, resume)
                started.append(tracker)
        except BaseException:
            cls(started).close("failed")
            raise
        return session

    @property
    def hooks(self) -> list[Callable[[dict[str, Any]], None]]:
        """One epoch hook per tracker, for ``fit(on_epoch=...)``."""
        return [self._guarded(tracker) for tracker in self.trackers]

    def _guarded(self, tracker: Tracker) -> Callable[[dict[str, Any]], None]:
        def hook(record: dict[str, Any]) -> None:
            if tracker in self.trackers:
                self._call(tracker, "epoch", lambda: tracker.epoch(record))

        return hook

    def _call(self, tracker: Tracker, what: str, action: Callable[[], None]) -> None:
        # Losing a tracker must not lose the training it records: warn and go on without it.
        try:
            action()
        except (DepthlabError, OSError, RuntimeError, ValueError, ImportError) as exc:
            log.warning("%s tracking stopped (%s): %s", tracker.name, what, exc)
            self.trackers.remove(tracker)
            self._close_one(tracker, "failed")

    def finish(self, run: Run) -> None:
        """Record the final metrics and files, then close every tracker."""
        for tracker in list(self.trackers):
            self._call(tracker, "finish", functools.partial(tracker.finish, run))
        self.close("finished")

    def close(self, status: str) -> None:
        """Close every tracker with *status* (``finished``, ``failed``, ``killed``)."""
        for tracker in self.trackers:
            self._close_one(tracker, status)
        self.trackers = []

    @staticmethod
    def _close_one(tracker: Tracker, status: str) -> None:
        try:
            tracker.close(status)
        except Exception as exc:  # closing is best effort: the run's files are already safe
            log.warning("%s tracking did not close cleanly: %s", tracker.name, exc)


def cli_trackers(
    tensorboard: bool, mlflow: str | None, experiment: str | None
) -> list[str | Tracker]:
    """The trackers of ``depthlab train``'s flags: TensorBoard unless ``--no-tensorboard``,
    MLflow with ``--mlflow URI`` (``--experiment`` names its experiment)."""
    if experiment is not None and mlflow is None:
        raise ConfigError("--experiment names an MLflow experiment; add --mlflow URI (or local)")
    trackers: list[str | Tracker] = ["tensorboard"] if tensorboard else []
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
