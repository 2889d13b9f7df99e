"""Experiment tracking: TensorBoard event files, MLflow runs, and a table of run folders.

``dl.train(..., track=["tensorboard", "mlflow"])`` (or tracker objects for other settings)
records a training run as it trains; ``depthlab train`` writes TensorBoard files to the run
folder's ``tb/`` by default and logs to MLflow with ``--mlflow URI``. :func:`list_runs` and
``depthlab runs list`` summarise the run folders on disk. TensorBoard and MLflow are imported
only when a tracker starts (the ``track`` extra).

Example:
    >>> import depthlab as dl
    >>> run = dl.train("iris", out="runs/iris", track=["tensorboard"])  # doctest: +SKIP
"""

from __future__ import annotations

from depthlab.track.base import TRACKERS, Tracker, make_tracker, make_trackers
from depthlab.track.mlflow_tracker import MlflowTracker
from depthlab.track.runs import RunSummary, list_runs
from depthlab.track.tensorboard import TensorBoardTracker

__all__ = [
    "TRACKERS",
    "MlflowTracker",
    "RunSummary",
    "TensorBoardTracker",
    "Tracker",
    "list_runs",
    "make_tracker",
    "make_trackers",
]
