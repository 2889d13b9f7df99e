"""The tasks depthlab learns, with the metric each is judged by and that metric's direction.

One table: training keeps the best epoch by ``metric``, tuning optimises it, the CLI prints it,
``runs list`` sorts by it; a depth study ranks models by ``study_metric`` (R² for regression, so
that higher is better for every task of a study).

Example:
    >>> TASKS["regression"].metric, TASKS["regression"].higher_is_better
    ('rmse', False)
    >>> primary_metric("classification")
    'accuracy'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from depthlab.errors import ConfigError, closest

Task = Literal["classification", "regression", "forecasting"]
Direction = Literal["maximize", "minimize"]


@dataclass(frozen=True)
class TaskInfo:
    """What a task is judged by: its primary metric and direction, and a study's metric."""

    name: str
    metric: str  # the primary metric: best epoch, tuning, printed summaries
    higher_is_better: bool
    study_metric: str  # what a depth study ranks models by (higher is better)

    @property
    def direction(self) -> Direction:
        """Optuna's word for the direction of :attr:`metric`."""
        return "maximize" if self.higher_is_better else "minimize"


TASKS: dict[str, TaskInfo] = {
    "classification": TaskInfo("classification", "accuracy", True, "accuracy"),
    "regression": TaskInfo("regression", "rmse", False, "r2"),
    "forecasting": TaskInfo("forecasting", "rmse", False, "r2"),
}

# Metrics where a smaller value is better (every primary metric of the table is covered);
# any other metric sorts from high to low.
LOWER_IS_BETTER = frozenset(
    {"rmse", "mae", "mse", "mase", "log_loss", "loss", "train_seconds", "epochs"}
    | {info.metric for info in TASKS.values() if not info.higher_is_better}
)


def task_info(task: str) -> TaskInfo:
    """The row of *task*; an unknown task is a ConfigError naming the valid ones."""
    info = TASKS.get(task)
    if info is None:
        raise ConfigError(
            f"unknown task '{task}'; choose one of {', '.join(TASKS)}.{closest(task, TASKS)}"
        )
    return info


def primary_metric(task: str) -> str:
    """The metric *task* is judged by: ``accuracy`` or ``rmse``."""
    return task_info(task).metric


def is_improvement(task: str, value: float, best: float | None) -> bool:
    """Whether primary-metric *value* beats *best* (``None``: nothing yet, so any *value*)."""
    if best is None:
        return True
    return value > best if task_info(task).higher_is_better else value < best
